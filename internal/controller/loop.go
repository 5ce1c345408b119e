// Package controller owns what every store-following controller shares: the
// watch on the store, the goroutine that re-reads the model after each burst
// of commits and hands the snapshot to the controller's reconcile, the record
// of which revision has been reconciled, the Beacon that wakes whoever
// waits on it (Sync), and Stop.
//
// It knows nothing of what a controller does with a snapshot: timers,
// in-flight work and the lock guarding them stay with the controller, whose
// own Stop ends them around Loop.Stop. It sits just above the model and the
// store, so that any controller, whatever else it imports, can use it.
package controller

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Config configures a Loop.
type Config struct {
	Store store.Store
	// Load reads the model; nil means model.Load(Store). Servers pass one
	// shared model.Loader so a commit is decoded once for every controller.
	Load func() (*model.Snapshot, error)
	// Name prefixes the line logged when the model cannot be read.
	Name string
	Log  *slog.Logger
	// Stopped is what Sync and Await return once Stop has been called, so
	// each controller keeps its own sentinel error.
	Stopped error
	// Woken, when set, wakes the loop between commits: each value goes to
	// OnWoken on the loop's goroutine, and a reconcile follows as after a
	// commit.
	Woken   <-chan string
	OnWoken func(string)
	// Kinds are the record kinds the controller reads; a burst of commits
	// that touches none of them is marked reconciled without reading the
	// model or calling reconcile. Nil means every kind.
	Kinds []string
}

// Loop follows the store for one controller.
type Loop struct {
	st      store.Store
	load    func() (*model.Snapshot, error)
	name    string
	log     *slog.Logger
	stopped error
	woken   <-chan string
	onWoken func(string)
	kinds   map[string]bool

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	started bool
	halted  bool
	done    chan struct{} // closed when the goroutine exits

	applied atomic.Uint64 // revision of the last snapshot reconciled
	// reconciled is set once a reconcile has run; only the loop's
	// goroutine reads or writes it.
	reconciled bool
	synced     Beacon
}

// New returns a loop; Start begins it.
func New(cfg Config) *Loop {
	if cfg.Load == nil {
		st := cfg.Store
		cfg.Load = func() (*model.Snapshot, error) { return model.Load(st) }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	var kinds map[string]bool
	if cfg.Kinds != nil {
		kinds = map[string]bool{}
		for _, k := range cfg.Kinds {
			kinds[k] = true
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Loop{
		st: cfg.Store, load: cfg.Load, name: cfg.Name, log: cfg.Log, stopped: cfg.Stopped,
		woken: cfg.Woken, onWoken: cfg.OnWoken, kinds: kinds,
		ctx: ctx, cancel: cancel,
		done: make(chan struct{}),
	}
}

// Start registers the watch before it returns, so no later commit goes
// unseen, then reconciles once at once and again after every wake-up. Only
// the first call on a loop not yet stopped does anything.
func (l *Loop) Start(reconcile func(*model.Snapshot)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.halted {
		return
	}
	l.started = true
	changes, cancel := l.st.Watch()
	go l.run(changes, cancel, reconcile)
}

// Stop ends the loop and returns once no reconcile is running. Every call
// waits, not just the first, so a second caller cannot race ahead of the
// first and close the store under a running reconcile.
func (l *Loop) Stop() {
	l.mu.Lock()
	l.halted = true
	started := l.started
	l.mu.Unlock()
	l.cancel()
	if started {
		<-l.done
	}
}

// Context ends when Stop is called; work it bounds is cut short, and an
// error seen after it ended is the stop's doing, not worth logging.
func (l *Loop) Context() context.Context { return l.ctx }

// Sync waits until a snapshot at least as new as the store's revision at
// the call has been reconciled.
func (l *Loop) Sync(ctx context.Context) error {
	want := l.st.Revision()
	return l.Await(ctx, &l.synced, func() bool { return l.applied.Load() >= want })
}

// Await waits until ok holds, checking it again each time b fires. It gives
// up with ctx's error, or with the Stopped error once the loop is stopped.
func (l *Loop) Await(ctx context.Context, b *Beacon, ok func() bool) error {
	for {
		ch := b.wait()
		if ok() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-l.ctx.Done():
			return l.stopped
		}
	}
}

func (l *Loop) run(changes <-chan uint64, cancel func(), reconcile func(*model.Snapshot)) {
	defer close(l.done)
	defer cancel()
	woken := true // the first pass always reconciles
	for {
		l.pass(reconcile, woken)
		select {
		case <-changes:
			woken = false
		case id := <-l.woken:
			l.onWoken(id)
			woken = true
		case <-l.ctx.Done():
			return
		}
	}
}

// pass reads the store's current state rather than the revision the watch
// delivered, so a burst of commits costs one reconcile; a burst that wrote
// no kind the controller reads costs none, unless it was woken for its own
// reasons.
func (l *Loop) pass(reconcile func(*model.Snapshot), woken bool) {
	if !woken && l.kinds != nil && l.reconciled {
		if keys, rev, ok := model.Changed(l.st, l.applied.Load(), 0); ok && !l.cares(keys) {
			l.applied.Store(rev)
			l.synced.Fire()
			return
		}
	}
	snap, err := l.load()
	if err != nil {
		if l.ctx.Err() == nil {
			l.log.Error(l.name+": reading the model", "err", err)
		}
		return
	}
	reconcile(snap)
	// A reconcile that Stop interrupted may have planned nothing, so it must
	// not let a Sync through.
	if l.ctx.Err() != nil {
		return
	}
	l.reconciled = true
	l.applied.Store(snap.Revision)
	l.synced.Fire()
}

func (l *Loop) cares(keys []string) bool {
	for _, k := range keys {
		if l.kinds[model.KindOf(k)] {
			return true
		}
	}
	return false
}

// Beacon wakes every waiter at once. A waiter takes the current channel
// before it checks its condition, and Fire closes that channel and starts
// a new one, so a Fire between the check and the wait is never missed.
// The zero Beacon is ready to use.
type Beacon struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *Beacon) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// Fire wakes everyone waiting on b.
func (b *Beacon) Fire() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}
