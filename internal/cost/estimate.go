package cost

import (
	"fmt"
	"math"
	"strconv"
)

// Architecture names one way of putting an API in front of a private backend.
type Architecture string

// The architectures gatehouse runs, in the order they are compared.
const (
	HTTPV2ALB Architecture = "http-vpclinkv2-alb"
	RESTV1NLB Architecture = "rest-vpclinkv1-nlb"
	RESTV2ALB Architecture = "rest-vpclinkv2-alb"
)

// Title is the architecture as a reader would say it.
func (a Architecture) Title() string {
	switch a {
	case HTTPV2ALB:
		return "HTTP API + VPC link V2 + ALB"
	case RESTV1NLB:
		return "REST API + VPC link v1 + NLB"
	case RESTV2ALB:
		return "REST API + VPC link V2 + ALB"
	}
	return string(a)
}

// Group sorts lines into the columns of a comparison.
type Group string

// Groups, in column order.
const (
	GroupRequests Group = "requests"
	GroupLink     Group = "vpc link"
	GroupBalancer Group = "load balancer"
	GroupEndpoint Group = "privatelink"
)

// Groups lists every group in column order.
var Groups = []Group{GroupRequests, GroupLink, GroupBalancer, GroupEndpoint}

// Line is one item of an estimate: Quantity of Unit at UnitPrice dollars
// each. Cost is their product, unrounded; rounding is for display.
type Line struct {
	Item      string  `json:"item"`
	Group     Group   `json:"group"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	UnitPrice float64 `json:"unitPrice"`
	Cost      float64 `json:"cost"`
	// Note explains how the quantity was reached when it is not obvious.
	Note string `json:"note,omitempty"`
	// Assumption is copied from the price, so the reader sees which
	// numbers the sources did not confirm.
	Assumption string `json:"assumption,omitempty"`
}

// Estimate is one architecture's month, itemised.
type Estimate struct {
	Architecture Architecture `json:"architecture"`
	Title        string       `json:"title"`
	Lines        []Line       `json:"lines"`
	Total        float64      `json:"total"`
	Notes        []string     `json:"notes,omitempty"`
}

// Subtotal sums the lines of one group.
func (e Estimate) Subtotal(g Group) float64 {
	var s float64
	for _, l := range e.Lines {
		if l.Group == g {
			s += l.Cost
		}
	}
	return s
}

// Comparison is the same workload priced on every architecture.
type Comparison struct {
	Region     string     `json:"region"`
	PricesRead string     `json:"pricesRead"`
	Workload   Workload   `json:"workload"`
	Estimates  []Estimate `json:"estimates"`
}

// Compare prices the workload on every architecture in one region. The
// workload in the result has its defaults filled in.
func Compare(p *Prices, region string, w Workload) (Comparison, error) {
	r, err := p.Region(region)
	if err != nil {
		return Comparison{}, err
	}
	w, err = w.Resolve()
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Region: region, PricesRead: p.Read, Workload: w}
	for _, f := range []func(*Prices, RegionPrices, Workload) (Estimate, error){HTTPAPIWithALB, RESTWithNLB, RESTWithALB} {
		e, err := f(p, r, w)
		if err != nil {
			return Comparison{}, err
		}
		c.Estimates = append(c.Estimates, e)
	}
	return c, nil
}

// HTTPAPIWithALB prices an HTTP API whose routes reach an internal ALB
// through a VPC link V2.
func HTTPAPIWithALB(p *Prices, r RegionPrices, w Workload) (Estimate, error) {
	w, err := w.Resolve()
	if err != nil {
		return Estimate{}, err
	}
	e := Estimate{Architecture: HTTPV2ALB, Title: HTTPV2ALB.Title()}
	per := meteredPerCall(r.HTTPAPIRequests, w)
	lines := tiered("HTTP API requests", GroupRequests, r.HTTPAPIRequests, w.Requests*per/1e6)
	if r.HTTPAPIRequests.IncrementBytes > 0 {
		lines[0].Note = fmt.Sprintf("a call counts as %s, one per started %s bytes of its larger payload", num(per), num(float64(r.HTTPAPIRequests.IncrementBytes)))
	}
	e.Lines = append(e.Lines, lines...)
	e.Lines = append(e.Lines, free("VPC link V2", "no charge; its ENIs are API Gateway's"))
	e.Lines = append(e.Lines, albLines(p, r, w)...)
	e.Notes = append(e.Notes, "HTTP API metering uses the larger of the request and response payloads (assumption: AWS does not say which).")
	return e.total(), nil
}

// RESTWithNLB prices a REST API reaching an internal NLB through a VPC
// link v1, which is a PrivateLink endpoint service in front of the NLB.
func RESTWithNLB(p *Prices, r RegionPrices, w Workload) (Estimate, error) {
	w, err := w.Resolve()
	if err != nil {
		return Estimate{}, err
	}
	e := Estimate{Architecture: RESTV1NLB, Title: RESTV1NLB.Title()}
	e.Lines = append(e.Lines, tiered("REST API requests", GroupRequests, r.RESTAPIRequests, w.Requests/1e6)...)
	e.Lines = append(e.Lines, free("VPC link v1 (endpoint service)", "no charge of its own"))
	e.Lines = append(e.Lines, Line{
		Item: "NLB", Group: GroupBalancer, Quantity: w.Hours, Unit: r.NLBHour.Unit,
		UnitPrice: r.NLBHour.Tiers[0].USD, Cost: w.Hours * r.NLBHour.Tiers[0].USD, Assumption: r.NLBHour.Assumption,
	})
	e.Lines = append(e.Lines, capacityLine("NLB capacity (NLCU)", p.CapacityUnits.NLB, r.NLBNLCUHour, w))
	azHours := float64(w.AZs) * w.Hours
	e.Lines = append(e.Lines, Line{
		Item: fmt.Sprintf("PrivateLink endpoint, %d AZs", w.AZs), Group: GroupEndpoint,
		Quantity: azHours, Unit: r.EndpointAZHour.Unit, UnitPrice: r.EndpointAZHour.Tiers[0].USD,
		Cost: azHours * r.EndpointAZHour.Tiers[0].USD, Assumption: r.EndpointAZHour.Assumption,
	})
	e.Lines = append(e.Lines, tiered("PrivateLink data processed", GroupEndpoint, r.EndpointData, w.ProcessedGB())...)
	// The reference leaves open who pays for the endpoint; the design
	// counts it, and an upper bound is the safer number to choose by.
	e.Notes = append(e.Notes, "The PrivateLink interface endpoint is API Gateway's, created in its own account as the consumer of the endpoint service the VPC link v1 makes; whether AWS bills it to you is unconfirmed. It is counted here in full, so this total is the upper bound.")
	return e.total(), nil
}

// RESTWithALB prices a REST API reaching an internal ALB directly through
// a VPC link V2 (integrationTarget), the path AWS opened in November 2025.
func RESTWithALB(p *Prices, r RegionPrices, w Workload) (Estimate, error) {
	w, err := w.Resolve()
	if err != nil {
		return Estimate{}, err
	}
	e := Estimate{Architecture: RESTV2ALB, Title: RESTV2ALB.Title()}
	e.Lines = append(e.Lines, tiered("REST API requests", GroupRequests, r.RESTAPIRequests, w.Requests/1e6)...)
	e.Lines = append(e.Lines, free("VPC link V2", "no charge; its ENIs are API Gateway's"))
	e.Lines = append(e.Lines, albLines(p, r, w)...)
	return e.total(), nil
}

func albLines(p *Prices, r RegionPrices, w Workload) []Line {
	return []Line{
		{
			Item: "ALB", Group: GroupBalancer, Quantity: w.Hours, Unit: r.ALBHour.Unit,
			UnitPrice: r.ALBHour.Tiers[0].USD, Cost: w.Hours * r.ALBHour.Tiers[0].USD, Assumption: r.ALBHour.Assumption,
		},
		capacityLine("ALB capacity (LCU)", p.CapacityUnits.ALB, r.ALBLCUHour, w),
	}
}

// capacityLine bills the hourly capacity units: each hour is charged for
// whichever dimension needs the most units, and with traffic spread evenly
// every hour needs the same.
func capacityLine(item string, cu CapacityUnit, pr Price, w Workload) Line {
	dims := []struct {
		name  string
		units float64
	}{
		{"new connections", w.NewConnsPerSec / cu.NewConnsPerSec},
		{"active connections", w.ActiveConns / cu.ActiveConns},
		{"processed bytes", w.ProcessedGB() / w.Hours / cu.GBPerHour},
	}
	if cu.RuleEvalsPerSec > 0 {
		dims = append(dims, struct {
			name  string
			units float64
		}{"rule evaluations", w.RuleEvalsPerSec / cu.RuleEvalsPerSec})
	}
	best := 0
	note := ""
	for i, d := range dims {
		if d.units > dims[best].units {
			best = i
		}
		if i > 0 {
			note += ", "
		}
		note += d.name + " " + strconv.FormatFloat(d.units, 'f', 4, 64)
	}
	unitHours := dims[best].units * w.Hours
	assumption := pr.Assumption
	if cu.Assumption != "" {
		if assumption != "" {
			assumption += "; "
		}
		assumption += cu.Assumption
	}
	return Line{
		Item: item, Group: GroupBalancer, Quantity: unitHours, Unit: pr.Unit,
		UnitPrice: pr.Tiers[0].USD, Cost: unitHours * pr.Tiers[0].USD,
		Note:       fmt.Sprintf("%s per hour, set by %s (%s)", strconv.FormatFloat(dims[best].units, 'f', 4, 64), dims[best].name, note),
		Assumption: assumption,
	}
}

// meteredPerCall is how many requests one call counts as: one per started
// increment of its larger payload, and at least one.
func meteredPerCall(pr Price, w Workload) float64 {
	if pr.IncrementBytes <= 0 {
		return 1
	}
	n := math.Ceil(math.Max(w.RequestBytes, w.ResponseBytes) / float64(pr.IncrementBytes))
	return math.Max(n, 1)
}

// tiered bills qty across the price's tiers, one line per tier it reaches,
// because a monthly volume that crosses a boundary pays each rate on its
// own slice only. A zero quantity still gets a line, so every estimate
// names every item.
func tiered(item string, g Group, pr Price, qty float64) []Line {
	var lines []Line
	lo := 0.0
	for i, t := range pr.Tiers {
		open := i == len(pr.Tiers)-1
		in := qty - lo
		if !open {
			in = math.Min(in, t.UpTo-lo)
		}
		in = math.Max(in, 0)
		if in == 0 && i > 0 {
			break
		}
		name := item
		if len(pr.Tiers) > 1 {
			name += ", " + tierLabel(pr, i)
		}
		lines = append(lines, Line{
			Item: name, Group: g, Quantity: in, Unit: pr.Unit,
			UnitPrice: t.USD, Cost: in * t.USD, Assumption: pr.Assumption,
		})
		if open {
			break
		}
		lo = t.UpTo
	}
	return lines
}

func tierLabel(pr Price, i int) string {
	switch {
	case i == 0:
		return "first " + num(pr.Tiers[0].UpTo) + " " + pr.Unit
	case i == len(pr.Tiers)-1:
		return "over " + num(pr.Tiers[i-1].UpTo) + " " + pr.Unit
	}
	return "next " + num(pr.Tiers[i].UpTo-pr.Tiers[i-1].UpTo) + " " + pr.Unit
}

func free(item, note string) Line {
	return Line{Item: item, Group: GroupLink, Quantity: 1, Unit: "link", Note: note}
}

func (e Estimate) total() Estimate {
	e.Total = 0
	for _, l := range e.Lines {
		e.Total += l.Cost
	}
	return e
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
