package gatehouse

import (
	"context"
	"log/slog"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/store"
)

// settleTimeout bounds how long a write's answer waits for the controllers
// to act on it. They take milliseconds; a wait this long means one is stuck,
// and the answer goes out anyway, with a log line, rather than never.
var settleTimeout = 10 * time.Second

// settled wraps every operation of t that may write, so that its answer is
// sent only once the data plane, the health checker and the VPC link
// lifecycles act on what it wrote: right after RevokeSecurityGroupIngress
// returns, the next invoke request is dropped; right after CreateStage, the
// stage answers. Reads (Describe*, Get*, List*, Discover*) never wait, and
// neither does a call that committed nothing, such as a failed one.
func settled(t api.Table, st store.Store, sync func(context.Context) error, log *slog.Logger) api.Table {
	out := make(api.Table, len(t))
	for name, op := range t {
		if api.ReadOnly(name) {
			out[name] = op
			continue
		}
		call := op.Call
		op.Call = func(ctx context.Context, in any) (any, error) {
			before := st.Revision()
			res, err := call(ctx, in)
			if err != nil || st.Revision() == before {
				return res, err
			}
			wctx, cancel := context.WithTimeout(ctx, settleTimeout)
			defer cancel()
			if serr := sync(wctx); serr != nil && ctx.Err() == nil {
				log.Warn("write answered before every controller acted on it", "op", name,
					"request_id", api.MetaFrom(ctx).RequestID, "revision", st.Revision(), "waited", settleTimeout, "err", serr)
			}
			return res, nil
		}
		out[name] = op
	}
	return out
}
