package gatehouse_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// TestIdleConnectionsGiveWayToNewClients holds as many connections as the
// connection cap allows, one with a request in flight and the rest idle
// keep-alive ones, then opens more: each new connection closes the one
// idle the longest, so a new client's management call is answered at
// once, the connections idle for less time keep serving, and the one
// with a request in flight is never closed.
//
// The test waits for the server to take each connection as idle before
// it opens the next, so the order the cap sees is the test's own: a
// client reads its answer before the server marks the connection idle,
// and on a loaded machine that mark can come after the next connection's.
func TestIdleConnectionsGiveWayToNewClients(t *testing.T) {
	const maxConns = 20
	w := newConnWatch(t)
	p := newPubNet(t, func(c *gatehouse.Config) {
		c.MaxConns = maxConns
		gatehouse.WatchConns(c, w.observe)
	})
	// The setup's calls go through a transport of the test's own, whose
	// connections are closed before the test opens its own, so that the
	// cap counts the test's connections alone.
	setup := &http.Transport{}
	cfg := p.srv.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: setup}
	p.gw2 = apigatewayv2.NewFromConfig(cfg)

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
	setup.CloseIdleConnections()
	w.wait("the setup's connections to close", func(open map[string]http.ConnState) bool { return len(open) == 0 })

	// Deadlines only keep a broken server from hanging the test; a loaded
	// machine must not fail it, so they are generous.
	deadline := time.Now().Add(30 * time.Second)
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", p.srv.Addr().String())
		p.must(err)
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(deadline)
		return c
	}

	// The oldest connection carries a request that stays in flight.
	held := dial()
	_, err := io.WriteString(held, "GET /held HTTP/1.1\r\nHost: "+apiID+".execute-api.localhost\r\n\r\n")
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
	// The rest of the cap in idle keep-alive connections, each after one
	// call, in order: the last of them puts the cap one over, and closes
	// the first.
	conns := make([]net.Conn, maxConns)
	readers := make([]*bufio.Reader, maxConns)
	for i := range conns {
		c := dial()
		conns[i], readers[i] = c, bufio.NewReader(c)
		if code := call(c, readers[i]); code != 200 {
			t.Fatalf("idle connection %d: %d", i, code)
		}
		addr := c.LocalAddr().String()
		w.wait(fmt.Sprintf("the server to take connection %d as idle", i), func(open map[string]http.ConnState) bool {
			return open[addr] == http.StateIdle
		})
	}
	// A new client gets in at once, closing the second.
	c := dial()
	if code := call(c, bufio.NewReader(c)); code != 200 {
		t.Fatalf("new client: %d", code)
	}

	// The two idle the longest were closed; every other still serves.
	for i := range 2 {
		if _, err := readers[i].ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
			t.Errorf("idle connection %d, among the two oldest, still open: %v", i, err)
		}
	}
	for i := 2; i < maxConns; i++ {
		if code := call(conns[i], readers[i]); code != 200 {
			t.Errorf("idle connection %d: %d", i, code)
		}
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

// connWatch follows the server's client connections through
// gatehouse.WatchConns: each open one's latest state, by client address.
type connWatch struct {
	t       *testing.T
	mu      sync.Mutex
	open    map[string]http.ConnState
	changed chan struct{}
}

func newConnWatch(t *testing.T) *connWatch {
	return &connWatch{t: t, open: map[string]http.ConnState{}, changed: make(chan struct{}, 1)}
}

func (w *connWatch) observe(c net.Conn, s http.ConnState) {
	w.mu.Lock()
	if s == http.StateClosed || s == http.StateHijacked {
		delete(w.open, c.RemoteAddr().String())
	} else {
		w.open[c.RemoteAddr().String()] = s
	}
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// wait returns once done holds of the open connections. Its deadline only
// keeps a broken server from hanging the test.
func (w *connWatch) wait(what string, done func(open map[string]http.ConnState) bool) {
	w.t.Helper()
	guard := time.NewTimer(30 * time.Second)
	defer guard.Stop()
	for {
		w.mu.Lock()
		ok := done(w.open)
		w.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-w.changed:
		case <-guard.C:
			w.t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// Functions' own listener counts against gatehouse's connection cap: its
// idle connections give way to new clients of gatehouse's own port, as the
// port's own idle connections do.
func TestFunctionsListenerSharesTheConnectionCap(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.MaxConns = 2 })
	call := func(addr string) (net.Conn, *bufio.Reader) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second)) // a watchdog
		if _, err := io.WriteString(c, "GET /2015-03-31/functions HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return c, r
	}
	fn := strings.TrimPrefix(srv.FunctionsURL(), "http://")
	first, r := call(fn)
	call(fn)
	// New clients of gatehouse's port, kept open: past the cap, the
	// longest idle connection, the functions' first, is closed.
	for range 3 {
		call(srv.Addr().String())
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("the functions' idle connection is still open: %v", err)
	}
	first.Close()
}
