package dial

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
)

// H1Transport carries plain-HTTP/1.1 requests over pooled connections,
// writing each request and reading its response on the caller's goroutine.
//
// net/http's Transport gives every connection a reader and a writer
// goroutine and passes each request and response to them over channels; on
// a gateway's hot path, where the work per request is small, those hand-offs
// cost more than the proxying itself (README, "Data-plane benchmark"). This
// transport does without them. What it does not handle — TLS, and any scheme
// but http — goes to Fallback.
type H1Transport struct {
	Dialer   *Dialer
	Fallback *http.Transport
	// MaxIdlePerHost bounds the idle connections kept per backend address.
	MaxIdlePerHost int
	// IdleTimeout is how long an idle connection is kept for reuse.
	IdleTimeout time.Duration
	// CheckAfter is how long a connection sits idle before it is checked
	// for a close by the backend when a request that could be sent again
	// (no body, idempotent) takes it from the pool. Backends drop idle
	// connections after a keep-alive timeout of a second or more, so under
	// load, when connections come back within milliseconds, the check (a
	// system call) is skipped; if such a request does meet a closed
	// connection, it is sent again on a new one, and the address's other
	// idle connections, likely closed together, are dropped. A request that
	// cannot be sent again is always checked first.
	CheckAfter time.Duration

	hosts sync.Map // "host:port" -> *hostPool
	// after schedules the pools' sweeps (time.AfterFunc; tests run them at
	// will).
	after func(time.Duration, func())
}

// NewH1Transport returns an H1Transport over d, with d's net/http Transport
// for everything else.
func (d *Dialer) H1Transport() *H1Transport {
	return &H1Transport{Dialer: d, Fallback: d.Transport(), MaxIdlePerHost: 128, IdleTimeout: 90 * time.Second,
		CheckAfter: 100 * time.Millisecond}
}

// hostPool is the idle connections to one address, most recently used
// last: taking the newest gives the one least likely to have met the
// backend's keep-alive timeout. A sweep, due IdleTimeout after a connection
// comes back, closes the ones idle longer and drops an empty pool.
type hostPool struct {
	addr     string
	mu       sync.Mutex
	idle     []*conn
	sweeping bool
	gone     bool // dropped from the transport's hosts
}

type conn struct {
	net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time // when it was last returned to the pool
	reused bool      // it carried a request before this one
	sent   bool      // some of the current request was written
	got    bool      // some of its response was read
}

// maxInformational bounds the 1xx answers read before the real one.
const maxInformational = 5

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked read
// or write at once.
var aLongTimeAgo = time.Unix(1, 0)

// RoundTrip sends req and returns the response, whose body must be read to
// the end or closed; a body read to the end gives its connection back to
// the pool.
func (t *H1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || !smallBody(req) {
		return t.Fallback.RoundTrip(req)
	}
	addr := req.URL.Host
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	replayable := (req.Body == nil || req.Body == http.NoBody) && idempotent(req.Method)
	for retried := false; ; retried = true {
		hp := t.pool(addr)
		c, err := t.get(req.Context(), hp, addr, !replayable, retried)
		if err != nil {
			return nil, err
		}
		resp, wrote, err := t.exchange(c, hp, req)
		if err == nil {
			return resp, nil
		}
		// A reused connection the backend had closed while it sat idle
		// fails before any answer. Like net/http, send again on a new
		// connection when that cannot run the request twice and the
		// request can be sent again: it has no body, and either none of it
		// reached the backend or its method is idempotent.
		if retried || !c.reused || c.got || req.Context().Err() != nil || !closedByPeer(err) ||
			!(req.Body == nil || req.Body == http.NoBody) || wrote && !idempotent(req.Method) {
			return nil, err
		}
		// The backend closed what it had: the rest of the pool is likely
		// closed too.
		t.drop(hp)
	}
}

// maxSmallBody is the largest request body sent on the caller's goroutine
// before the response is read. A backend may answer (a 413, a 401) without
// reading the body and then close; a body this small fits the socket's
// buffers whole, so writing it never waits on the backend. Larger bodies,
// and bodies of unknown length, go to net/http's Transport, which writes
// and reads at once.
const maxSmallBody = 64 << 10

func smallBody(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 && req.ContentLength <= maxSmallBody
}

func (t *H1Transport) pool(addr string) *hostPool {
	if hp, ok := t.hosts.Load(addr); ok {
		return hp.(*hostPool)
	}
	hp, _ := t.hosts.LoadOrStore(addr, &hostPool{addr: addr})
	return hp.(*hostPool)
}

// get takes a live idle connection or dials a new one; fresh skips the
// pool. check makes it peek at any idle connection before use.
func (t *H1Transport) get(ctx context.Context, hp *hostPool, addr string, check, fresh bool) (*conn, error) {
	for !fresh {
		hp.mu.Lock()
		n := len(hp.idle)
		if n == 0 {
			hp.mu.Unlock()
			break
		}
		c := hp.idle[n-1]
		hp.idle[n-1] = nil
		hp.idle = hp.idle[:n-1]
		hp.mu.Unlock()
		idle := time.Since(c.idleAt)
		if idle > t.IdleTimeout || c.br.Buffered() > 0 || (check || idle >= t.CheckAfter) && !alive(c.Conn) {
			c.Close()
			continue
		}
		c.reused = true
		return c, nil
	}
	nc, err := t.Dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &conn{Conn: nc}
	c.br = bufio.NewReaderSize(connReader{c}, 4<<10)
	c.bw = bufio.NewWriterSize(connWriter{c}, 4<<10)
	return c, nil
}

func (t *H1Transport) put(hp *hostPool, c *conn) {
	c.idleAt = time.Now()
	hp.mu.Lock()
	if hp.gone || len(hp.idle) >= t.MaxIdlePerHost {
		hp.mu.Unlock()
		c.Close()
		return
	}
	hp.idle = append(hp.idle, c)
	sweep := !hp.sweeping
	hp.sweeping = true
	hp.mu.Unlock()
	if sweep {
		t.schedule(func() { t.sweep(hp) })
	}
}

// sweep closes the pool's connections idle past IdleTimeout, and drops
// the pool when none is left, so that addresses no longer used (a target
// gone, a test server closed) keep no sockets. While connections remain it
// comes back for them.
func (t *H1Transport) sweep(hp *hostPool) {
	hp.mu.Lock()
	keep := hp.idle[:0]
	var expired []*conn
	for _, c := range hp.idle {
		if time.Since(c.idleAt) >= t.IdleTimeout {
			expired = append(expired, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(hp.idle[len(keep):])
	hp.idle = keep
	again := len(keep) > 0
	hp.sweeping = again
	if !again {
		hp.gone = true
		t.hosts.CompareAndDelete(hp.addr, hp)
	}
	hp.mu.Unlock()
	for _, c := range expired {
		c.Close()
	}
	if again {
		t.schedule(func() { t.sweep(hp) })
	}
}

func (t *H1Transport) schedule(f func()) {
	if t.after != nil {
		t.after(t.IdleTimeout, f)
		return
	}
	time.AfterFunc(t.IdleTimeout, f)
}

// drop closes every idle connection of a pool.
func (t *H1Transport) drop(hp *hostPool) {
	hp.mu.Lock()
	idle := hp.idle
	hp.idle = nil
	hp.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// exchange writes req on c and reads the response head. The context's
// deadline becomes the connection's, and its cancellation interrupts a
// blocked read or write, until the body is done with. wrote reports whether
// any of the request reached the connection.
func (t *H1Transport) exchange(c *conn, hp *hostPool, req *http.Request) (_ *http.Response, wrote bool, _ error) {
	ctx := req.Context()
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		c.SetDeadline(deadline)
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { c.SetDeadline(aLongTimeAgo) })
	}
	fail := func(err error) (*http.Response, bool, error) {
		if stop != nil {
			stop()
		}
		c.Close()
		return nil, wrote, ctxErr(ctx, hasDeadline, err)
	}
	c.sent, c.got = false, false
	err := req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	wrote = c.sent
	if err != nil && !c.sent {
		return fail(err)
	}
	// A write that failed part way means the backend stopped reading: it
	// may have answered already, and closed. Its answer, if it sent one, is
	// the result, and the connection is not reused.
	writeErr := err
	resp, err := http.ReadResponse(c.br, req)
	// Informational answers (100 Continue, 103 Early Hints) precede the
	// real one, a few at most, as net/http allows; a 101 is returned as the
	// answer, and the connection is closed after it.
	for n := 0; err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols; n++ {
		if n == maxInformational {
			err = errors.New("too many informational responses")
			break
		}
		resp, err = http.ReadResponse(c.br, req)
	}
	if err != nil {
		if writeErr != nil {
			err = writeErr
		}
		return fail(err)
	}
	b := &body{rc: resp.Body, c: c, t: t, hp: hp, ctx: ctx, stop: stop, deadline: hasDeadline,
		keep: writeErr == nil && !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols}
	if resp.Body == http.NoBody {
		b.finish(true)
		return resp, true, nil
	}
	resp.Body = b
	return resp, true, nil
}

// connReader notes whether any byte of a response arrived: a request whose
// connection ends before that may have met a connection the peer closed.
type connReader struct{ c *conn }

func (r connReader) Read(p []byte) (int, error) {
	n, err := r.c.Conn.Read(p)
	if n > 0 {
		r.c.got = true
	}
	return n, err
}

// connWriter notes whether any byte of a request reached the connection:
// only a request that never did may be sent again whatever its method.
type connWriter struct{ c *conn }

func (w connWriter) Write(p []byte) (int, error) {
	n, err := w.c.Conn.Write(p)
	if n > 0 {
		w.c.sent = true
	}
	return n, err
}

// body hands its connection back to the pool once read to the end, and
// closes it if abandoned early: the rest of the response would still be on
// the wire.
type body struct {
	rc       io.ReadCloser
	c        *conn
	t        *H1Transport
	hp       *hostPool
	ctx      context.Context
	stop     func() bool
	deadline bool
	keep     bool
	done     bool
	err      error // what ended the body: io.EOF, or the failure
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(true)
		b.err = io.EOF
	case err != nil:
		b.finish(false)
		err = ctxErr(b.ctx, b.deadline, err)
		b.err = err
	}
	return n, err
}

func (b *body) Close() error {
	if !b.done {
		b.finish(false)
		b.err = errBodyClosed
	}
	return nil
}

var errBodyClosed = errors.New("read on a closed response body")

func (b *body) finish(complete bool) {
	b.done = true
	reuse := complete && b.keep
	if b.stop != nil && !b.stop() {
		// The cancellation ran: its deadline in the past is set.
		reuse = false
	}
	if !reuse {
		b.c.Close()
		return
	}
	if b.deadline {
		b.c.SetDeadline(time.Time{})
	}
	b.t.put(b.hp, b.c)
}

// CloseIdleConnections closes every pooled connection.
func (t *H1Transport) CloseIdleConnections() {
	t.hosts.Range(func(_, v any) bool {
		t.drop(v.(*hostPool))
		return true
	})
	t.Fallback.CloseIdleConnections()
}

// ctxErr says why an exchange failed when its context is the reason: the
// connection's deadline, the context's own, can fire a moment before the
// context's timer marks it done.
func ctxErr(ctx context.Context, deadline bool, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if deadline && errors.Is(err, os.ErrDeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}
