package upstream

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Registry holds runtime state that must outlive compiled snapshots: each
// target's in-flight count and each pool's round-robin position, keyed by
// identity. Compiling looks entries up once; serving only touches atomics.
// Compiles run one at a time; Sweep, after each, drops what they no longer
// name, so deleted targets and groups do not accumulate.
type Registry struct {
	inflight sync.Map // target key -> *atomic.Int64
	cursor   sync.Map // target group ARN -> *atomic.Uint64
	// used are the keys looked up since the last Sweep.
	usedInflight, usedCursor map[string]bool
}

func (r *Registry) inflightOf(key string) *atomic.Int64 {
	mark(&r.usedInflight, key)
	v, _ := r.inflight.LoadOrStore(key, new(atomic.Int64))
	return v.(*atomic.Int64)
}

func (r *Registry) cursorOf(arn string) *atomic.Uint64 {
	mark(&r.usedCursor, arn)
	v, _ := r.cursor.LoadOrStore(arn, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

func mark(used *map[string]bool, key string) {
	if *used == nil {
		*used = map[string]bool{}
	}
	(*used)[key] = true
}

// Sweep forgets every entry not looked up since the previous Sweep. A
// request still running on an older snapshot keeps its own pointer, so
// forgetting an entry never disturbs it.
func (r *Registry) Sweep() {
	sweep(&r.inflight, r.usedInflight)
	sweep(&r.cursor, r.usedCursor)
	r.usedInflight, r.usedCursor = nil, nil
}

func sweep(m *sync.Map, used map[string]bool) {
	m.Range(func(k, _ any) bool {
		if !used[k.(string)] {
			m.Delete(k)
		}
		return true
	})
}

// Selection algorithms (load_balancing.algorithm.type). They are a switch
// over small functions rather than an interface, so the candidate slice built
// on the caller's stack does not escape to the heap.
type policy uint8

const (
	roundRobin policy = iota
	leastOutstanding
	weightedRandom
)

func policyFor(algorithm string) policy {
	switch algorithm {
	case "least_outstanding_requests":
		return leastOutstanding
	case "weighted_random":
		return weightedRandom
	}
	return roundRobin
}

func (pol policy) pick(p *Pool, c []*Target) *Target {
	switch pol {
	case leastOutstanding:
		return pickLeast(c)
	case weightedRandom:
		return c[rand.IntN(len(c))]
	}
	// Round robin, ALB's default: one atomic counter per pool, no lock.
	return c[p.cursor.Add(1)%uint64(len(c))]
}

// pickLeast sends a request to the target with the fewest requests in
// flight. It counts requests rather than connections because a gateway
// multiplexes many requests over few pooled connections, so connection counts
// say little about a target's load. Ties go to a random one of the least
// loaded, so equal targets share evenly.
func pickLeast(c []*Target) *Target {
	var best *Target
	var bestN int64
	ties := 0
	for _, t := range c {
		n := t.inflight.Load()
		switch {
		case best == nil || n < bestN:
			best, bestN, ties = t, n, 1
		case n == bestN:
			ties++
			if rand.IntN(ties) == 0 {
				best = t
			}
		}
	}
	return best
}

// flowHash picks an NLB target by a hash of the flow's 5-tuple, so one
// connection always lands on one target while different flows spread.
func flowHash(c []*Target, h uint64) *Target {
	return c[h%uint64(len(c))]
}

// fnv64 hashes a flow key without allocating.
func fnv64(parts ...string) uint64 {
	h := uint64(14695981039346656037)
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h ^= uint64(p[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}

type atomicInt = atomic.Int64
type atomicCursor = atomic.Uint64
