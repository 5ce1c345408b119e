package cost

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

//go:embed prices.json
var defaultPrices []byte

// Prices is a prices document: per-region price lists and the load-balancer
// capacity-unit definitions, with the date the document was read.
type Prices struct {
	// Read is the day the numbers were read (YYYY-MM-DD); prices change, so
	// every output names it.
	Read          string                  `json:"read"`
	Currency      string                  `json:"currency"`
	Note          string                  `json:"note,omitempty"`
	Gigabyte      string                  `json:"gigabyte,omitempty"`
	CapacityUnits CapacityUnits           `json:"capacityUnits"`
	Regions       map[string]RegionPrices `json:"regions"`
}

// RegionPrices is every price an estimate needs in one region.
type RegionPrices struct {
	HTTPAPIRequests Price `json:"httpApiRequests"`
	RESTAPIRequests Price `json:"restApiRequests"`
	ALBHour         Price `json:"albHour"`
	ALBLCUHour      Price `json:"albLcuHour"`
	NLBHour         Price `json:"nlbHour"`
	NLBNLCUHour     Price `json:"nlbNlcuHour"`
	EndpointAZHour  Price `json:"endpointAzHour"`
	EndpointData    Price `json:"endpointData"`
}

// Price is one billed dimension. A flat price is a single tier.
type Price struct {
	Unit  string `json:"unit"`
	Tiers []Tier `json:"tiers"`
	// IncrementBytes, when set, meters one request per started increment
	// of payload: AWS counts a 513 KB HTTP API call as two requests.
	IncrementBytes int64  `json:"incrementBytes,omitempty"`
	Source         string `json:"source"`
	Read           string `json:"read"`
	// Assumption says what about this price the sources did not confirm;
	// empty when they did.
	Assumption string `json:"assumption,omitempty"`
}

// Tier prices the quantity from the previous tier's UpTo to its own, in
// the price's unit per month. The last tier has no UpTo (zero) and is open.
type Tier struct {
	UpTo float64 `json:"upTo,omitempty"`
	USD  float64 `json:"usd"`
}

// CapacityUnits defines ALB LCUs and NLB NLCUs: one unit covers any one of
// these rates, and an hour is billed at the dimension that needs the most.
type CapacityUnits struct {
	ALB CapacityUnit `json:"alb"`
	NLB CapacityUnit `json:"nlb"`
}

// CapacityUnit is what one LCU (or NLCU) allows per hour.
type CapacityUnit struct {
	NewConnsPerSec float64 `json:"newConnsPerSec"`
	ActiveConns    float64 `json:"activeConns"`
	GBPerHour      float64 `json:"gbPerHour"`
	// RuleEvalsPerSec is zero for the NLB, which has no rules to evaluate.
	RuleEvalsPerSec float64 `json:"ruleEvalsPerSec,omitempty"`
	Source          string  `json:"source"`
	Read            string  `json:"read"`
	Assumption      string  `json:"assumption,omitempty"`
}

var defaultOnce = sync.OnceValues(func() (*Prices, error) { return Parse(defaultPrices) })

// Default returns the built-in prices (prices.json). Callers share one
// value and must not change it.
func Default() (*Prices, error) { return defaultOnce() }

// Parse reads a prices document. Unknown fields are errors, because a
// misspelt price in a hand-edited file would otherwise price at zero.
func Parse(data []byte) (*Prices, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Prices
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("prices: %w", err)
	}
	if dec.More() {
		return nil, errors.New("prices: more than one JSON value")
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("prices: %w", err)
	}
	return &p, nil
}

// Region returns one region's prices, or an error naming the regions the
// document has.
func (p *Prices) Region(name string) (RegionPrices, error) {
	r, ok := p.Regions[name]
	if !ok {
		return RegionPrices{}, fmt.Errorf("no prices for region %q (the prices file has %s)", name, strings.Join(p.RegionNames(), ", "))
	}
	return r, nil
}

// RegionNames lists the document's regions in order.
func (p *Prices) RegionNames() []string {
	names := make([]string, 0, len(p.Regions))
	for n := range p.Regions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (p *Prices) validate() error {
	if err := checkDate("read", p.Read); err != nil {
		return err
	}
	// Every number in the file is in one currency; mixing would be silent.
	if p.Currency != "USD" {
		return fmt.Errorf("currency %q: only USD is supported", p.Currency)
	}
	if err := p.CapacityUnits.ALB.validate("capacityUnits.alb", true); err != nil {
		return err
	}
	if err := p.CapacityUnits.NLB.validate("capacityUnits.nlb", false); err != nil {
		return err
	}
	if len(p.Regions) == 0 {
		return errors.New("no regions")
	}
	for _, name := range p.RegionNames() {
		r := p.Regions[name]
		for _, f := range []struct {
			field string
			price Price
		}{
			{"httpApiRequests", r.HTTPAPIRequests},
			{"restApiRequests", r.RESTAPIRequests},
			{"albHour", r.ALBHour},
			{"albLcuHour", r.ALBLCUHour},
			{"nlbHour", r.NLBHour},
			{"nlbNlcuHour", r.NLBNLCUHour},
			{"endpointAzHour", r.EndpointAZHour},
			{"endpointData", r.EndpointData},
		} {
			if err := f.price.validate(); err != nil {
				return fmt.Errorf("regions.%s.%s: %w", name, f.field, err)
			}
		}
	}
	return nil
}

func (c CapacityUnit) validate(where string, rules bool) error {
	for _, d := range []struct {
		name string
		v    float64
	}{{"newConnsPerSec", c.NewConnsPerSec}, {"activeConns", c.ActiveConns}, {"gbPerHour", c.GBPerHour}} {
		if !positive(d.v) {
			return fmt.Errorf("%s.%s must be a positive number", where, d.name)
		}
	}
	if rules && !positive(c.RuleEvalsPerSec) {
		return fmt.Errorf("%s.ruleEvalsPerSec must be a positive number", where)
	}
	if c.Source == "" {
		return fmt.Errorf("%s: no source", where)
	}
	if err := checkDate(where+".read", c.Read); err != nil {
		return err
	}
	return nil
}

func (pr Price) validate() error {
	if pr.Unit == "" {
		return errors.New("no unit (missing price?)")
	}
	if pr.Source == "" {
		return errors.New("no source")
	}
	if err := checkDate("read", pr.Read); err != nil {
		return err
	}
	if pr.IncrementBytes < 0 {
		return errors.New("incrementBytes is negative")
	}
	if len(pr.Tiers) == 0 {
		return errors.New("no tiers")
	}
	prev := 0.0
	for i, t := range pr.Tiers {
		if math.IsNaN(t.USD) || math.IsInf(t.USD, 0) || t.USD < 0 {
			return fmt.Errorf("tier %d: usd must be a number, zero or more", i+1)
		}
		last := i == len(pr.Tiers)-1
		switch {
		case last && t.UpTo != 0:
			return fmt.Errorf("tier %d: the last tier must be open (no upTo)", i+1)
		case !last && !(t.UpTo > prev) || math.IsInf(t.UpTo, 0):
			return fmt.Errorf("tier %d: upTo must rise above the tier before it", i+1)
		}
		prev = t.UpTo
	}
	return nil
}

func checkDate(field, s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return fmt.Errorf("%s %q is not a date (YYYY-MM-DD)", field, s)
	}
	return nil
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
