// Package dial is the only package that opens connections to backends, for
// the data plane and the health checker alike. Callers first map a modeled
// address to a real one with network.RealAddress; the Dialer then refuses, as a
// last guard, any address in the ranges gatehouse models (10/8, 172.16/12,
// 192.168/16), so a modeled address that slipped through unmapped fails
// loudly instead of reaching a machine on the user's real network. It also
// refuses what no backend is: link-local addresses (169.254/16, where cloud
// instance metadata answers, and fe80::/10), IPv6 unique-local ones
// (fc00::/7, the IPv6 private range), the unspecified address (0.0.0.0 and
// ::, which reach this host by a back door) and multicast and broadcast.
// Loopback (127/8 and ::1 alike) stays dialable: backends on the user's own
// machine are what gatehouse serves. It reads no model and imports nothing
// of gatehouse but network.
package dial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"gatehouse/internal/network"
)

// ErrRefused is wrapped by every refusal, so callers can tell a guard trip
// from a network failure.
var ErrRefused = errors.New("address is not a backend address")

// ErrPrivate is wrapped, besides ErrRefused, by the refusal of an address
// in a modeled private range.
var ErrPrivate = errors.New("address is in a modeled private range")

// Dialer opens TCP connections to real backends, never to a modeled private
// address. The zero value is ready to use.
type Dialer struct {
	// Timeout bounds connection set-up on top of the context (0: none).
	Timeout time.Duration
	// KeepAlive is the TCP keep-alive period (0: the system default).
	KeepAlive time.Duration

	// connect replaces the real dial in tests, to prove that a refused
	// address never gets as far as a connection attempt.
	connect func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a Dialer with timeouts suited to a gateway's backends.
func New() *Dialer {
	return &Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
}

// DialContext connects to addr (host:port). An IP literal in a private range
// is refused before any socket exists. A host name is resolved first and
// every address it yields is checked just before connect, because a name can
// point anywhere.
func (d *Dialer) DialContext(ctx context.Context, netw, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if len(host) > len(".localhost") && strings.EqualFold(host[len(host)-len(".localhost"):], ".localhost") {
		// Names under localhost are loopback (RFC 6761), as browsers and
		// curl resolve them, where system resolvers often do not: an
		// integration may name an API's invoke host, {id}.execute-api.localhost.
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := check(ip, addr); err != nil {
			return nil, err
		}
	}
	if d.connect != nil {
		return d.connect(ctx, netw, addr)
	}
	nd := net.Dialer{Timeout: d.Timeout, KeepAlive: d.KeepAlive, ControlContext: guard}
	return nd.DialContext(ctx, netw, addr)
}

// guard runs after name resolution and before connect(2), on the exact
// address about to be tried.
func guard(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	return check(ap.Addr(), address)
}

// check refuses an address no backend may have; addr names it in the error.
func check(ip netip.Addr, addr string) error {
	ip = ip.Unmap().WithZone("")
	switch {
	case network.IsPrivate(ip):
		return fmt.Errorf("dial %s: refused: %w: %w", addr, ErrRefused, ErrPrivate)
	case ip.IsLoopback():
		return nil
	case ip.IsUnspecified():
		return fmt.Errorf("dial %s: refused: %w: the unspecified address", addr, ErrRefused)
	case ip.IsLinkLocalUnicast():
		return fmt.Errorf("dial %s: refused: %w: a link-local address (instance metadata lives there)", addr, ErrRefused)
	case ip.IsMulticast() || ip == broadcast:
		return fmt.Errorf("dial %s: refused: %w: a multicast or broadcast address", addr, ErrRefused)
	case ip.Is6() && ip.IsPrivate():
		return fmt.Errorf("dial %s: refused: %w: an IPv6 unique-local address", addr, ErrRefused)
	}
	return nil
}

var broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// NewTransport returns a pooled HTTP transport over New().
func NewTransport() *http.Transport { return New().Transport() }

// Transport returns a pooled HTTP transport whose every connection comes
// from d. Keep-alives stay on, because a gateway sends many requests to few
// backends and a handshake per request would dominate. Proxies from the
// environment are ignored: a backend reached through HTTP_PROXY would no
// longer be the address the model resolved. Bodies pass through as sent
// (no transparent gzip), as a proxy must.
func (d *Dialer) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}
