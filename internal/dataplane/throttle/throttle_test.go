package throttle

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestBurstThenSteadyRate(t *testing.T) {
	b := New(2, 3) // 2 a second, 3 at once
	for i := range 3 {
		if !b.Allow(t0) {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if b.Allow(t0) {
		t.Fatal("a fourth request at once was allowed with a burst of 3")
	}
	if b.Allow(t0.Add(499 * time.Millisecond)) {
		t.Fatal("a token came back before half a second at 2 a second")
	}
	if !b.Allow(t0.Add(500 * time.Millisecond)) {
		t.Fatal("no token after half a second at 2 a second")
	}
	// A long pause refills to the burst, not beyond it.
	later := t0.Add(time.Hour)
	n := 0
	for b.Allow(later) {
		n++
	}
	if n != 3 {
		t.Fatalf("%d requests after an hour's rest, want the burst of 3", n)
	}
}

func TestExtremeLimitsDoNotOverflow(t *testing.T) {
	if b := New(0.01, 100_000_000); !b.Allow(t0) || !b.Allow(t0) {
		t.Fatal("a huge burst at a tiny rate refused its first requests")
	}
	if b := New(1e-12, 1); !b.Allow(t0) || b.Allow(t0) {
		t.Fatal("a burst of 1 at a tiny rate: want one request, then none")
	}
}

func TestNoLimitsNoBucket(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
	}{{0, 10}, {10, 0}, {-1, 5}} {
		if b := New(c.rate, c.burst); b != nil || !b.Allow(t0) {
			t.Fatalf("New(%v, %d) = %v, want nil that allows everything", c.rate, c.burst, b)
		}
	}
}

// Concurrent requests never take more tokens than the bucket holds.
func TestConcurrentRequestsShareTheBurst(t *testing.T) {
	b := New(1, 100)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if b.Allow(t0) {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 100 {
		t.Fatalf("%d of 400 simultaneous requests allowed, want the burst of 100", n)
	}
}

func TestRegistryKeepsBucketsAcrossCompiles(t *testing.T) {
	var r Registry
	a := r.Bucket("api/prod/$default", 5, 5)
	a.Allow(t0)
	r.Sweep()
	if r.Bucket("api/prod/$default", 5, 5) != a {
		t.Fatal("the same limits got a new (full) bucket on recompile")
	}
	if r.Bucket("api/prod/$default", 5, 6) == a {
		t.Fatal("new limits kept the old bucket")
	}
	r.Sweep()
	r.Sweep()
	n := 0
	r.buckets.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Fatalf("%d buckets left after a compile that asked for none", n)
	}
}

func BenchmarkAllow(b *testing.B) {
	bk := New(1e9, 1<<30)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		bk.Allow(now)
	}
}
