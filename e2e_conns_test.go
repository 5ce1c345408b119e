package gatehouse_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse"
)

// TestIdleConnectionsGiveWayToNewClients holds more idle keep-alive
// connections than the connection cap allows: the longest-idle ones are
// closed as new ones arrive, so a new client's management call is answered
// at once, while a connection with a request in flight is never closed.
func TestIdleConnectionsGiveWayToNewClients(t *testing.T) {
	const maxConns = 20
	p := newPubNet(t, func(c *gatehouse.Config) { c.MaxConns = maxConns })
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "done")
	}))
	t.Cleanup(slow.Close)
	apiID := p.httpAPI("held", slow.URL+"/x", 30000, "GET /held")
	p.sync()
	// Deadlines only keep a broken server from hanging the test; a loaded
	// machine must not fail it, so they are generous.
	deadline := time.Now().Add(30 * time.Second)

	// The oldest connection carries a request that stays in flight.
	held, err := net.Dial("tcp", p.srv.Addr().String())
	p.must(err)
	defer held.Close()
	held.SetDeadline(deadline)
	_, err = io.WriteString(held, "GET /held HTTP/1.1\r\nHost: "+apiID+".execute-api.localhost\r\n\r\n")
	p.must(err)
	<-entered

	mgmt := "GET /v2/apis HTTP/1.1\r\nHost: " + p.srv.Addr().String() + "\r\n\r\n"
	call := func(c net.Conn, r *bufio.Reader) int {
		t.Helper()
		_, err := io.WriteString(c, mgmt)
		p.must(err)
		resp, err := http.ReadResponse(r, nil)
		p.must(err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// As many idle keep-alive connections as the cap, each after one call.
	conns := make([]net.Conn, maxConns)
	readers := make([]*bufio.Reader, maxConns)
	for i := range conns {
		c, err := net.Dial("tcp", p.srv.Addr().String())
		p.must(err)
		defer c.Close()
		c.SetDeadline(deadline)
		conns[i], readers[i] = c, bufio.NewReader(c)
		if code := call(c, readers[i]); code != 200 {
			t.Fatalf("idle connection %d: %d", i, code)
		}
	}
	// A new client gets in at once.
	c, err := net.Dial("tcp", p.srv.Addr().String())
	p.must(err)
	defer c.Close()
	c.SetDeadline(deadline)
	if code := call(c, bufio.NewReader(c)); code != 200 {
		t.Fatalf("new client: %d", code)
	}

	// The cap holds the in-flight connection, the new client and the rest
	// idle: the oldest idle one was closed. How many of this test's own
	// connections go besides depends on the keep-alive connections the
	// setup's SDK clients left open, which count against the cap too and
	// are older still, so only the oldest is asserted.
	for i := range 1 {
		conns[i].SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := readers[i].ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
			t.Errorf("idle connection %d, among the oldest, still open: %v", i, err)
		}
	}
	// The newest idle connection still serves.
	if code := call(conns[maxConns-1], readers[maxConns-1]); code != 200 {
		t.Errorf("newest idle connection: %d", code)
	}
	// The request in flight completes.
	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(held), nil)
	p.must(err)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "done" {
		t.Errorf("request in flight: %d %q", resp.StatusCode, body)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}
