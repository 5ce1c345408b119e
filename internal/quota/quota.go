// Package quota makes the usage-plan quota counters durable: it loads them
// from the store before the data plane serves, writes what they counted
// back on a short interval, when asked (GetUsage, UpdateUsage) and at
// stop, and takes corrections UpdateUsage stored back into the counters.
// The data plane never waits for it: requests count in memory, lock-free
// (internal/usage), and a crash loses at most one interval of counts.
package quota

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/usage"
)

// DefaultInterval is how often counts are written.
const DefaultInterval = time.Second

// keepDays is how long daily counts are kept: AWS reports 90 days.
const keepDays = 90

const (
	dayLayout     = "2006-01-02"
	secondsPerDay = 24 * 60 * 60
)

// Config wires a Controller.
type Config struct {
	Store    store.Store
	Clock    clock.Clock
	Quotas   *usage.Quotas
	Log      *slog.Logger
	Interval time.Duration // 0: DefaultInterval
}

// Controller writes the counters to the store and reads corrections back.
type Controller struct {
	cfg Config

	mu sync.Mutex
	// seen is, by counter id, what the store held after the last write or
	// load: a counter equal to it has nothing new.
	seen map[string]*mark

	ticker clock.Ticker
	stop   chan struct{}
	done   chan struct{}
}

type mark struct {
	epoch       int64
	total       int64 // the counter's Total when last written
	start, used int64
	days        map[int64]int64 // the counter's daily counts when last written
	stored      bool            // the store holds a record for it
}

// dayCounts is what q counted on each recent day.
func dayCounts(q *usage.Quota) map[int64]int64 {
	out := map[int64]int64{}
	q.Days(func(day, n int64) { out[day] = n })
	return out
}

// New returns a controller, not started.
func New(cfg Config) *Controller {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	return &Controller{cfg: cfg, seen: map[string]*mark{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// Load sets every counter the store holds a record for. Call it before
// the data plane serves.
func (c *Controller) Load() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	kind := model.Usage{}.Kind()
	return c.cfg.Store.View(func(tx store.Tx) error {
		return tx.List("/", func(key string, _ []byte) error {
			if model.KindOf(key) != kind {
				return nil
			}
			scope := model.ScopeOf(key)
			rec, ok, err := model.Get[model.Usage](model.Tx{Tx: tx, Account: scope.Account, Region: scope.Region}, model.IDOf(key))
			if err != nil || !ok {
				return err
			}
			c.apply(model.UsageID(scope, rec.PlanID, rec.KeyID), rec)
			return nil
		})
	})
}

// apply sets a counter from its record.
func (c *Controller) apply(id string, rec *model.Usage) {
	q := c.cfg.Quotas.Quota(id)
	start := rec.PeriodStart.Unix()
	q.Set(start, rec.Used)
	c.seen[id] = &mark{epoch: rec.Epoch, total: q.Total(), start: start, used: rec.Used, days: dayCounts(q), stored: true}
}

// Start writes the counters every interval until Stop.
func (c *Controller) Start() {
	c.ticker = c.cfg.Clock.NewTicker(c.cfg.Interval)
	go func() {
		defer close(c.done)
		for {
			select {
			case <-c.stop:
				return
			case <-c.ticker.C():
				if err := c.Flush(); err != nil {
					c.cfg.Log.Error("quota: writing usage", "err", err)
				}
			}
		}
	}()
}

// Stop ends the interval and writes the counters one last time: call it
// once no request is served any more.
func (c *Controller) Stop() error {
	if c.ticker != nil {
		c.ticker.Stop()
		close(c.stop)
		<-c.done
	}
	return c.Flush()
}

// Flush writes every counter that counted since it was last written, in
// one transaction.
func (c *Controller) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sync(nil)
}

// Sync is Flush, then the corrections stored for one account and region
// taken into the counters: what GetUsage and UpdateUsage call.
func (c *Controller) Sync(_ context.Context, account, region string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sync(&model.Scope{Account: account, Region: region})
}

type pending struct {
	id    string
	q     *usage.Quota
	scope model.Scope
	plan  string
	key   string
}

func (c *Controller) sync(scope *model.Scope) error {
	var dirty []pending
	c.cfg.Quotas.Range(func(id string, q *usage.Quota) bool {
		m := c.seen[id]
		start, used := q.Used()
		if m != nil && m.total == q.Total() && m.start == start && m.used == used {
			return true
		}
		if m == nil && q.Total() == 0 && start == 0 {
			return true // made by a compile, never used
		}
		parts := strings.SplitN(id, "/", 4)
		if len(parts) != 4 {
			return true
		}
		dirty = append(dirty, pending{id: id, q: q, scope: model.Scope{Account: parts[0], Region: parts[1]}, plan: parts[2], key: parts[3]})
		return true
	})
	if len(dirty) == 0 && scope == nil {
		return nil
	}
	today := c.cfg.Clock.Now().UTC()
	_, err := c.cfg.Store.Update(func(stx store.Tx) error {
		for _, p := range dirty {
			if err := c.write(model.Tx{Tx: stx, Account: p.scope.Account, Region: p.scope.Region}, p, today); err != nil {
				return err
			}
		}
		if scope == nil {
			return nil
		}
		tx := model.Tx{Tx: stx, Account: scope.Account, Region: scope.Region}
		recs, err := model.List[model.Usage](tx)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			id := model.UsageID(*scope, rec.PlanID, rec.KeyID)
			if m := c.seen[id]; m == nil || m.epoch != rec.Epoch {
				c.apply(id, rec)
			}
		}
		return nil
	})
	return err
}

// write stores one counter: what it counted in its period, and what it
// grew by since it was last written as today's use. A record stored with
// an epoch the controller has not seen is a correction: the counter takes
// its count instead.
func (c *Controller) write(tx model.Tx, p pending, today time.Time) error {
	m := c.seen[p.id]
	if m == nil {
		m = &mark{}
		c.seen[p.id] = m
	}
	rec, ok, err := model.Get[model.Usage](tx, p.plan+"/"+p.key)
	if err != nil {
		return err
	}
	if !ok && m.stored {
		// The key or the plan was deleted, and its usage with it: ids
		// are never reused, so neither is the counter.
		c.cfg.Quotas.Forget(p.id)
		delete(c.seen, p.id)
		return nil
	}
	if !ok {
		rec = &model.Usage{PlanID: p.plan, KeyID: p.key}
	}
	total := p.q.Total()
	days := dayCounts(p.q)
	for day, n := range days {
		if grew := n - m.days[day]; grew > 0 {
			if rec.Days == nil {
				rec.Days = map[string]int64{}
			}
			rec.Days[time.Unix(day*secondsPerDay, 0).UTC().Format(dayLayout)] += grew
		}
	}
	cutoff := today.AddDate(0, 0, -keepDays).Format(dayLayout)
	for d := range rec.Days {
		if d < cutoff {
			delete(rec.Days, d)
		}
	}
	if ok && rec.Epoch != m.epoch {
		// UpdateUsage corrected the count after the requests counted
		// since the last write: the correction wins.
		p.q.Set(rec.PeriodStart.Unix(), rec.Used)
	} else {
		start, used := p.q.Used()
		rec.PeriodStart, rec.Used = time.Unix(start, 0).UTC(), used
	}
	start, used := p.q.Used()
	*m = mark{epoch: rec.Epoch, total: total, start: start, used: used, days: days, stored: true}
	return model.Put(tx, rec)
}
