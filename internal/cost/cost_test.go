package cost

import (
	"math"
	"strings"
	"testing"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("%s = %.9f, want %.9f", what, got, want)
	}
}

func defaults(t *testing.T) (*Prices, RegionPrices) {
	t.Helper()
	p, err := Default()
	if err != nil {
		t.Fatalf("built-in prices: %v", err)
	}
	r, err := p.Region("us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

// The worked example, by hand. 100 million requests a month in us-east-1,
// 10 KiB (10240 bytes) each way, 730 hours, 2 AZs, other inputs defaulted.
//
//	rate        = 100,000,000 / (730 × 3600 s) = 38.0517504 requests/s
//	data        = 100,000,000 × 20,480 B / 2^30 = 1907.3486328125 GB
//	GB per hour = 1907.3486328125 / 730 = 2.6128063 (more than any other dimension:
//	              ALB new conns 38.05/25 = 1.52, NLB 38.05/800 = 0.05), so the
//	              capacity units are 2.6128063 × 730 = 1907.3486328125 unit-hours
//
// HTTP API + VPC link V2 + ALB
//
//	requests  10,240 B < 512 KiB: one request each; 100 M × $1.00/M = 100.00
//	VPC link V2                                                      =   0.00
//	ALB       730 h × $0.0225                                        =  16.425
//	LCU       1907.3486328125 × $0.008                               =  15.2587890625
//	total                                                            = 131.6837890625
//
// REST API + VPC link v1 + NLB
//
//	requests  100 M × $3.50/M (inside the first 333 M)               = 350.00
//	VPC link v1                                                      =   0.00
//	NLB       730 h × $0.0225                                        =  16.425
//	NLCU      1907.3486328125 × $0.006                               =  11.444091796875
//	endpoint  2 AZs × 730 h × $0.01                                  =  14.60
//	data      1907.3486328125 GB × $0.01 (inside the first PB)       =  19.073486328125
//	total                                                            = 411.542578125
//
// REST API + VPC link V2 + ALB
//
//	requests 350.00 + ALB 16.425 + LCU 15.2587890625                = 381.6837890625
func TestWorkedExample(t *testing.T) {
	p, _ := defaults(t)
	c, err := Compare(p, "us-east-1", Workload{Requests: 100e6, RequestBytes: 10240, ResponseBytes: 10240})
	if err != nil {
		t.Fatal(err)
	}
	want := map[Architecture][]float64{
		HTTPV2ALB: {100, 0, 16.425, 15.2587890625},
		RESTV1NLB: {350, 0, 16.425, 11.444091796875, 14.60, 19.073486328125},
		RESTV2ALB: {350, 0, 16.425, 15.2587890625},
	}
	totals := map[Architecture]float64{HTTPV2ALB: 131.6837890625, RESTV1NLB: 411.542578125, RESTV2ALB: 381.6837890625}
	if len(c.Estimates) != 3 {
		t.Fatalf("%d estimates, want 3", len(c.Estimates))
	}
	for _, e := range c.Estimates {
		costs := want[e.Architecture]
		if len(e.Lines) != len(costs) {
			t.Fatalf("%s: %d lines, want %d: %+v", e.Title, len(e.Lines), len(costs), e.Lines)
		}
		for i, l := range e.Lines {
			near(t, e.Title+": "+l.Item, l.Cost, costs[i])
			near(t, e.Title+": "+l.Item+" quantity × price", l.Quantity*l.UnitPrice, l.Cost)
		}
		near(t, e.Title+" total", e.Total, totals[e.Architecture])
	}
	near(t, "LCU-hours", c.Estimates[0].Lines[3].Quantity, 1907.3486328125)
	near(t, "endpoint AZ-hours", c.Estimates[1].Lines[4].Quantity, 1460)
	if !strings.Contains(c.Estimates[1].Notes[0], "upper bound") {
		t.Errorf("REST v1 estimate does not say how the endpoint is attributed: %q", c.Estimates[1].Notes)
	}
}

// Volumes on, just past and well past the tier boundaries, each slice at its
// own rate.
func TestTierBoundaries(t *testing.T) {
	_, r := defaults(t)
	for _, tc := range []struct {
		name  string
		price Price
		qty   float64 // in the price's unit
		lines int
		want  float64
	}{
		{"HTTP exactly 300 M", r.HTTPAPIRequests, 300, 1, 300},
		{"HTTP 301 M", r.HTTPAPIRequests, 301, 2, 300 + 0.90},
		{"HTTP 0", r.HTTPAPIRequests, 0, 1, 0},
		{"REST exactly 333 M", r.RESTAPIRequests, 333, 1, 333 * 3.5},
		// 333 × 3.50 + 667 × 2.80 + 1000 × 2.38 = 1165.5 + 1867.6 + 2380
		{"REST 2 B", r.RESTAPIRequests, 2000, 3, 5413.1},
		// ... + 19000 × 2.38 + 5000 × 1.51 = 1165.5 + 1867.6 + 45220 + 7550
		{"REST 25 B", r.RESTAPIRequests, 25000, 4, 55803.1},
		// 1048576 × 0.01 + 4194304 × 0.006 + 1 × 0.004
		{"PrivateLink 5 PB + 1 GB", r.EndpointData, 5242881, 3, 10485.76 + 25165.824 + 0.004},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := tiered("x", GroupRequests, tc.price, tc.qty)
			if len(lines) != tc.lines {
				t.Fatalf("%d lines, want %d: %+v", len(lines), tc.lines, lines)
			}
			var total, qty float64
			for _, l := range lines {
				total += l.Cost
				qty += l.Quantity
			}
			near(t, "cost", total, tc.want)
			near(t, "quantity", qty, tc.qty)
		})
	}
}

func TestHTTPAPIMeteringIncrement(t *testing.T) {
	p, r := defaults(t)
	for _, tc := range []struct {
		req, resp float64
		per       float64
	}{
		{0, 0, 1},
		{1, 1, 1},
		{524288, 100, 1},     // exactly 512 KiB is one increment
		{524289, 100, 2},     // one byte more starts a second
		{100, 1048576, 2},    // the larger payload decides
		{100, 1048577, 3},    // three increments begun
		{10 << 20, 0, 20},    // 10 MiB
		{1536 << 10, 512, 3}, // 1.5 MiB
	} {
		e, err := HTTPAPIWithALB(p, r, Workload{Requests: 1e6, RequestBytes: tc.req, ResponseBytes: tc.resp})
		if err != nil {
			t.Fatal(err)
		}
		near(t, "metered millions", e.Lines[0].Quantity, tc.per)
		near(t, "request cost", e.Lines[0].Cost, tc.per*1.00)
	}
	// REST APIs have no increment: a 10 MiB call is one request.
	e, err := RESTWithALB(p, r, Workload{Requests: 1e6, RequestBytes: 10 << 20})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "REST requests", e.Lines[0].Quantity, 1)
}

// Each LCU dimension can be the one that sets the bill.
func TestCapacityUnitsTakeTheLargestDimension(t *testing.T) {
	p, r := defaults(t)
	hours := 730.0
	for _, tc := range []struct {
		name string
		w    Workload
		lcu  float64 // per hour
	}{
		{"new connections", Workload{Requests: 1, NewConnsPerSec: 50}, 2},
		{"active connections", Workload{Requests: 1, ActiveConns: 9000}, 3},
		{"rule evaluations", Workload{Requests: 1, RuleEvalsPerSec: 4000}, 4},
		// 730 GB in 730 h is 1 GB an hour.
		{"processed bytes", Workload{Requests: 730, RequestBytes: 1 << 30}, 1},
	} {
		e, err := RESTWithALB(p, r, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		l := e.Lines[len(e.Lines)-1]
		near(t, tc.name+" LCU-hours", l.Quantity, tc.lcu*hours)
		if !strings.Contains(l.Note, "set by "+tc.name) {
			t.Errorf("%s: note %q does not name the deciding dimension", tc.name, l.Note)
		}
	}
}

func TestWorkloadDefaultsAndErrors(t *testing.T) {
	w, err := Workload{Requests: 2628000}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if w.Hours != 730 || w.AZs != 2 || w.NewConnsPerSec != 1 || w.ActiveConns != 1 || w.RuleEvalsPerSec != 0 {
		t.Errorf("defaults: %+v", w)
	}
	for _, bad := range []Workload{
		{Requests: -1},
		{Requests: math.NaN()},
		{RequestBytes: math.Inf(1)},
		{AZs: -2},
		{Hours: 745},
	} {
		if _, err := bad.Resolve(); err == nil {
			t.Errorf("%+v resolved without error", bad)
		}
	}
}

func TestRegionMissing(t *testing.T) {
	p, _ := defaults(t)
	_, err := Compare(p, "eu-west-1", Workload{Requests: 1})
	if err == nil || !strings.Contains(err.Error(), `"eu-west-1"`) || !strings.Contains(err.Error(), "us-east-1") {
		t.Fatalf("err = %v, want one naming the region and the ones there are", err)
	}
}

func TestBuiltInPrices(t *testing.T) {
	p, _ := defaults(t)
	for _, name := range []string{"us-east-1", "ap-northeast-1"} {
		r, err := p.Region(name)
		if err != nil {
			t.Fatal(err)
		}
		if r.HTTPAPIRequests.IncrementBytes != 512<<10 {
			t.Errorf("%s: HTTP API increment %d, want 512 KiB", name, r.HTTPAPIRequests.IncrementBytes)
		}
	}
	// Tokyo's request prices are not confirmed by the reference; the file
	// must say so.
	r, _ := p.Region("ap-northeast-1")
	if r.HTTPAPIRequests.Assumption == "" || r.RESTAPIRequests.Assumption == "" || r.EndpointAZHour.Assumption == "" {
		t.Error("unconfirmed Tokyo prices are not marked as assumptions")
	}
}

func TestParseRejects(t *testing.T) {
	good := string(defaultPrices)
	for _, tc := range []struct {
		name, from, to string
	}{
		{"unknown field", `"currency": "USD"`, `"currency": "USD", "curency": "EUR"`},
		{"other currency", `"currency": "USD"`, `"currency": "EUR"`},
		{"bad date", `"read": "2026-11-25",
  "currency"`, `"read": "last year",
  "currency"`},
		{"falling tiers", `{"upTo": 333, "usd": 3.50}, {"upTo": 1000`, `{"upTo": 333, "usd": 3.50}, {"upTo": 300`},
		{"closed last tier", `{"usd": 0.0225}`, `{"upTo": 5, "usd": 0.0225}`},
		{"negative price", `{"usd": 0.0225}`, `{"usd": -0.0225}`},
		{"missing price", `"nlbHour": {`, `"nlbHourly": {`},
		{"zero capacity", `"newConnsPerSec": 25`, `"newConnsPerSec": 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(good, tc.from, tc.to, 1)
			if doc == good {
				t.Fatal("the test's replacement did not apply")
			}
			if _, err := Parse([]byte(doc)); err == nil {
				t.Error("parsed without error")
			}
		})
	}
	if _, err := Parse([]byte(good + "{}")); err == nil {
		t.Error("a document with a second JSON value parsed without error")
	}
}

// A prices document is user input (--prices): no input may panic, and
// whatever parses must price without NaN.
func FuzzParse(f *testing.F) {
	f.Add(defaultPrices)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"read":"2026-01-01","currency":"USD","regions":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		for _, name := range p.RegionNames() {
			c, err := Compare(p, name, Workload{Requests: 1e9, RequestBytes: 1e6, ResponseBytes: 1e3})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range c.Estimates {
				if math.IsNaN(e.Total) || e.Total < 0 {
					t.Fatalf("%s: total %v", e.Title, e.Total)
				}
			}
		}
	})
}
