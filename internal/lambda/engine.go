package lambda

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/controller"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Defaults.
const (
	// DefaultActivateDelay stands in for the second or so Lambda takes to
	// make a zip function Active after CreateFunction, and to finish an
	// update: long enough that a client must wait for Active (the SDK's
	// FunctionActiveV2 waiter), short enough not to slow anyone down.
	DefaultActivateDelay = time.Second
	// DefaultIdleTimeout is how long a warm sandbox waits for another
	// invocation before it is stopped. Lambda keeps idle environments for
	// minutes, without saying how many.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultConcurrency is the account's concurrency limit in a region, as
	// Lambda's default quota.
	DefaultConcurrency = 1000
)

// Lambda's states and update statuses.
const (
	StatePending = "Pending"
	StateActive  = "Active"

	UpdateInProgress = "InProgress"
	UpdateSuccessful = "Successful"
)

// ErrStopped is returned by waits on a stopped Engine.
var ErrStopped = errors.New("lambda: engine stopped")

// Config configures an Engine.
type Config struct {
	Store store.Store
	// Load reads the model; nil means model.Load(Store). The server passes
	// one shared model.Loader so a commit is decoded once for every
	// controller.
	Load  func() (*model.Snapshot, error)
	Clock clock.Clock
	// Log receives state changes, the functions' output with their
	// request ids, and each invocation's START, END and REPORT lines.
	Log *slog.Logger
	// Code is the directory a function's unpacked code lives in, from
	// FunctionConfig.CodeID; "" when there is none.
	Code func(id string) string
	// Endpoint is the URL of gatehouse's AWS APIs that functions get as
	// AWS_ENDPOINT_URL so their SDKs call it: a listener of their own
	// serving those APIs alone.
	Endpoint func() string
	// AccessKey and SecretKey are credentials gatehouse accepts, which
	// functions get as their execution role's.
	AccessKey, SecretKey string
	// ActivateDelay is how long a function stays Pending after it is
	// created, and an update InProgress. Zero means at once.
	ActivateDelay time.Duration
	// IdleTimeout is how long a warm sandbox is kept without invocations
	// (DefaultIdleTimeout if zero or less).
	IdleTimeout time.Duration
	// Concurrency is the account's concurrency limit per region: the
	// invocations in flight at once across its functions
	// (DefaultConcurrency if zero or less).
	Concurrency int
	// RetryDelays are the waits before an asynchronous invocation's
	// retries: Lambda's one then two minutes when nil.
	RetryDelays []time.Duration
}

// Engine runs Lambda functions; see the package doc.
type Engine struct {
	cfg   Config
	loop  *controller.Loop
	load  func() (*model.Snapshot, error)
	st    store.Store
	clk   clock.Clock
	log   *slog.Logger
	delay time.Duration
	// token is the session token functions get with their credentials.
	token string

	// idx is what invocations read: every function, version and alias,
	// compiled at each reconcile.
	idx atomic.Pointer[index]

	mu      sync.Mutex
	timers  map[fnKey]*timer // activations ahead
	fns     map[fnKey]*fnState
	accts   map[model.Scope]*account
	events  map[evKey]*evState
	queues  map[queueKey]*evQueue // due events, per function
	evRev   uint64                // the revision up to which event records have been read
	running bool
	stopped bool
	steps   sync.WaitGroup // transitions and deliveries in flight; Add only under mu while !stopped

	// Every sandbox alive, for Stop to kill; none registers once
	// boxesClosed is set.
	boxMu       sync.Mutex
	sandboxes   map[*sandbox]struct{}
	boxesClosed bool
	boxes       sync.WaitGroup
}

// fnKey names a function, or one of its published versions, in a scope.
type fnKey struct {
	scope   model.Scope
	name    string
	version string // "" for the function itself ($LATEST)
}

type timer struct {
	due time.Time
	t   clock.Timer
}

// errNotDue aborts a transaction that found nothing to do.
var errNotDue = errors.New("not due")

// New returns an engine; call Start to begin.
func New(cfg Config) *Engine {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ActivateDelay < 0 {
		cfg.ActivateDelay = 0
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = []time.Duration{time.Minute, 2 * time.Minute}
	}
	if cfg.Code == nil {
		cfg.Code = func(string) string { return "" }
	}
	if cfg.Endpoint == nil {
		cfg.Endpoint = func() string { return "" }
	}
	e := &Engine{
		cfg: cfg, st: cfg.Store, clk: cfg.Clock, log: cfg.Log, delay: cfg.ActivateDelay,
		token:  rand.Text(),
		timers: map[fnKey]*timer{}, fns: map[fnKey]*fnState{}, accts: map[model.Scope]*account{},
		events: map[evKey]*evState{}, queues: map[queueKey]*evQueue{}, sandboxes: map[*sandbox]struct{}{},
	}
	e.idx.Store(&index{})
	e.load = cfg.Load
	if e.load == nil {
		e.load = func() (*model.Snapshot, error) { return model.Load(cfg.Store) }
	}
	e.loop = controller.New(controller.Config{
		Store: cfg.Store, Load: cfg.Load, Name: "lambda", Log: cfg.Log, Stopped: ErrStopped,
		Kinds: []string{model.Function{}.Kind(), model.FunctionVersion{}.Kind(), model.FunctionAlias{}.Kind(),
			model.FunctionEvent{}.Kind()},
	})
	return e
}

// Start begins following the store. The watch is registered before Start
// returns, so no commit after it goes unseen; the first reconcile reads
// every pending asynchronous invocation, so a restart loses none.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running || e.stopped {
		return
	}
	e.running = true
	e.loop.Start(e.reconcile)
}

// Stop cancels every timer, kills every function process with its process
// group and waits for them and for work in flight. Call it before closing
// the store.
func (e *Engine) Stop() {
	e.mu.Lock()
	e.stopped = true
	for _, t := range e.timers {
		t.t.Stop()
	}
	for _, ev := range e.events {
		if ev.t != nil {
			ev.t.Stop()
		}
	}
	for _, f := range e.fns {
		f.close()
	}
	e.mu.Unlock()
	e.loop.Stop()
	// Busy sandboxes die too: their invocations end with the process,
	// as they would if gatehouse were killed.
	e.boxMu.Lock()
	e.boxesClosed = true
	boxes := make([]*sandbox, 0, len(e.sandboxes))
	for b := range e.sandboxes {
		boxes = append(boxes, b)
	}
	e.boxMu.Unlock()
	for _, b := range boxes {
		b.kill()
	}
	e.steps.Wait()
	e.boxes.Wait()
}

// Sync waits until the engine has planned from the store's state as of the
// call: the index serves every function written before it, and advancing
// a fake clock acts on them.
func (e *Engine) Sync(ctx context.Context) error { return e.loop.Sync(ctx) }

// register counts a new sandbox alive, unless the engine is stopping.
func (e *Engine) register(b *sandbox) bool {
	e.boxMu.Lock()
	defer e.boxMu.Unlock()
	if e.boxesClosed {
		return false
	}
	e.sandboxes[b] = struct{}{}
	e.boxes.Add(1)
	return true
}

// unregister drops a sandbox whose process has been reaped.
func (e *Engine) unregister(b *sandbox) {
	e.boxMu.Lock()
	delete(e.sandboxes, b)
	e.boxMu.Unlock()
	e.boxes.Done()
}

// isStopped reports whether Stop has been called.
func (e *Engine) isStopped() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stopped
}

// reconcile compiles the index from snap, plans every activation, retires
// sandboxes whose function changed or went, and picks up asynchronous
// invocations written since the last pass.
func (e *Engine) reconcile(snap *model.Snapshot) {
	now := e.clk.Now()
	var due []fnKey
	var retire []*sandbox
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return
	}
	idx := e.compile(snap)
	live := map[fnKey]bool{}
	plan := func(k fnKey, c *model.FunctionConfig) {
		at, ok := e.next(c, now)
		switch {
		case !ok:
			e.unschedule(k)
		case !at.After(now):
			e.unschedule(k)
			due = append(due, k)
		default:
			e.schedule(k, at, now)
		}
		live[k] = true
	}
	for scope, sc := range snap.Scopes {
		for name, fn := range sc.Functions {
			plan(fnKey{scope, name, ""}, &fn.Config)
		}
		for _, v := range sc.FunctionVersions {
			plan(fnKey{scope, v.Function, v.Config.Version}, &v.Config)
		}
	}
	for k := range e.timers {
		if !live[k] {
			e.unschedule(k)
		}
	}
	// Sandboxes of a configuration that changed, or of a function gone,
	// stop now if idle, or when their invocation ends if busy (park checks
	// the index, so it is swapped in first: a sandbox parked from here on
	// is checked against it).
	e.idx.Store(idx)
	for k, f := range e.fns {
		ent := idx.lookup(k.scope, k.name)
		if ent == nil {
			retire = append(retire, f.close()...)
			delete(e.fns, k)
			continue
		}
		retire = append(retire, f.retire(ent)...)
	}
	e.mu.Unlock()

	for _, b := range retire {
		b.kill()
	}
	stepped := false
	for _, k := range due {
		stepped = e.step(k) || stepped
	}
	if stepped {
		// What the steps committed must be in the index before Sync
		// returns: a function made Active at once is invocable as soon
		// as CreateFunction answers. Nothing is due in the new snapshot,
		// so this goes one level deep.
		if next, err := e.load(); err == nil {
			e.reconcile(next)
			return
		}
	}
	e.followEvents(snap)
}

// next is when c's pending state or update falls due, if it has one.
func (e *Engine) next(c *model.FunctionConfig, now time.Time) (time.Time, bool) {
	if c.State != StatePending && c.LastUpdateStatus != UpdateInProgress {
		return time.Time{}, false
	}
	since := c.LastModified
	if since.IsZero() {
		since = now
	}
	return since.Add(e.delay), true
}

// schedule sets k's timer for at, keeping one already set for that time;
// e.mu must be held.
func (e *Engine) schedule(k fnKey, at, now time.Time) {
	if t := e.timers[k]; t != nil {
		if t.due.Equal(at) {
			return
		}
		t.t.Stop()
	}
	t := &timer{due: at}
	t.t = e.clk.AfterFunc(at.Sub(now), func() {
		e.mu.Lock()
		if e.timers[k] == t {
			delete(e.timers, k)
		}
		e.mu.Unlock()
		e.step(k)
	})
	e.timers[k] = t
}

// unschedule drops k's timer; e.mu must be held.
func (e *Engine) unschedule(k fnKey) {
	if t := e.timers[k]; t != nil {
		t.t.Stop()
		delete(e.timers, k)
	}
}

// step makes k Active and its last update Successful if that is due, in
// one transaction that re-reads the record, so a stale timer never undoes
// a newer change. It reports whether it committed.
func (e *Engine) step(k fnKey) bool {
	if !e.begin() {
		return false
	}
	defer e.steps.Done()
	now := e.clk.Now()
	var from, to string
	_, err := e.st.Update(func(stx store.Tx) error {
		tx := model.Tx{Tx: stx, Account: k.scope.Account, Region: k.scope.Region}
		var (
			c   *model.FunctionConfig
			rec model.Record
		)
		if k.version == "" {
			fn, ok, err := model.Get[model.Function](tx, k.name)
			if err != nil || !ok {
				return cmp.Or(err, errNotDue)
			}
			c, rec = &fn.Config, fn
		} else {
			v, ok, err := model.Get[model.FunctionVersion](tx, k.name+"/"+k.version)
			if err != nil || !ok {
				return cmp.Or(err, errNotDue)
			}
			c, rec = &v.Config, v
		}
		if at, ok := e.next(c, now); !ok || at.After(now) {
			return errNotDue
		}
		from = c.State + "/" + c.LastUpdateStatus
		c.State, c.StateReason, c.StateReasonCode = StateActive, "", ""
		c.LastUpdateStatus, c.LastUpdateStatusReason, c.LastUpdateStatusReasonCode = UpdateSuccessful, "", ""
		c.RevisionID = newRequestID()
		to = c.State + "/" + c.LastUpdateStatus
		return model.Put(tx, rec)
	})
	switch {
	case errors.Is(err, errNotDue):
		return false
	case err != nil:
		if e.loop.Context().Err() == nil {
			e.log.Error("lambda: activating a function failed", "function", k.name, "version", k.version,
				"account", k.scope.Account, "region", k.scope.Region, "err", err)
		}
		return false
	}
	e.log.Info("lambda function state", "function", k.name, "version", k.version,
		"account", k.scope.Account, "region", k.scope.Region, "from", from, "to", to)
	return true
}

// begin counts a step in flight, unless the engine is stopped.
func (e *Engine) begin() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return false
	}
	e.steps.Add(1)
	return true
}

// newRequestID is a random version 4 UUID, the form of Lambda's request
// and revision ids.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:], b[10:])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}
