// Package clocktest provides a fake clock that moves only when told to.
package clocktest

import (
	"sort"
	"sync"
	"time"

	"gatehouse/internal/clock"
)

// Fake is a clock.Clock whose time moves only with Advance.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*waiter
}

type waiter struct {
	at     time.Time
	every  time.Duration // tickers
	f      func()
	ch     chan time.Time
	clk    *Fake
	active bool
}

// New returns a fake clock reading start.
func New(start time.Time) *Fake { return &Fake{now: start} }

func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *Fake) AfterFunc(d time.Duration, f func()) clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &waiter{at: c.now.Add(d), f: f, clk: c, active: true}
	c.waiters = append(c.waiters, w)
	return w
}

func (c *Fake) NewTicker(d time.Duration) clock.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &waiter{at: c.now.Add(d), every: d, ch: make(chan time.Time, 1), clk: c, active: true}
	c.waiters = append(c.waiters, w)
	return ticker{w}
}

type ticker struct{ w *waiter }

func (t ticker) C() <-chan time.Time { return t.w.ch }
func (t ticker) Stop()               { t.w.Stop() }

// Advance moves time forward by d, firing everything due on the way, in
// time order. AfterFunc callbacks run synchronously, before Advance returns,
// so a test sees their effects at once.
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	for {
		sort.SliceStable(c.waiters, func(i, j int) bool { return c.waiters[i].at.Before(c.waiters[j].at) })
		var next *waiter
		for _, w := range c.waiters {
			if w.active && !w.at.After(end) {
				next = w
				break
			}
		}
		if next == nil {
			break
		}
		c.now = next.at
		if next.every > 0 {
			select {
			case next.ch <- c.now:
			default:
			}
			// A real ticker drops the ticks its reader has not taken, so
			// ticks with nothing else due between them are one tick to
			// the reader: they are delivered once, and a long Advance
			// does not step through every period of a short ticker.
			limit := end
			for _, w := range c.waiters {
				if w != next && w.active && w.at.Before(limit) {
					limit = w.at
				}
			}
			next.at = next.at.Add((limit.Sub(next.at)/next.every + 1) * next.every)
			continue
		}
		next.active = false
		c.mu.Unlock()
		next.f()
		c.mu.Lock()
	}
	c.now = end
	live := c.waiters[:0]
	for _, w := range c.waiters {
		if w.active {
			live = append(live, w)
		}
	}
	c.waiters = live
	c.mu.Unlock()
}

// Pending reports how many timers and tickers are waiting.
func (c *Fake) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, w := range c.waiters {
		if w.active {
			n++
		}
	}
	return n
}

func (w *waiter) Stop() bool {
	w.clk.mu.Lock()
	defer w.clk.mu.Unlock()
	was := w.active
	w.active = false
	return was
}
