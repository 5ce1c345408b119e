package gatehouse

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/store"
)

// settleTimeout bounds how long a write's answer waits for the controllers
// to act on it. They take milliseconds; a wait this long means one is stuck,
// and the answer goes out anyway, with a log line, rather than never.
var settleTimeout = 10 * time.Second

// follower is one controller a write waits for.
type follower struct {
	name string
	sync func(context.Context) error

	mu sync.Mutex
	// behind is set while the controller has stayed behind a write for
	// settleTimeout, and closed when it catches up; while it is set,
	// writes do not wait for it.
	behind chan struct{}
}

// settler makes a write's answer wait until the controllers act on what it
// wrote, in order: a link lifecycle may commit as it acts (a link due at
// once goes AVAILABLE), so the data plane comes last and serves that too.
type settler struct {
	st        store.Store
	log       *slog.Logger
	followers []*follower
}

func newSettler(st store.Store, log *slog.Logger, followers ...*follower) *settler {
	return &settler{st: st, log: log, followers: followers}
}

// settled wraps every operation of t that may write, so that its answer is
// sent only once the data plane, the health checker and the VPC link
// lifecycles act on what it wrote: right after RevokeSecurityGroupIngress
// returns, the next invoke request is dropped; right after CreateStage, the
// stage answers. Reads (api.ReadOnly) never wait, and neither does a call
// that committed nothing, such as a failed one.
func (s *settler) settled(t api.Table) api.Table {
	out := make(api.Table, len(t))
	for name, op := range t {
		if api.ReadOnly(name) {
			out[name] = op
			continue
		}
		call := op.Call
		op.Call = func(ctx context.Context, in any) (any, error) {
			// The revision moves when this call commits, but also when
			// another call commits meanwhile; then this one waits for
			// that commit too, which costs a little and loses nothing.
			// A call that committed nothing and met no other commit
			// does not wait.
			before := s.st.Revision()
			res, err := call(ctx, in)
			if err != nil || s.st.Revision() == before {
				return res, err
			}
			s.wait(ctx, name)
			return res, nil
		}
		out[name] = op
	}
	return out
}

// wait waits for each follower that keeps up, within settleTimeout in all.
// The first that does not is marked behind and no longer waited for, so a
// controller that stays behind (say, one that cannot read the model) costs
// one write settleTimeout and one log line, not every write after it.
func (s *settler) wait(ctx context.Context, op string) {
	wctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	for _, f := range s.followers {
		if f.lagging() {
			continue
		}
		err := f.sync(wctx)
		if err == nil {
			continue
		}
		// The caller went away, or the controller stopped (the server is
		// shutting down): nothing to report.
		if ctx.Err() == nil && wctx.Err() != nil {
			s.fellBehind(f, op, api.MetaFrom(ctx).RequestID)
		}
		return
	}
}

func (f *follower) lagging() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.behind != nil
}

// fellBehind marks f behind, says so once, and watches for it to catch up
// with what is committed now; writes wait for it again from then on. The
// watch ends, f still behind, if the controller stops first.
func (s *settler) fellBehind(f *follower, op, requestID string) {
	f.mu.Lock()
	if f.behind != nil {
		f.mu.Unlock()
		return
	}
	caught := make(chan struct{})
	f.behind = caught
	f.mu.Unlock()
	s.log.Warn("a controller stays behind the writes: they answer without waiting for it until it catches up",
		"controller", f.name, "op", op, "request_id", requestID, "revision", s.st.Revision(), "waited", settleTimeout)
	go func() {
		if err := f.sync(context.Background()); err != nil {
			return
		}
		s.log.Info("a controller caught up with the writes: they wait for it again", "controller", f.name, "revision", s.st.Revision())
		f.mu.Lock()
		f.behind = nil
		close(caught)
		f.mu.Unlock()
	}()
}
