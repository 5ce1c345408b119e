package vpclink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/controller"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/usage"
)

// Defaults. AWS documents "a few minutes" of provisioning; gatehouse's
// default is short enough not to slow a laptop, long enough for a client to
// see PENDING and have to wait for AVAILABLE, as it must on AWS.
const (
	DefaultDelay = 2 * time.Second
	DefaultIdle  = 60 * 24 * time.Hour
)

// ErrStopped is returned by waits on a stopped Controller.
var ErrStopped = errors.New("vpclink: controller stopped")

// Config configures a Controller.
type Config struct {
	Store store.Store
	// Load reads the model; nil means model.Load(Store). The server passes
	// one shared model.Loader so a commit is decoded once for every
	// controller.
	Load  func() (*model.Snapshot, error)
	Clock clock.Clock
	// Links is where the data plane records traffic and asks for wake-ups;
	// nil gives the controller a table of its own, which nobody touches.
	Links *usage.Links
	// Delay is how long provisioning and deletion take. Zero means at once.
	Delay time.Duration
	// Idle is how long a link may carry no traffic before it goes INACTIVE
	// (DefaultIdle if zero or less).
	Idle time.Duration
	// Log receives one line per transition.
	Log *slog.Logger
}

// Controller moves VPC links through their lifecycle; see the package doc.
//
// It keeps at most one timer per link, for the link's next transition, and
// re-plans a link whenever the store changes or its timer fires. Timer
// callbacks do their transition before returning, so with clocktest.Fake a
// transition that falls due during Advance is visible when Advance returns.
type Controller struct {
	loop    *controller.Loop
	st      store.Store
	clk     clock.Clock
	links   *usage.Links
	delay   time.Duration
	idle    time.Duration
	log     *slog.Logger
	started time.Time

	mu      sync.Mutex
	timers  map[linkKey]*timer
	where   map[string][]model.Scope // link id -> scopes holding it, for Wake
	running bool
	stopped bool
	steps   sync.WaitGroup // transitions in flight; Add only under mu while !stopped
}

type linkKey struct {
	scope model.Scope
	id    string
}

type timer struct {
	due time.Time
	t   clock.Timer
}

// errNotDue aborts a transaction that found nothing to do, so it writes
// nothing and wakes no watcher.
var errNotDue = errors.New("not due")

// New returns a controller; call Start to begin.
func New(cfg Config) *Controller {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Links == nil {
		cfg.Links = usage.NewLinks()
	}
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.Delay < 0 {
		cfg.Delay = 0
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	c := &Controller{
		st: cfg.Store, clk: cfg.Clock, links: cfg.Links, delay: cfg.Delay, idle: cfg.Idle, log: cfg.Log,
		timers: map[linkKey]*timer{},
	}
	c.loop = controller.New(controller.Config{
		Store: cfg.Store, Load: cfg.Load, Name: "vpclink", Log: cfg.Log, Stopped: ErrStopped,
		Woken: cfg.Links.Woken(), OnWoken: c.wake,
		Kinds: []string{model.VpcLink{}.Kind()},
	})
	return c
}

// Start begins following the store and the data plane's wake-ups. The
// watch is registered before Start returns, so no commit after it goes
// unseen.
func (c *Controller) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || c.stopped {
		return
	}
	c.running = true
	// Traffic is counted in memory only, so a (re)start counts as use: a
	// link is never put to sleep for an idle spell gatehouse did not see.
	c.started = c.clk.Now()
	c.loop.Start(c.reconcile)
}

// Stop cancels every timer and waits for transitions in flight. Call it
// before closing the store.
func (c *Controller) Stop() {
	c.mu.Lock()
	c.stopped = true
	for _, t := range c.timers {
		t.t.Stop()
	}
	c.mu.Unlock()
	c.loop.Stop()
	c.steps.Wait()
}

// Sync waits until the controller has planned from the store's state as of
// the call, so that advancing a fake clock acts on every link written
// before it.
func (c *Controller) Sync(ctx context.Context) error { return c.loop.Sync(ctx) }

// reconcile plans every link from snap: a timer for each link with a
// transition ahead, the transition itself for each one due.
func (c *Controller) reconcile(snap *model.Snapshot) {
	now := c.clk.Now()
	var due []linkKey
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	live := map[linkKey]bool{}
	where := map[string][]model.Scope{}
	for scope, sc := range snap.Scopes {
		for id, l := range sc.VpcLinks {
			k := linkKey{scope, id}
			live[k] = true
			where[id] = append(where[id], scope)
			at, ok := c.next(l)
			switch {
			case !ok:
				c.unschedule(k)
			case !at.After(now):
				c.unschedule(k)
				due = append(due, k)
			default:
				c.schedule(k, at, now)
			}
		}
	}
	for k := range c.timers {
		if !live[k] {
			c.unschedule(k)
		}
	}
	c.where = where
	c.mu.Unlock()

	for _, k := range due {
		c.step(k, false)
	}
}

// next is when link's next transition falls due, if it has one.
func (c *Controller) next(l *model.VpcLink) (time.Time, bool) {
	switch l.Status {
	case model.LinkPending, model.LinkDeleting:
		return l.StatusSince.Add(c.delay), true
	case model.LinkAvailable:
		return c.lastUse(l).Add(c.idle), true
	case model.LinkInactive:
		// Traffic recorded after the link went to sleep is a wake-up the
		// controller missed (Wake drops requests when it is behind).
		if c.links.LastUsed(l.ID).After(l.StatusSince) {
			return l.StatusSince, true
		}
	}
	return time.Time{}, false
}

// lastUse is the latest of the link's recorded traffic, its last change of
// status and the controller's start.
func (c *Controller) lastUse(l *model.VpcLink) time.Time {
	last := l.StatusSince
	for _, t := range []time.Time{c.links.LastUsed(l.ID), c.started} {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// schedule sets k's timer for at, keeping one already set for that time;
// c.mu must be held.
func (c *Controller) schedule(k linkKey, at, now time.Time) {
	if t := c.timers[k]; t != nil {
		if t.due.Equal(at) {
			return
		}
		t.t.Stop()
	}
	t := &timer{due: at}
	t.t = c.clk.AfterFunc(at.Sub(now), func() {
		c.mu.Lock()
		if c.timers[k] == t {
			delete(c.timers, k)
		}
		c.mu.Unlock()
		c.step(k, false)
	})
	c.timers[k] = t
}

// unschedule drops k's timer; c.mu must be held.
func (c *Controller) unschedule(k linkKey) {
	if t := c.timers[k]; t != nil {
		t.t.Stop()
		delete(c.timers, k)
	}
}

// wake brings back an INACTIVE link the data plane found asleep.
func (c *Controller) wake(id string) {
	c.mu.Lock()
	scopes := c.where[id]
	c.mu.Unlock()
	for _, s := range scopes {
		c.step(linkKey{s, id}, true)
	}
}

// step makes k's transition if it is due (or, woken, if k is INACTIVE), in
// one transaction that re-reads the link, then plans k's next one.
func (c *Controller) step(k linkKey, woken bool) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.steps.Add(1)
	c.mu.Unlock()
	defer c.steps.Done()

	now := c.clk.Now()
	var (
		after *model.VpcLink // the link as it stands after the step
		from  string
	)
	_, err := c.st.Update(func(stx store.Tx) error {
		tx := model.Tx{Tx: stx, Account: k.scope.Account, Region: k.scope.Region}
		l, ok, err := model.Get[model.VpcLink](tx, k.id)
		if err != nil || !ok {
			return err
		}
		after, from = l, l.Status
		if at, ok := c.next(l); !(woken && l.Status == model.LinkInactive) && (!ok || at.After(now)) {
			return errNotDue
		}
		switch l.Status {
		case model.LinkPending:
			l.Status, l.StatusMessage, l.StatusSince = model.LinkAvailable, model.LinkAvailableMessage, now
		case model.LinkAvailable:
			if err := Release(tx, l); err != nil {
				return err
			}
			l.Status, l.StatusSince = model.LinkInactive, now
			l.StatusMessage = fmt.Sprintf("VPC link is inactive: it carried no traffic for %s, so its ENIs were removed. The next request re-provisions them.", days(c.idle))
		case model.LinkInactive:
			if err := Provision(tx, l, now); err != nil {
				return err
			}
		case model.LinkDeleting:
			after = nil
			if err := Release(tx, l); err != nil {
				return err
			}
			return model.Delete(tx, l)
		default:
			return errNotDue
		}
		return model.Put(tx, l)
	})
	switch {
	case errors.Is(err, errNotDue):
	case err != nil:
		if c.loop.Context().Err() == nil {
			c.log.Error("vpclink: transition failed", "link", k.id, "account", k.scope.Account, "region", k.scope.Region, "err", err)
		}
		return
	case after == nil && from != "":
		c.log.Info("vpc link deleted", "link", k.id, "account", k.scope.Account, "region", k.scope.Region)
	case after != nil:
		c.log.Info("vpc link status", "link", k.id, "account", k.scope.Account, "region", k.scope.Region,
			"from", from, "to", after.Status, "message", after.StatusMessage)
	}

	// A step that changed nothing commits nothing, so no reconcile follows:
	// plan the link's next transition here.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || after == nil {
		return
	}
	if at, ok := c.next(after); ok && at.After(now) {
		c.schedule(k, at, now)
	}
}

// days renders the idle period for a status message: in days when it is
// whole days, as AWS's documentation speaks of the rule.
func days(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
