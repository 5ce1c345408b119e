package controller

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

var errTestStopped = errors.New("test loop stopped")

// commit writes outside the model's key space, so a snapshot stays empty
// while the revision still moves.
func commit(t *testing.T, st store.Store) uint64 {
	t.Helper()
	rev, err := st.Update(func(tx store.Tx) error { return tx.Put("probe", []byte("x")) })
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// next is the revision of the next reconcile, failing the test if none
// comes.
func next(t *testing.T, passes <-chan uint64) uint64 {
	t.Helper()
	select {
	case rev := <-passes:
		return rev
	case <-time.After(5 * time.Second):
		t.Fatal("no reconcile")
		return 0
	}
}

func TestSyncWaitsForTheCommitsBeforeIt(t *testing.T) {
	st := mem.New()
	l := New(Config{Store: st, Stopped: errTestStopped})
	var seen atomic.Uint64
	l.Start(func(s *model.Snapshot) { seen.Store(s.Revision) })
	defer l.Stop()
	for range 3 {
		rev := commit(t, st)
		if err := l.Sync(timeout(t)); err != nil {
			t.Fatal(err)
		}
		if got := seen.Load(); got < rev {
			t.Fatalf("Sync returned when the last reconcile saw revision %d, before commit %d", got, rev)
		}
	}
}

func TestABurstOfCommitsCostsOneReconcile(t *testing.T) {
	st := mem.New()
	l := New(Config{Store: st, Stopped: errTestStopped})
	passes := make(chan uint64, 10)
	gate := make(chan struct{})
	n := 0
	l.Start(func(s *model.Snapshot) {
		passes <- s.Revision
		if n++; n == 2 {
			<-gate
		}
	})
	defer l.Stop()
	next(t, passes)
	commit(t, st)
	next(t, passes) // the second pass, now held at the gate
	commit(t, st)
	last := commit(t, st)
	close(gate)
	if err := l.Sync(timeout(t)); err != nil {
		t.Fatal(err)
	}
	if rev := next(t, passes); rev != last {
		t.Fatalf("the pass after the burst saw revision %d, want %d", rev, last)
	}
	l.Stop()
	if len(passes) != 0 {
		t.Fatalf("%d more passes for a burst already reconciled", len(passes))
	}
}

func TestAFailedLoadDoesNotSatisfySync(t *testing.T) {
	st := mem.New()
	var broken atomic.Bool
	broken.Store(true)
	l := New(Config{Store: st, Stopped: errTestStopped, Load: func() (*model.Snapshot, error) {
		if broken.Load() {
			return nil, errors.New("unreadable")
		}
		return model.Load(st)
	}})
	var passes atomic.Int32
	l.Start(func(*model.Snapshot) { passes.Add(1) })
	defer l.Stop()
	commit(t, st)
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Sync(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sync while the model cannot be read = %v", err)
	}
	if n := passes.Load(); n != 0 {
		t.Fatalf("reconciled %d times without a snapshot", n)
	}
	broken.Store(false)
	commit(t, st)
	if err := l.Sync(timeout(t)); err != nil {
		t.Fatal(err)
	}
}

func TestWokenIsHandledOnTheLoopThenReconciled(t *testing.T) {
	st := mem.New()
	woken := make(chan string)
	var got []string
	l := New(Config{Store: st, Stopped: errTestStopped, Woken: woken, OnWoken: func(id string) { got = append(got, id) }})
	passes := make(chan uint64, 10)
	l.Start(func(s *model.Snapshot) { passes <- s.Revision })
	defer l.Stop()
	next(t, passes)
	woken <- "link-1"
	next(t, passes)
	// The pass arrived after OnWoken on the same goroutine, so got is safe
	// to read.
	if len(got) != 1 || got[0] != "link-1" {
		t.Fatalf("OnWoken saw %q", got)
	}
}

func TestStop(t *testing.T) {
	st := mem.New()
	l := New(Config{Store: st, Stopped: errTestStopped})
	commit(t, st)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Sync(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with a cancelled context = %v", err)
	}
	// Stop before Start, and twice, must not block.
	l.Stop()
	l.Stop()
	if l.Context().Err() == nil {
		t.Fatal("Context still live after Stop")
	}
	if err := l.Sync(context.Background()); err != errTestStopped {
		t.Fatalf("Sync after Stop = %v, want the configured error", err)
	}
	ran := make(chan struct{}, 1)
	l.Start(func(*model.Snapshot) { ran <- struct{}{} })
	select {
	case <-ran:
		t.Fatal("a stopped loop started")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestStopWaitsForTheReconcileInFlight(t *testing.T) {
	st := mem.New()
	l := New(Config{Store: st, Stopped: errTestStopped})
	entered, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	l.Start(func(*model.Snapshot) {
		close(entered)
		<-release
		finished.Store(true)
	})
	<-entered
	stopped := make(chan struct{})
	go func() {
		l.Stop()
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a reconcile was running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-stopped
	if !finished.Load() {
		t.Fatal("Stop returned before the reconcile ended")
	}
}

func TestAwait(t *testing.T) {
	l := New(Config{Store: mem.New(), Stopped: errTestStopped})
	var b Beacon
	var count atomic.Int32
	go func() {
		for range 3 {
			count.Add(1)
			b.Fire()
		}
	}()
	if err := l.Await(timeout(t), &b, func() bool { return count.Load() >= 3 }); err != nil {
		t.Fatal(err)
	}
	l.Stop()
	if err := l.Await(context.Background(), &b, func() bool { return false }); err != errTestStopped {
		t.Fatalf("Await after Stop = %v", err)
	}
}

// A controller that names its kinds is not woken for commits to others:
// Sync still returns at once, without a read of the model or a reconcile,
// and a commit to one of its kinds is reconciled as before.
func TestKindsSkipOtherCommits(t *testing.T) {
	st := mem.New()
	var loads atomic.Int32
	l := New(Config{Store: st, Stopped: errTestStopped, Kinds: []string{model.VpcLink{}.Kind()},
		Load: func() (*model.Snapshot, error) { loads.Add(1); return model.Load(st) }})
	var reconciles atomic.Int32
	l.Start(func(*model.Snapshot) { reconciles.Add(1) })
	defer l.Stop()
	if err := l.Sync(timeout(t)); err != nil {
		t.Fatal(err)
	}
	put := func(r model.Record) {
		t.Helper()
		if _, err := st.Update(func(tx store.Tx) error { return model.Put(model.Tx{Tx: tx, Account: "1", Region: "r"}, r) }); err != nil {
			t.Fatal(err)
		}
		if err := l.Sync(timeout(t)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		put(&model.Route{APIID: "a", ID: string(rune('0' + i))})
	}
	if loads.Load() != 1 || reconciles.Load() != 1 {
		t.Fatalf("commits to other kinds cost %d loads and %d reconciles, want only the first", loads.Load(), reconciles.Load())
	}
	put(&model.VpcLink{ID: "l"})
	if reconciles.Load() != 2 {
		t.Fatalf("a commit to a kind the controller reads was not reconciled (%d)", reconciles.Load())
	}
}
