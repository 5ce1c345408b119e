package upstream_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/dial"
)

// restartable is a loopback backend that can be stopped and started again on
// the same port, as a real process restart would. While stopped, its port
// resets every connection and stays taken, so that no backend of another
// test running at the same time takes it.
type restartable struct {
	name    string
	port    int
	srv     *httptest.Server
	stopped net.Listener
}

func newRestartable(t *testing.T, name string) *restartable {
	b := &restartable{name: name}
	b.start(t, "127.0.0.1:0")
	_, p, _ := strings.Cut(b.srv.Listener.Addr().String(), ":")
	b.port, _ = strconv.Atoi(p)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *restartable) start(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, b.name)
	}))
	b.srv.Listener.Close()
	b.srv.Listener = ln
	b.srv.Start()
}

func (b *restartable) stop(t *testing.T) {
	b.srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(b.port))
	if err != nil {
		t.Fatal(err)
	}
	b.stopped = ln
	refuse(t, ln)
}

func (b *restartable) restart(t *testing.T) {
	b.stopped.Close()
	b.start(t, "127.0.0.1:"+strconv.Itoa(b.port))
}

// TestTrafficFollowsHealth: targets receive traffic once healthy, stop
// receiving it when their process dies, and get it back when it returns.
func TestTrafficFollowsHealth(t *testing.T) {
	f := newFixture(t)
	a, b := newRestartable(t, "a"), newRestartable(t, "b")
	tg := f.targetGroup(t, "app", a.port, b.port)
	arn := f.alb(t, "alb", tg)
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}
	health := f.srv.TargetHealth()
	spread := func() map[string]int {
		t.Helper()
		balancer := f.compileWith(t, health)[arn]
		seen := map[string]int{}
		for i := 0; i < 20; i++ {
			_, body := get(t, fw, balancer, "/", nil)
			seen[body]++
		}
		return seen
	}

	const interval = 30 * time.Second // AWS's default; five passes make a target healthy
	for i := 0; i < 5; i++ {
		f.srv.Advance(interval)
	}
	if !health.Healthy(*tg, "10.0.1.10", a.port) || !health.Healthy(*tg, "10.0.1.11", b.port) {
		t.Fatal("targets not healthy after five passing checks")
	}
	if s := spread(); s["a"] != 10 || s["b"] != 10 {
		t.Fatalf("healthy targets share %v, want 10 each", s)
	}

	a.stop(t)
	for i := 0; i < 2; i++ { // unhealthy threshold 2
		f.srv.Advance(interval)
	}
	if health.Healthy(*tg, "10.0.1.10", a.port) {
		t.Fatal("stopped target still healthy after interval x threshold")
	}
	if s := spread(); s["b"] != 20 {
		t.Fatalf("traffic went to a dead target: %v", s)
	}

	a.restart(t)
	for i := 0; i < 5; i++ {
		f.srv.Advance(interval)
	}
	if s := spread(); s["a"] != 10 || s["b"] != 10 {
		t.Fatalf("restarted target did not get its share back: %v", s)
	}
}
