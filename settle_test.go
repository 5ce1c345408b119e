package gatehouse

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// writeOps is a table of one write, one read by name that writes anyway,
// one call that commits nothing and one that fails.
func writeOps(st store.Store) api.Table {
	write := func(ctx context.Context, _ any) (any, error) {
		_, err := st.Update(func(tx store.Tx) error { return tx.Put("/k", []byte("v")) })
		return "ok", err
	}
	return api.NewTable(
		api.Op{Name: "CreateThing", Call: write},
		api.Op{Name: "DescribeThings", Call: write}, // a read by name: never waits
		api.Op{Name: "DeleteNothing", Call: func(context.Context, any) (any, error) { return "ok", nil }},
		api.Op{Name: "UpdateBroken", Call: func(context.Context, any) (any, error) { return nil, errors.New("no") }},
	)
}

// settled makes a write that committed wait for the controllers; reads,
// failed calls and calls that committed nothing do not wait; a controller
// that has stopped lets the write answer without a word.
func TestSettled(t *testing.T) {
	st := mem.New()
	var waits int
	var fail error
	f := &follower{name: "plane", sync: func(ctx context.Context) error { waits++; return fail }}
	var logs bytes.Buffer
	wrapped := newSettler(st, slog.New(slog.NewTextHandler(&logs, nil)), f).settled(writeOps(st))
	for _, c := range []struct {
		op    string
		waits int
	}{{"CreateThing", 1}, {"DescribeThings", 0}, {"DeleteNothing", 0}, {"UpdateBroken", 0}} {
		waits = 0
		wrapped[c.op].Call(context.Background(), nil)
		if waits != c.waits {
			t.Errorf("%s waited %d times, want %d", c.op, waits, c.waits)
		}
	}
	fail = errors.New("stopped")
	if res, err := wrapped["CreateThing"].Call(context.Background(), nil); res != "ok" || err != nil {
		t.Errorf("write while the controller is stopped: %v, %v", res, err)
	}
	if logs.Len() != 0 || f.lagging() {
		t.Errorf("a stopped controller was taken for one behind: lagging %v, log %q", f.lagging(), logs.String())
	}
}

// A controller that stays behind costs one write settleTimeout and one
// log line: later writes do not wait for it, but still wait for the
// others, until it catches up; then writes wait for it again.
func TestSettledBehind(t *testing.T) {
	defer func(d time.Duration) { settleTimeout = d }(settleTimeout)
	settleTimeout = 20 * time.Millisecond
	st := mem.New()
	release := make(chan struct{})
	var stuckWaits, fineWaits atomic.Int32
	stuck := &follower{name: "dataplane", sync: func(ctx context.Context) error {
		if _, writing := ctx.Deadline(); writing {
			stuckWaits.Add(1)
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	fine := &follower{name: "health", sync: func(context.Context) error { fineWaits.Add(1); return nil }}
	var logs bytes.Buffer
	wrapped := newSettler(st, slog.New(slog.NewTextHandler(&logs, nil)), stuck, fine).settled(writeOps(st))
	write := func() {
		t.Helper()
		if res, err := wrapped["CreateThing"].Call(context.Background(), nil); res != "ok" || err != nil {
			t.Fatalf("write: %v, %v", res, err)
		}
	}

	write()
	if !stuck.lagging() || stuckWaits.Load() != 1 {
		t.Fatalf("after a wait that ran out: lagging %v, waits %d", stuck.lagging(), stuckWaits.Load())
	}
	for range 5 {
		write()
	}
	if stuckWaits.Load() != 1 || fineWaits.Load() != 5 {
		t.Errorf("five writes behind a stuck controller waited for it %d more times and for the other %d times, want none and 5",
			stuckWaits.Load()-1, fineWaits.Load())
	}
	if n := strings.Count(logs.String(), "a controller stays behind"); n != 1 || !strings.Contains(logs.String(), "controller=dataplane op=CreateThing") {
		t.Errorf("%d warnings, want one naming the controller and the op: %q", n, logs.String())
	}

	stuck.mu.Lock()
	caught := stuck.behind
	stuck.mu.Unlock()
	close(release)
	<-caught
	if !strings.Contains(logs.String(), "a controller caught up with the writes") {
		t.Errorf("no line for the controller catching up: %q", logs.String())
	}
	write()
	if stuck.lagging() || stuckWaits.Load() != 2 {
		t.Errorf("after catching up: lagging %v, waited for it %d times, want 2", stuck.lagging(), stuckWaits.Load())
	}
}
