package dataplane

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store/mem"
)

// A Sync waiting for a revision the plane never compiles (here the model
// cannot be read) returns once the plane stops, instead of holding a
// write's answer until its own deadline.
func TestSyncReturnsWhenStopped(t *testing.T) {
	st := mem.New()
	p := New(Config{
		Load:     func() (*model.Snapshot, error) { return nil, errors.New("unreadable") },
		Watch:    st.Watch,
		Revision: func() uint64 { return 1 },
		Clock:    clock.Real{},
		Log:      slog.New(slog.DiscardHandler),
	})
	p.Start()
	errc := make(chan error, 1)
	go func() { errc <- p.Sync(context.Background()) }()
	p.Stop()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("Sync after Stop: %v, want ErrStopped", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Sync still waiting 5 s after Stop")
	}
}
