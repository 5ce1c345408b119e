package gatehouse

import (
	"net"
	"net/http"
	"sync"
)

// connCap bounds the client connections open at once. A client that keeps
// many connections alive and idle would otherwise hold every descriptor
// the process may open, shutting new clients out until the idle timeout;
// past the cap, each new connection closes the one idle the longest, so a
// new client always gets in. A connection with a request in flight is
// never closed.
//
// It is fed by http.Server.ConnState, which fires per request on a
// kept-alive connection (StateActive, then StateIdle), so each event is
// O(1): a map lookup and an intrusive list of idle connections, oldest
// first.
type connCap struct {
	max int

	mu      sync.Mutex
	conns   map[net.Conn]*trackedConn
	open    int // connections accepted and not yet closed
	closing int // of them, closed here but not yet reported closed
	// head is the connection idle the longest, tail the latest to go idle.
	head, tail *trackedConn
}

type trackedConn struct {
	c          net.Conn
	prev, next *trackedConn
	idle       bool
	closing    bool
}

func newConnCap(max int) *connCap {
	return &connCap{max: max, conns: map[net.Conn]*trackedConn{}}
}

// state is the http.Server's ConnState hook.
func (k *connCap) state(c net.Conn, s http.ConnState) {
	var evict []net.Conn
	k.mu.Lock()
	switch s {
	case http.StateNew:
		k.conns[c] = &trackedConn{c: c}
		k.open++
		// Closing takes effect when the connection's goroutine sees it,
		// so connections already being closed count as gone.
		for k.open-k.closing > k.max && k.head != nil {
			t := k.head
			k.unlink(t)
			t.closing = true
			k.closing++
			evict = append(evict, t.c)
		}
	case http.StateIdle:
		if t := k.conns[c]; t != nil && !t.closing && !t.idle {
			t.idle = true
			t.prev = k.tail
			if k.tail != nil {
				k.tail.next = t
			} else {
				k.head = t
			}
			k.tail = t
		}
	case http.StateActive:
		if t := k.conns[c]; t != nil && t.idle {
			k.unlink(t)
		}
	case http.StateClosed, http.StateHijacked:
		if t := k.conns[c]; t != nil {
			if t.idle {
				k.unlink(t)
			}
			if t.closing {
				k.closing--
			}
			k.open--
			delete(k.conns, c)
		}
	}
	k.mu.Unlock()
	for _, c := range evict {
		c.Close()
	}
}

// unlink takes t off the idle list.
func (k *connCap) unlink(t *trackedConn) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		k.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		k.tail = t.prev
	}
	t.prev, t.next, t.idle = nil, nil, false
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
