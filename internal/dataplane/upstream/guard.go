package upstream

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Guard keeps one caller, or one misconfigured integration, from taking the
// whole server: it bounds the integration requests in flight and counts the
// requests it refused and the answers that reached a client cut short. One
// Guard serves both API types of a server; its methods take no lock.
type Guard struct {
	// MaxInflight bounds the integration requests in flight at once (0: no
	// bound). Each holds a client connection, a backend connection and
	// their buffers; past the bound a request is answered at once.
	MaxInflight int64
	inflight    atomic.Int64

	// Truncated counts integration answers whose body broke off after
	// their status had been sent: the client's connection was cut.
	Truncated atomic.Uint64
	// Looped counts requests refused for passing through gatehouse more
	// than MaxHops times.
	Looped atomic.Uint64
	// Shed counts requests refused because MaxInflight were in flight, or
	// MaxHeld bytes were held.
	Shed atomic.Uint64
	// Dropped counts requests a security group dropped on their way to a
	// backend, each held until its integration timeout (or an ALB's
	// connect timeout, when that comes first). A request is counted once
	// its wait is set on the clock: a test that sees the count can move a
	// fake clock past it.
	Dropped atomic.Uint64

	// MaxHeld bounds the request body bytes held in memory at once to
	// check signatures (0: no bound): a signature covers the body, which
	// must be read whole before it is sent on, where every other body
	// streams.
	MaxHeld int64
	held    atomic.Int64

	// SendTimeout bounds how long a write of an integration's answer to
	// the client may make no progress (0: no bound): past it the client,
	// which stopped reading, is cut and its place given back.
	SendTimeout time.Duration
	// Stalled counts clients cut for not reading their answer.
	Stalled atomic.Uint64
	// Log receives a warning for each answer cut short (nil: none).
	Log *slog.Logger
}

// Hold reserves n bytes of MaxHeld, false when they are taken.
func (g *Guard) Hold(n int64) bool {
	if g == nil || g.MaxHeld <= 0 || n <= 0 {
		return true
	}
	if g.held.Add(n) > g.MaxHeld {
		g.held.Add(-n)
		g.Shed.Add(1)
		return false
	}
	return true
}

// Release gives back n bytes Hold reserved.
func (g *Guard) Release(n int64) {
	if g != nil && g.MaxHeld > 0 && n > 0 {
		g.held.Add(-n)
	}
}

// BodySize is what holding r's body may take: its declared length, limit
// when it has none (chunked), 0 without a body.
func BodySize(r *http.Request, limit int64) int64 {
	switch {
	case r.Body == nil || r.Body == http.NoBody:
		return 0
	case r.ContentLength >= 0:
		return min(r.ContentLength, limit)
	}
	return limit
}

// Enter takes a place for one integration request, false when MaxInflight
// are taken already. A nil Guard bounds nothing.
func (g *Guard) Enter() bool {
	if g == nil || g.MaxInflight <= 0 {
		return true
	}
	if g.inflight.Add(1) > g.MaxInflight {
		g.inflight.Add(-1)
		g.Shed.Add(1)
		return false
	}
	return true
}

// Leave gives back the place Enter took.
func (g *Guard) Leave() {
	if g != nil && g.MaxInflight > 0 {
		g.inflight.Add(-1)
	}
}

// Inflight is the number of integration requests in flight.
func (g *Guard) Inflight() int64 { return g.inflight.Load() }

// HopsHeader carries, on every request gatehouse sends to a backend, how
// many times the request has passed through a gatehouse: an integration
// whose URI is gatehouse's own invoke URL, directly or through other APIs,
// would otherwise call itself until file descriptors or memory run out.
// Proxies count hops the same way (Via, Max-Forwards).
const HopsHeader = "X-Gatehouse-Hops"

// MaxHops is how many times a request may pass through gatehouse: the
// request arriving for the (MaxHops+1)th time is answered with the API
// type's integration failure instead of being sent on. A few APIs in a row
// are a design; more is a loop.
const MaxHops = 5

// hopValues are the header values for 1..MaxHops, shared and never
// written: each has its length as its capacity, so an append (a mapping
// that adds a value) copies.
var hopValues = func() (v [MaxHops + 1][]string) {
	for i := range v {
		v[i] = []string{strconv.Itoa(i)}[:1:1]
	}
	return v
}()

// Hops is how many times a request has passed through gatehouse, as its
// HopsHeader says; 0 when it has none or one that is not a count.
func Hops(h http.Header) int {
	vs := h[HopsHeader]
	if len(vs) == 0 {
		return 0
	}
	n, err := strconv.Atoi(vs[len(vs)-1])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Loop reports whether a request that has passed through gatehouse hops
// times must not be sent on again, and counts it.
func (g *Guard) Loop(hops int) bool {
	if hops < MaxHops {
		return false
	}
	if g != nil {
		g.Looped.Add(1)
	}
	return true
}

// SetHops marks an outgoing request as having passed through gatehouse
// once more than the incoming one, whose count was hops (< MaxHops). It is
// set last, after the integration's mappings, which must not reset it.
func SetHops(h http.Header, hops int) {
	h[HopsHeader] = hopValues[min(hops+1, MaxHops)]
}

// ErrTooLarge ends a request body that grew past its limit.
var ErrTooLarge = errors.New("request body larger than the payload limit")

// LimitedBody is a request body of unknown length (chunked) cut at a limit:
// reading past it fails with ErrTooLarge, so the transport aborts the
// backend request, and Over tells the request path to answer 413. Over may
// be asked while the transport still reads on its own goroutine.
type LimitedBody struct {
	rc   io.ReadCloser
	left int64
	over atomic.Bool
}

// LimitBody wraps body at limit bytes.
func LimitBody(body io.ReadCloser, limit int64) *LimitedBody {
	return &LimitedBody{rc: body, left: limit}
}

func (b *LimitedBody) Read(p []byte) (int, error) {
	if b.over.Load() {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		b.over.Store(true)
		n = int(b.left)
		b.left = 0
		return n, ErrTooLarge
	}
	b.left -= int64(n)
	return n, err
}

// Close closes the client's body.
func (b *LimitedBody) Close() error { return b.rc.Close() }

// Over reports whether the body went past its limit.
func (b *LimitedBody) Over() bool { return b.over.Load() }

// LimitRequestBody bounds the client's request body r for the outgoing
// request out: a body of unknown length (chunked) is cut at limit, as a
// declared length is checked on arrival; and reading it may last no longer
// than out's deadline (the integration timeout), so a client that stalls
// mid-body cannot hold its connection, the handler and the backend's
// connection past it. It returns the cut body, nil when the length was
// declared. Requests without a body pay nothing.
func LimitRequestBody(w http.ResponseWriter, r, out *http.Request, limit int64) *LimitedBody {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if deadline, ok := out.Context().Deadline(); ok {
		// A moment past the integration's own deadline, so that the
		// integration timeout, not the read, decides the answer.
		http.NewResponseController(w).SetReadDeadline(deadline.Add(readGrace))
	}
	if r.ContentLength >= 0 {
		return nil
	}
	lb := LimitBody(r.Body, limit)
	out.Body = lb
	return lb
}

// ExtendBodyRead lets the client's body be read until a moment past
// deadline (its integration's), for a request path that reads the body
// itself rather than through LimitRequestBody: a Lambda integration,
// whose event holds the body.
func ExtendBodyRead(w http.ResponseWriter, r *http.Request, deadline time.Time) {
	if r.Body != nil && r.Body != http.NoBody {
		http.NewResponseController(w).SetReadDeadline(deadline.Add(readGrace))
	}
}

// BoundBodyRead gives a request with a body readGrace to deliver it, from
// now: a request answered without its integration (no route, a refusal, a
// mock) does not read its body, but net/http reads what is left of it
// before the answer goes out, and a client that stalls mid-body would hold
// the answer and the connection for ever. Past the deadline the answer
// goes out and the connection is closed. A request that goes on to its
// integration gets the integration's deadline instead (LimitRequestBody).
func BoundBodyRead(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil && r.Body != http.NoBody {
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(readGrace))
	}
}

// readGrace is how long past the integration timeout a request body may
// still be read, and how long a request answered without its integration
// may take to deliver its body.
const readGrace = 100 * time.Millisecond
