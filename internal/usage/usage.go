// Package usage holds lock-free counters the data plane writes and
// controllers read: when each VPC link last carried traffic (runtime state
// only, never stored: a restart counts as fresh use, which errs on the side
// of keeping links alive), and what each API key used of its usage plans'
// quotas (made durable by the quota controller).
package usage

import (
	"sync"
	"sync/atomic"
	"time"
)

// Links records the last use of each VPC link.
type Links struct {
	last sync.Map // link id -> *stamp
	// woken receives a link id when a request finds its link asleep
	// (INACTIVE), so the lifecycle controller can start re-provisioning.
	woken chan string
}

type stamp struct{ nano atomic.Int64 }

// NewLinks returns an empty table.
func NewLinks() *Links { return &Links{woken: make(chan string, 64)} }

// Touch records traffic on link at now. After the first touch of a link it
// does not allocate.
func (l *Links) Touch(link string, now time.Time) {
	v, ok := l.last.Load(link)
	if !ok {
		v, _ = l.last.LoadOrStore(link, &stamp{})
	}
	v.(*stamp).nano.Store(now.UnixNano())
}

// LastUsed is the last recorded use of link, or the zero time.
func (l *Links) LastUsed(link string) time.Time {
	v, ok := l.last.Load(link)
	if !ok {
		return time.Time{}
	}
	n := v.(*stamp).nano.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Wake asks for an inactive link to be brought back; it never blocks: if
// the controller is behind, it will see the link's recent use on its next
// pass anyway.
func (l *Links) Wake(link string) {
	select {
	case l.woken <- link:
	default:
	}
}

// Woken delivers links that requests found inactive.
func (l *Links) Woken() <-chan string { return l.woken }
