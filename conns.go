package gatehouse

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// connCap bounds the client connections open at once. A client that keeps
// many connections alive and idle would otherwise hold every descriptor
// the process may open, shutting new clients out until the idle timeout;
// past the cap, each new connection closes the one idle the longest, so a
// new client always gets in. A connection with a request in flight is
// never closed.
//
// It is fed by http.Server.ConnState, which fires per request on a
// kept-alive connection (StateActive, then StateIdle): those two events
// take no lock, only a lookup in a sync.Map (read-mostly, as connections
// come and go far less often than requests) and an atomic store of when
// the connection went idle. The lock is taken as connections open and
// close, and the idle connections are searched only past the cap.
type connCap struct {
	max int
	// idleSeq orders connections by when they went idle: a connection
	// with a smaller mark has been idle longer.
	idleSeq atomic.Uint64
	conns   sync.Map // net.Conn -> *trackedConn

	mu      sync.Mutex
	open    int // connections accepted and not yet closed
	closing int // of them, closed here but not yet reported closed
}

type trackedConn struct {
	c net.Conn
	// idle is when the connection last went idle (an idleSeq mark), 0
	// while a request is in flight, and 0 for good once it is chosen to
	// be closed (closing).
	idle    atomic.Uint64
	closing bool // guarded by connCap.mu
}

func newConnCap(max int) *connCap {
	return &connCap{max: max}
}

// state is the http.Server's ConnState hook.
func (k *connCap) state(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateIdle:
		if t, ok := k.conns.Load(c); ok {
			t.(*trackedConn).idle.Store(k.idleSeq.Add(1))
		}
	case http.StateActive:
		if t, ok := k.conns.Load(c); ok {
			t.(*trackedConn).idle.Store(0)
		}
	case http.StateNew:
		k.conns.Store(c, &trackedConn{c: c})
		k.mu.Lock()
		k.open++
		var evict []net.Conn
		// Closing takes effect when the connection's goroutine sees it,
		// so connections already being closed count as gone.
		for k.open-k.closing > k.max {
			t := k.longestIdle()
			if t == nil {
				break
			}
			t.closing = true
			k.closing++
			evict = append(evict, t.c)
		}
		k.mu.Unlock()
		for _, c := range evict {
			c.Close()
		}
	case http.StateClosed, http.StateHijacked:
		if t, ok := k.conns.LoadAndDelete(c); ok {
			k.mu.Lock()
			if t.(*trackedConn).closing {
				k.closing--
			}
			k.open--
			k.mu.Unlock()
		}
	}
}

// longestIdle takes the connection idle the longest off the idle ones,
// nil when none is idle; k.mu is held. A connection whose request starts
// as it is chosen keeps its request: the swap to 0 fails and the search
// goes on.
func (k *connCap) longestIdle() *trackedConn {
	for {
		var oldest *trackedConn
		var mark uint64
		k.conns.Range(func(_, v any) bool {
			t := v.(*trackedConn)
			if m := t.idle.Load(); m != 0 && !t.closing && (oldest == nil || m < mark) {
				oldest, mark = t, m
			}
			return true
		})
		if oldest == nil || oldest.idle.CompareAndSwap(mark, 0) {
			return oldest
		}
	}
}

// connReserve is how many descriptors the derived cap leaves for what is
// not a client connection: backend connections, the store, the listener,
// health checks. A request through the data plane holds a backend
// connection besides its client's, so an eighth of the limit, and at least
// 32, is kept back.
func connReserve(limit int) int {
	return max(limit/8, 32)
}

// maxConns is the cap on client connections: n when positive, else the
// descriptor limit less connReserve; zero means no cap (no limit known,
// or negative n).
func maxConns(n int) int {
	if n != 0 {
		return max(n, 0)
	}
	limit := fileLimit()
	if limit <= 0 {
		return 0
	}
	if r := connReserve(limit); limit > 2*r {
		return limit - r
	}
	return limit / 2
}
