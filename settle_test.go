package gatehouse

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// settled makes a write that committed wait for the controllers; reads,
// failed calls and calls that committed nothing do not wait; a wait that
// runs out answers anyway and says so in the log.
func TestSettled(t *testing.T) {
	st := mem.New()
	write := func(ctx context.Context, _ any) (any, error) {
		_, err := st.Update(func(tx store.Tx) error { return tx.Put("/k", []byte("v")) })
		return "ok", err
	}
	ops := api.NewTable(
		api.Op{Name: "CreateThing", Call: write},
		api.Op{Name: "DescribeThings", Call: write}, // a read by name: never waits
		api.Op{Name: "DeleteNothing", Call: func(context.Context, any) (any, error) { return "ok", nil }},
		api.Op{Name: "UpdateBroken", Call: func(context.Context, any) (any, error) { return nil, errors.New("no") }},
	)
	var waits int
	block := false
	sync := func(ctx context.Context) error {
		waits++
		if block {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	var logs bytes.Buffer
	wrapped := settled(ops, st, sync, slog.New(slog.NewTextHandler(&logs, nil)))
	call := func(name string) {
		t.Helper()
		wrapped[name].Call(context.Background(), nil)
	}
	for _, c := range []struct {
		op    string
		waits int
	}{{"CreateThing", 1}, {"DescribeThings", 0}, {"DeleteNothing", 0}, {"UpdateBroken", 0}} {
		waits = 0
		call(c.op)
		if waits != c.waits {
			t.Errorf("%s waited %d times, want %d", c.op, waits, c.waits)
		}
	}

	defer func(d time.Duration) { settleTimeout = d }(settleTimeout)
	settleTimeout = 10 * time.Millisecond
	block = true
	call("CreateThing")
	if !strings.Contains(logs.String(), "write answered before every controller acted on it") || !strings.Contains(logs.String(), "op=CreateThing") {
		t.Errorf("no log line for a wait that ran out: %q", logs.String())
	}
}
