// Package clock is injected time. Every lifecycle in gatehouse (VPC link
// provisioning, the idle rule, health-check intervals, deregistration delay)
// takes a Clock, so tests control time exactly with clocktest.Fake and never
// sleep.
package clock

import "time"

// Clock tells time and schedules work.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
	// NewTicker delivers ticks every d.
	NewTicker(d time.Duration) Ticker
}

// Timer is a scheduled call.
type Timer interface {
	// Stop cancels the call; it reports whether the call was still pending.
	Stop() bool
}

// Ticker delivers periodic ticks.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// Real is the wall clock.
type Real struct{}

func (Real) Now() time.Time { return time.Now() }

func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

func (Real) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }
