// Package throttle is API Gateway's request throttling: a token bucket per
// stage or route, refilled at a steady rate and holding at most a burst,
// checked with one atomic compare-and-swap per request. Buckets outlive the
// data plane's snapshots in a Registry, so recompiling does not refill them.
package throttle

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Bucket is a token bucket kept as a theoretical arrival time (the GCRA
// form): each request moves the time one interval on; a request that would
// move it further than the burst allows ahead of now is refused. No
// goroutine refills it and no lock guards it.
type Bucket struct {
	interval  int64 // nanoseconds per token
	tolerance int64 // burst × interval
	tat       atomic.Int64
}

// New returns a full bucket refilled at rate tokens a second and holding at
// most burst; nil when either is not positive, which leaves requests
// unthrottled.
func New(rate float64, burst int) *Bucket {
	if rate <= 0 || burst <= 0 {
		return nil
	}
	// A tiny rate, or one with a huge burst, would overflow nanoseconds:
	// thirty years per token, or sixty of burst, are as good as any more,
	// and keep every sum of times in range.
	const maxInterval, maxTolerance = 1e18, 2e18
	interval := int64(math.Max(1, math.Min(float64(time.Second)/rate, maxInterval)))
	tolerance := max(int64(math.Min(float64(burst)*float64(interval), maxTolerance)), interval)
	return &Bucket{interval: interval, tolerance: tolerance}
}

// Allow takes a token at now, or reports that none is left. A nil bucket
// allows everything.
func (b *Bucket) Allow(now time.Time) bool {
	if b == nil {
		return true
	}
	t := now.UnixNano()
	for {
		old := b.tat.Load()
		next := max(old, t) + b.interval
		if next-t > b.tolerance {
			return false
		}
		if b.tat.CompareAndSwap(old, next) {
			return true
		}
	}
}

// Registry keeps buckets by name and settings across compiles: the same
// stage or route with the same limits keeps its bucket, and a change of
// limits starts a new one. Compiles run one at a time; Sweep, after each,
// drops the buckets it did not ask for.
type Registry struct {
	buckets sync.Map // name|rate|burst -> *Bucket
	used    map[string]bool
}

// Bucket returns the bucket for name with these limits, or nil if they do
// not throttle.
func (r *Registry) Bucket(name string, rate float64, burst int) *Bucket {
	if rate <= 0 || burst <= 0 {
		return nil
	}
	key := name + "|" + strconv.FormatFloat(rate, 'g', -1, 64) + "|" + strconv.Itoa(burst)
	if r.used == nil {
		r.used = map[string]bool{}
	}
	r.used[key] = true
	if b, ok := r.buckets.Load(key); ok {
		return b.(*Bucket)
	}
	b, _ := r.buckets.LoadOrStore(key, New(rate, burst))
	return b.(*Bucket)
}

// Sweep forgets the buckets no compile asked for since the last Sweep.
func (r *Registry) Sweep() {
	r.buckets.Range(func(k, _ any) bool {
		if !r.used[k.(string)] {
			r.buckets.Delete(k)
		}
		return true
	})
	r.used = nil
}
