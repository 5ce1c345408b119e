package gatehouse

import (
	"net"
	"net/http"
	"testing"
)

// TestConnCapClosesTheLongestIdle drives the ConnState hook directly: past
// the cap, a new connection closes the connection idle the longest, skips
// one whose request is in flight, and counts one being closed as gone.
func TestConnCapClosesTheLongestIdle(t *testing.T) {
	k := newConnCap(3)
	conns := make([]*fakeConn, 5)
	for i := range conns {
		conns[i] = &fakeConn{}
	}
	for _, c := range conns[:3] {
		k.state(c, http.StateNew)
		k.state(c, http.StateActive)
		k.state(c, http.StateIdle)
	}
	// conns[0] is busy again; conns[1] is now the longest idle.
	k.state(conns[0], http.StateActive)
	k.state(conns[3], http.StateNew)
	if conns[0].closed || !conns[1].closed || conns[2].closed {
		t.Fatalf("after the 4th: closed %v %v %v, want only the 2nd", conns[0].closed, conns[1].closed, conns[2].closed)
	}
	// conns[1] has not reported closed yet: it counts as gone, so the 5th
	// closes only conns[2].
	k.state(conns[4], http.StateNew)
	if conns[0].closed || !conns[2].closed || conns[3].closed {
		t.Fatalf("after the 5th: closed %v %v %v", conns[0].closed, conns[2].closed, conns[3].closed)
	}
	k.state(conns[1], http.StateClosed)
	k.state(conns[2], http.StateClosed)
	tracked, idle := 0, 0
	k.conns.Range(func(_, v any) bool {
		tracked++
		if v.(*trackedConn).idle.Load() != 0 {
			idle++
		}
		return true
	})
	if k.open != 3 || k.closing != 0 || idle != 0 || tracked != 3 {
		t.Errorf("open %d, closing %d, idle %d, tracked %d", k.open, k.closing, idle, tracked)
	}
	// Nothing idle: a connection past the cap is let in, none is closed.
	extra := &fakeConn{}
	k.state(extra, http.StateNew)
	if conns[0].closed || conns[3].closed || conns[4].closed || extra.closed {
		t.Error("a connection not idle was closed")
	}
}

func TestMaxConnsDerivedFromTheDescriptorLimit(t *testing.T) {
	if got := maxConns(20); got != 20 {
		t.Errorf("maxConns(20) = %d", got)
	}
	if got := maxConns(-1); got != 0 {
		t.Errorf("maxConns(-1) = %d, want no cap", got)
	}
	if limit := fileLimit(); limit > 0 {
		if got := maxConns(0); got <= 0 || got >= limit {
			t.Errorf("maxConns(0) = %d with a limit of %d", got, limit)
		}
	}
	if r := connReserve(1024); 1024-r < 800 {
		t.Errorf("a 1,024 limit reserves %d", r)
	}
}

type fakeConn struct {
	net.Conn
	closed bool
}

func (c *fakeConn) Close() error { c.closed = true; return nil }
