package dial

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// counting returns a Dialer whose real connect is replaced by one that counts
// attempts and then dials for real.
func counting() (*Dialer, *atomic.Int32) {
	var n atomic.Int32
	d := New()
	d.connect = func(ctx context.Context, netw, addr string) (net.Conn, error) {
		n.Add(1)
		var nd net.Dialer
		return nd.DialContext(ctx, netw, addr)
	}
	return d, &n
}

func TestPrivateLiteralsAreRefusedBeforeAnyAttempt(t *testing.T) {
	d, attempts := counting()
	for _, addr := range []string{
		"10.0.1.15:8080",
		"10.255.255.255:1",
		"172.16.0.1:80",
		"172.31.255.254:443",
		"192.168.1.10:80",
		"[::ffff:10.0.1.15]:8080", // IPv4-mapped must not slip past
	} {
		conn, err := d.DialContext(context.Background(), "tcp", addr)
		if conn != nil {
			conn.Close()
		}
		if !errors.Is(err, ErrPrivate) {
			t.Errorf("DialContext(%s) error = %v, want ErrPrivate", addr, err)
		}
	}
	if n := attempts.Load(); n != 0 {
		t.Fatalf("%d connection attempts for refused addresses", n)
	}
}

func TestPublicAndLoopbackAreDialled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d, attempts := counting()
	conn, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if attempts.Load() != 1 {
		t.Fatalf("attempts = %d, want 1", attempts.Load())
	}
	// Just outside the private blocks: the guard must not over-reach.
	for _, addr := range []string{"172.15.255.255:80", "172.32.0.1:80", "192.169.0.1:80", "11.0.0.1:80"} {
		if err := guard(context.Background(), "tcp4", addr, nil); err != nil {
			t.Errorf("guard(%s) = %v, want nil", addr, err)
		}
	}
}

// A host name can resolve to a private address; the guard that net.Dialer
// calls between resolution and connect catches it.
func TestGuardChecksResolvedAddresses(t *testing.T) {
	for _, addr := range []string{"10.0.1.15:80", "172.20.0.3:8080", "192.168.0.1:443", "[::ffff:192.168.0.1]:443"} {
		if err := guard(context.Background(), "tcp", addr, nil); !errors.Is(err, ErrPrivate) {
			t.Errorf("guard(%s) = %v, want ErrPrivate", addr, err)
		}
	}
	if err := guard(context.Background(), "tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("guard(loopback) = %v", err)
	}
	// The real dial path (no test hook) runs the guard: a name that resolves
	// to loopback still connects.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	conn, err := New().DialContext(context.Background(), "tcp4", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("dial localhost: %v", err)
	}
	conn.Close()
	// Names under localhost are loopback whatever the system resolver says.
	conn, err = New().DialContext(context.Background(), "tcp", net.JoinHostPort("abc.execute-api.LOCALHOST", port))
	if err != nil {
		t.Fatalf("dial a name under localhost: %v", err)
	}
	conn.Close()
}

// Addresses that are no backend's: instance metadata and the rest of
// link-local, the unspecified address (which reaches this host), multicast,
// broadcast, IPv6 unique-local. Each is refused before any attempt, as a
// literal and as the address a name resolved to. Loopback, IPv4 and IPv6,
// is a backend on the user's machine and is dialled.
func TestNonBackendAddressesAreRefused(t *testing.T) {
	d, attempts := counting()
	for _, addr := range []string{
		"169.254.169.254:80", "[::ffff:169.254.169.254]:80", "169.254.0.1:8080", "[fe80::1]:80", "[fe80::1%25lo]:80",
		"0.0.0.0:4566", "[::]:4566", "[::ffff:0.0.0.0]:80",
		"224.0.0.1:80", "239.255.255.250:1900", "[ff02::1]:80", "255.255.255.255:80",
		"[fd00::1]:80", "[fc00::1]:80",
	} {
		conn, err := d.DialContext(context.Background(), "tcp", addr)
		if conn != nil {
			conn.Close()
		}
		if !errors.Is(err, ErrRefused) || errors.Is(err, ErrPrivate) {
			t.Errorf("DialContext(%s) error = %v, want ErrRefused only", addr, err)
		}
		if ap, perr := netip.ParseAddrPort(strings.Replace(addr, "%25", "%", 1)); perr == nil {
			if err := guard(context.Background(), "tcp", ap.String(), nil); !errors.Is(err, ErrRefused) {
				t.Errorf("guard(%s) = %v, want ErrRefused", ap, err)
			}
		}
	}
	if n := attempts.Load(); n != 0 {
		t.Fatalf("%d connection attempts for refused addresses", n)
	}
	if err := guard(context.Background(), "tcp", "10.0.0.1:80", nil); !errors.Is(err, ErrRefused) || !errors.Is(err, ErrPrivate) {
		t.Errorf("a modeled private address: %v, want ErrRefused and ErrPrivate", err)
	}
	for _, addr := range []string{"127.0.0.1:80", "127.1.2.3:80", "[::1]:80", "[::ffff:127.0.0.1]:80", "8.8.8.8:53", "[2001:db8::1]:80", "100.64.0.1:80"} {
		if err := guard(context.Background(), "tcp", addr, nil); err != nil {
			t.Errorf("guard(%s) = %v, want nil", addr, err)
		}
	}
	// [::1] is loopback: dialled like 127.0.0.1.
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here:", err)
	}
	defer ln.Close()
	conn, err := New().DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial %s: %v", ln.Addr(), err)
	}
	conn.Close()
}

func TestTransport(t *testing.T) {
	d, attempts := counting()
	tr := d.Transport()
	defer tr.CloseIdleConnections()
	if NewTransport().Proxy != nil || tr.Proxy != nil {
		t.Error("transport takes proxies from somewhere; backends must be dialled directly")
	}
	if !tr.DisableCompression || tr.DisableKeepAlives || tr.MaxIdleConnsPerHost < 16 {
		t.Errorf("pooling: compression off %v, keep-alives off %v, idle per host %d",
			tr.DisableCompression, tr.DisableKeepAlives, tr.MaxIdleConnsPerHost)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	client := &http.Client{Transport: tr}
	for range 3 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("three requests opened %d connections; keep-alive should reuse one", n)
	}
	_, err := client.Get("http://10.0.1.15:8080/")
	if !errors.Is(err, ErrPrivate) {
		t.Errorf("GET to a modeled address: %v, want ErrPrivate", err)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("a refused request made a connection attempt (%d total)", n)
	}
}
