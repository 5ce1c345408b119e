package health

import (
	"sync/atomic"
)

// Key names one registered target of one group. The same address may be
// registered twice on different ports, and each is checked on its own.
type Key struct {
	TargetGroupARN string
	TargetID       string
	Port           int
}

// Table holds the health of every probed target. Readers never lock: they
// load an immutable map and then one atomic pointer in the target's entry.
// The map is replaced only when the set of probed targets changes; probe
// results change entries in place. The zero Table is empty and ready.
type Table struct {
	entries atomic.Pointer[map[Key]*entry]
}

// entry is one target's runtime state. It outlives map rebuilds, so a target
// keeps its health while other targets come and go.
type entry struct {
	status atomic.Pointer[Status] // nil until the first probe result
	// Consecutive results. Only the rounds of the entry's own group write
	// them, one round at a time.
	passes, fails atomic.Int32
}

// TargetHealth is the target's health, or the zero Status when it has not
// been probed (not registered, draining, or no round has run yet).
func (t *Table) TargetHealth(tgARN, targetID string, port int) Status {
	if e := t.lookup(tgARN, targetID, port); e != nil {
		if s := e.status.Load(); s != nil {
			return *s
		}
	}
	return Status{}
}

// Healthy reports whether the target passed its last health-threshold
// checks. It is the data plane's per-request question, so it neither
// allocates nor locks.
func (t *Table) Healthy(tgARN, targetID string, port int) bool {
	e := t.lookup(tgARN, targetID, port)
	return e != nil && e.status.Load() == statusHealthy
}

func (t *Table) lookup(tgARN, targetID string, port int) *entry {
	m := t.entries.Load()
	if m == nil {
		return nil
	}
	return (*m)[Key{tgARN, targetID, port}]
}

// resize makes the table hold exactly keys, keeping the entries of targets
// that stay and returning the entry of every key. It publishes a new map
// only when the set differs. Only the Checker calls it, from one goroutine.
func (t *Table) resize(keys []Key) map[Key]*entry {
	var old map[Key]*entry
	if m := t.entries.Load(); m != nil {
		old = *m
	}
	same := len(old) == len(keys)
	next := make(map[Key]*entry, len(keys))
	for _, k := range keys {
		e := old[k]
		if e == nil {
			e, same = &entry{}, false
		}
		next[k] = e
	}
	if !same || old == nil {
		t.entries.Store(&next)
	}
	return next
}

// record folds one probe result into the entry, by AWS's rule: a target
// changes state only after threshold consecutive results that disagree with
// it, and until its first verdict it is "initial". failure is nil for a pass.
func (e *entry) record(failure *Status, healthyThreshold, unhealthyThreshold int) (before, after *Status) {
	before = e.status.Load()
	after = before
	if failure == nil {
		e.fails.Store(0)
		n := int(e.passes.Add(1))
		switch {
		case before == statusHealthy:
		case n >= healthyThreshold:
			after = statusHealthy
		case before == nil:
			after = statusInitial
		}
	} else {
		e.passes.Store(0)
		n := int(e.fails.Add(1))
		switch {
		case before != nil && before.State == StateUnhealthy:
			// Already unhealthy: show the latest failure's reason.
			if *before != *failure {
				after = failure
			}
		case n >= unhealthyThreshold:
			after = failure
		case before == nil:
			after = statusInitial
		}
	}
	if after != before {
		e.status.Store(after)
	}
	return before, after
}
