package cost

import (
	"errors"
	"fmt"
	"math"
)

// Defaults a Workload's zero fields take.
const (
	// DefaultHours is AWS's billing month: 365 days × 24 h / 12.
	DefaultHours = 730
	// DefaultAZs is the fewest zones an ALB accepts, and the usual
	// footprint of an internal NLB and of its endpoint.
	DefaultAZs = 2
	// DefaultConnSeconds is how long a load-balancer connection is assumed
	// to stay open when ActiveConns is not given: about one request's
	// round trip, since nothing documents API Gateway pooling them.
	DefaultConnSeconds = 1.0
)

// gigabyte is the unit AWS bills data in.
const gigabyte = 1 << 30

// Workload is a month of traffic through one API's private integration.
// Traffic is taken as spread evenly over the month, so capacity units are
// priced at the average rate; a peaky workload costs more.
type Workload struct {
	Requests      float64 `json:"requests"`      // per month
	RequestBytes  float64 `json:"requestBytes"`  // average payload a client sends
	ResponseBytes float64 `json:"responseBytes"` // average payload the backend returns
	Hours         float64 `json:"hours"`         // billed hours in the month; 0 means DefaultHours
	AZs           int     `json:"azs"`           // zones of the load balancer and endpoint; 0 means DefaultAZs

	// NewConnsPerSec is the rate of new connections to the load balancer;
	// 0 means one per request, because API Gateway does not document
	// reusing connections to the integration, so the safe guess is none.
	NewConnsPerSec float64 `json:"newConnsPerSec"`
	// ActiveConns is the concurrent connections to the load balancer;
	// 0 means NewConnsPerSec × DefaultConnSeconds.
	ActiveConns float64 `json:"activeConns"`
	// RuleEvalsPerSec counts ALB rule evaluations beyond the 10 per request
	// AWS does not bill; 0, the default, suits a private integration whose
	// listener has a handful of rules.
	RuleEvalsPerSec float64 `json:"ruleEvalsPerSec"`
}

// Resolve checks the workload and fills in the defaults, so callers can
// show the numbers that were priced.
func (w Workload) Resolve() (Workload, error) {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"requests", w.Requests},
		{"request bytes", w.RequestBytes},
		{"response bytes", w.ResponseBytes},
		{"hours", w.Hours},
		{"new connections per second", w.NewConnsPerSec},
		{"active connections", w.ActiveConns},
		{"rule evaluations per second", w.RuleEvalsPerSec},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return w, fmt.Errorf("%s must be a number, zero or more (got %v)", f.name, f.v)
		}
	}
	if w.AZs < 0 {
		return w, fmt.Errorf("AZs must be zero or more (got %d)", w.AZs)
	}
	if w.Hours == 0 {
		w.Hours = DefaultHours
	}
	// A month has at most 31 days; more hours would spread the traffic
	// thinner than any bill could.
	if w.Hours > 31*24 {
		return w, errors.New("hours must be at most 744 (a 31-day month)")
	}
	if w.AZs == 0 {
		w.AZs = DefaultAZs
	}
	if w.NewConnsPerSec == 0 {
		w.NewConnsPerSec = w.RequestsPerSec()
	}
	if w.ActiveConns == 0 {
		w.ActiveConns = w.NewConnsPerSec * DefaultConnSeconds
	}
	return w, nil
}

// RequestsPerSec is the average request rate over the billed hours.
func (w Workload) RequestsPerSec() float64 {
	if w.Hours == 0 {
		return 0
	}
	return w.Requests / (w.Hours * 3600)
}

// ProcessedGB is the month's data through the load balancer or the
// endpoint: both directions, payload only (headers and TLS overhead are
// left out, which understates small requests a little).
func (w Workload) ProcessedGB() float64 {
	return w.Requests * (w.RequestBytes + w.ResponseBytes) / gigabyte
}
