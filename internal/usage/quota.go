package usage

import (
	"sync"
	"sync/atomic"
)

// Quotas are the usage-plan quota counters, one per plan and key, by an
// id the caller chooses. The data plane takes a request from a counter
// with atomic operations only; the quota controller loads them at start
// and writes them to the store, so what was used survives a restart.
type Quotas struct {
	m sync.Map // id -> *Quota
}

// NewQuotas returns an empty table.
func NewQuotas() *Quotas { return &Quotas{} }

// Quota returns the counter for id, made empty on first use.
func (q *Quotas) Quota(id string) *Quota {
	if c, ok := q.m.Load(id); ok {
		return c.(*Quota)
	}
	c, _ := q.m.LoadOrStore(id, &Quota{})
	return c.(*Quota)
}

// Range calls fn with each counter until fn returns false.
func (q *Quotas) Range(fn func(id string, c *Quota) bool) {
	q.m.Range(func(k, v any) bool { return fn(k.(string), v.(*Quota)) })
}

// Forget drops id's counter.
func (q *Quotas) Forget(id string) { q.m.Delete(id) }

// Quota counts one key's requests in its current quota period, and by
// day for the usage reports.
type Quota struct {
	win atomic.Pointer[window]
	// total counts every request taken, never reset: a counter whose
	// total has not moved has nothing new to write.
	total atomic.Int64
	// days are the last few days' counts, a slot per day (its number
	// modulo DaySlots): the controller writes them long before a slot
	// comes round again.
	days [DaySlots]atomic.Pointer[dayCount]
}

// DaySlots is how many recent days a counter keeps apart.
const DaySlots = 4

type dayCount struct {
	day int64
	n   atomic.Int64
}

// window is one quota period: its start (Unix seconds) and the requests
// counted in it.
type window struct {
	start int64
	used  atomic.Int64
}

// current is the window starting at start, made when the counter is still
// in an earlier one: a new period starts from nothing.
func (c *Quota) current(start int64) *window {
	for {
		w := c.win.Load()
		if w != nil && w.start >= start {
			return w
		}
		nw := &window{start: start}
		if c.win.CompareAndSwap(w, nw) {
			return nw
		}
	}
}

// Take counts a request on day (days since the epoch, UTC) in the period
// starting at start (Unix seconds) if fewer than limit were counted in it,
// and reports whether it did. It allocates only when a new period or day
// begins.
func (c *Quota) Take(start, limit, day int64) bool {
	w := c.current(start)
	if w.used.Add(1) > limit {
		w.used.Add(-1)
		return false
	}
	c.total.Add(1)
	c.countDay(day)
	return true
}

func (c *Quota) countDay(day int64) {
	slot := &c.days[uint64(day)%DaySlots]
	for {
		d := slot.Load()
		switch {
		case d != nil && d.day == day:
			d.n.Add(1)
			return
		case d != nil && d.day > day:
			return // a request from a day whose slot has moved on
		}
		nd := &dayCount{day: day}
		nd.n.Store(1)
		if slot.CompareAndSwap(d, nd) {
			return
		}
	}
}

// Days calls fn with each recent day's number and count.
func (c *Quota) Days(fn func(day, n int64)) {
	for i := range c.days {
		if d := c.days[i].Load(); d != nil {
			fn(d.day, d.n.Load())
		}
	}
}

// Used is the period the counter is in (its start, Unix seconds; 0 when
// it has counted nothing) and what it counted in it.
func (c *Quota) Used() (start, used int64) {
	w := c.win.Load()
	if w == nil {
		return 0, 0
	}
	return w.start, w.used.Load()
}

// Total is every request the counter has taken.
func (c *Quota) Total() int64 { return c.total.Load() }

// Set puts the counter in the period starting at start with used
// requests counted: what the store holds at start, or a correction
// (UpdateUsage). used may be negative: a quota extended for the period.
func (c *Quota) Set(start, used int64) {
	w := &window{start: start}
	w.used.Store(used)
	c.win.Store(w)
}
