package dial

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// backend is an httptest server that counts the connections it accepts.
func backend(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func get(t *testing.T, tr http.RoundTripper, ctx context.Context, method, url, body string) (*http.Response, string, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

func TestH1ReusesConnectionsAndRelaysBodies(t *testing.T) {
	srv, conns := backend(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length: chunked
		}
		io.WriteString(w, r.URL.RequestURI()+" "+string(b))
	})
	tr := New().H1Transport()
	defer tr.CloseIdleConnections()
	for i, c := range []struct{ method, path, body, want string }{
		{"GET", "/a?x=1", "", "/a?x=1 "},
		{"POST", "/b", "payload", "/b payload"},
		{"GET", "/chunked", "", "/chunked "},
		{"PUT", "/c", strings.Repeat("x", 60<<10), "/c " + strings.Repeat("x", 60<<10)},
	} {
		resp, got, err := get(t, tr, context.Background(), c.method, srv.URL+c.path, c.body)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if got != c.want || resp.Header.Get("X-Method") != c.method {
			t.Fatalf("%d: got %q (%s), want %q", i, got[:min(len(got), 40)], resp.Header.Get("X-Method"), c.want[:min(len(c.want), 40)])
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 4 sequential requests, want 1", n)
	}
}

func TestH1ConnectionCloseAndAbandonedBodiesAreNotReused(t *testing.T) {
	srv, conns := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, strings.Repeat("y", 64<<10))
	})
	tr := New().H1Transport()
	defer tr.CloseIdleConnections()
	if _, _, err := get(t, tr, context.Background(), "GET", srv.URL+"/close", ""); err != nil {
		t.Fatal(err)
	}
	// Abandon a body half read: its connection must be closed, not pooled
	// with the rest of the response still on it.
	req, _ := http.NewRequest("GET", srv.URL+"/big", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, 10))
	resp.Body.Close()
	if _, got, err := get(t, tr, context.Background(), "GET", srv.URL+"/next", ""); err != nil || len(got) != 64<<10 {
		t.Fatalf("next request: %d bytes, %v", len(got), err)
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3 (none of the first two reusable)", n)
	}
}

func TestH1ReplacesIdleConnectionsTheBackendClosed(t *testing.T) {
	srv, conns := backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	tr := New().H1Transport()
	tr.CheckAfter = 0 // as if the connection had been idle long enough to check
	defer tr.CloseIdleConnections()
	if _, _, err := get(t, tr, context.Background(), "GET", srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	// Not only GET: the dead connection is found before anything is sent,
	// so a POST is safe too.
	if _, got, err := get(t, tr, context.Background(), "POST", srv.URL, "body"); err != nil || got != "ok" {
		t.Fatalf("after the backend closed idle connections: %q, %v", got, err)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

// oneShot accepts connections that each answer one request with keep-alive
// and then close without answering the next: the race in which a backend
// drops an idle connection just as a request is sent on it.
func oneShot(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				http.ReadRequest(br) // read the next and hang up on it
			}()
		}
	}()
	return "http://" + ln.Addr().String(), &conns
}

func TestH1RetriesOnlyWhatCannotRunTwice(t *testing.T) {
	url, conns := oneShot(t)
	tr := New().H1Transport()
	defer tr.CloseIdleConnections()
	if _, _, err := get(t, tr, context.Background(), "GET", url, ""); err != nil {
		t.Fatal(err)
	}
	if _, got, err := get(t, tr, context.Background(), "GET", url, ""); err != nil || got != "ok" {
		t.Fatalf("GET on a connection closed under it: %q, %v; want a retry on a new one", got, err)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	// The backend may have acted on a POST it read before hanging up.
	if _, _, err := get(t, tr, context.Background(), "POST", url, "pay"); err == nil {
		t.Fatal("a POST was sent twice")
	}
}

func TestH1DeadlineAndCancellationInterruptTheExchange(t *testing.T) {
	release := make(chan struct{})
	srv, _ := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "12345")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	tr := New().H1Transport()
	defer tr.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := get(t, tr, ctx, "GET", srv.URL+"/head", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung backend: %v, want context.DeadlineExceeded", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/body", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := resp.Body.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("body read after cancel: %v, want context.Canceled", err)
	}
	resp.Body.Close()
}

func TestH1SkipsInformationalResponses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")
	}()
	resp, got, err := get(t, New().H1Transport(), context.Background(), "GET", "http://"+ln.Addr().String(), "")
	if err != nil || resp.StatusCode != 201 || got != "done" {
		t.Fatalf("got %v %q, %v; want 201 done", resp, got, err)
	}
}

func TestH1RefusesPrivateAddresses(t *testing.T) {
	d, attempts := counting()
	_, _, err := get(t, d.H1Transport(), context.Background(), "GET", "http://10.0.1.15:8080/", "")
	if !errors.Is(err, ErrPrivate) || attempts.Load() != 0 {
		t.Fatalf("err %v after %d attempts, want ErrPrivate before any", err, attempts.Load())
	}
}

func TestH1HandsTLSToTheFallback(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls") }))
	defer srv.Close()
	tr := New().H1Transport()
	tr.Fallback = srv.Client().Transport.(*http.Transport)
	if _, got, err := get(t, tr, context.Background(), "GET", srv.URL, ""); err != nil || got != "tls" {
		t.Fatalf("https: %q, %v", got, err)
	}
}

// A backend may answer without reading the body, and close: the caller gets
// that answer, for small bodies (sent here) and large ones (sent by
// net/http's Transport, which writes and reads at once).
func TestH1EarlyAnswersReachTheCaller(t *testing.T) {
	srv, _ := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	})
	tr := New().H1Transport()
	defer tr.CloseIdleConnections()
	for _, size := range []int{10 << 10, 8 << 20} {
		resp, _, err := get(t, tr, context.Background(), "POST", srv.URL, strings.Repeat("z", size))
		if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d-byte body: %v, %v; want the backend's 413", size, resp, err)
		}
	}
}

// A backend that closes all its connections at once (a restart) must not
// fail the requests that follow: a GET meeting a closed pooled connection
// goes again on a new one, and a POST, which cannot go twice, checks the
// connection before using it.
func TestH1SurvivesABackendClosingItsPool(t *testing.T) {
	release := make(chan struct{})
	var arrived atomic.Int32
	srv, _ := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" && arrived.Add(1) <= 8 {
			<-release // hold 8 requests at once: 8 pooled connections
		}
		io.WriteString(w, "ok")
	})
	tr := New().H1Transport()
	defer tr.CloseIdleConnections()
	done := make(chan error)
	for range 8 {
		go func() {
			_, _, err := get(t, tr, context.Background(), "GET", srv.URL+"/hold", "")
			done <- err
		}()
	}
	for arrived.Load() < 8 {
		runtime.Gosched()
	}
	close(release)
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	srv.CloseClientConnections()
	for _, method := range []string{"POST", "GET", "POST", "GET"} {
		body := ""
		if method == "POST" {
			body = "data"
		}
		if _, got, err := get(t, tr, context.Background(), method, srv.URL, body); err != nil || got != "ok" {
			t.Fatalf("%s after the backend closed its connections: %q, %v", method, got, err)
		}
	}
}

// Idle connections do not outlive IdleTimeout, and an address no longer
// used keeps no pool.
func TestH1SweepsIdleConnectionsAndPools(t *testing.T) {
	closed := make(chan struct{}, 8)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	tr := New().H1Transport()
	var sweeps []func()
	tr.after = func(_ time.Duration, f func()) { sweeps = append(sweeps, f) }
	if _, _, err := get(t, tr, context.Background(), "GET", srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	if len(sweeps) != 1 {
		t.Fatalf("%d sweeps scheduled, want 1", len(sweeps))
	}
	tr.IdleTimeout = 0 // the sweep finds the connection expired
	sweeps[0]()
	<-closed
	n := 0
	tr.hosts.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Fatalf("%d pools left after the sweep closed their last connection", n)
	}
}

func TestH1BoundsInformationalResponses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 6)+"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	}()
	if _, _, err := get(t, New().H1Transport(), context.Background(), "GET", "http://"+ln.Addr().String(), ""); err == nil {
		t.Fatal("six 1xx answers before the real one were accepted")
	}
}
