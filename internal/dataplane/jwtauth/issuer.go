package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"gatehouse/internal/clock"
	"gatehouse/internal/dial"
	"gatehouse/internal/network"
)

// How long keys are kept and how often they may be fetched. AWS caches an
// issuer's keys for up to an hour and fetches them again when a token names
// a key it has not seen.
const (
	// MaxAge is the age past which an issuer's keys are fetched again, in
	// the background: the request that notices goes on with the keys held.
	MaxAge = time.Hour
	// RefreshInterval bounds the fetches of one issuer's keys: at most one
	// starts in any RefreshInterval, so tokens naming unknown keys (a
	// rotation, or garbage) cannot make gatehouse hammer the issuer, and a
	// failed fetch is not retried by every request that follows it.
	RefreshInterval = time.Minute
	// fetchTimeout bounds each fetch, of the discovery document and of the
	// key set: AWS's HTTP API quotas give each endpoint 1,500 ms.
	fetchTimeout = 1500 * time.Millisecond
	// MaxKeySet is the largest key set AWS takes from a jwks_uri (its
	// HTTP API quotas: 150,000 bytes); a larger one fails the fetch.
	MaxKeySet = 150000
	// maxDocument bounds what is read of the discovery document, for which
	// AWS documents no size.
	maxDocument = 1 << 20
)

// Issuers are the issuers the data plane's JWT authorizers trust, one
// entry per issuer URL, kept across compiles so that a change to an API
// does not drop the keys it fetched.
type Issuers struct {
	Clock clock.Clock
	Log   *slog.Logger
	// Client fetches discovery documents and key sets; nil: a client that
	// reaches every issuer on this machine (see LoopbackClient).
	Client *http.Client
	// Fetched, when set, is told of each fetch once it ends; tests wait on
	// it instead of sleeping.
	Fetched func(issuer string, err error)

	once   sync.Once
	mu     sync.Mutex
	byURL  map[string]*Issuer
	client *http.Client
}

// Issuer is the issuer at url, made on first use.
func (is *Issuers) Issuer(url string) *Issuer {
	is.once.Do(func() {
		is.client = is.Client
		if is.client == nil {
			is.client = LoopbackClient()
		}
	})
	is.mu.Lock()
	defer is.mu.Unlock()
	iss := is.byURL[url]
	if iss == nil {
		if is.byURL == nil {
			is.byURL = map[string]*Issuer{}
		}
		iss = &Issuer{url: url, is: is}
		is.byURL[url] = iss
	}
	return iss
}

// Warm fetches the keys of the issuer at url in the background, unless a
// fetch of them was ever started: the data plane calls it for the issuers
// of each API it compiles, so a new authorizer's first request finds its
// keys held, or joins the fetch, as AWS reads an issuer's keys when an
// authorizer is created.
func (is *Issuers) Warm(url string) {
	iss := is.Issuer(url)
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.fetching != nil || !iss.tried.IsZero() {
		return
	}
	go iss.run(iss.start(is.Clock.Now()))
}

// LoopbackClient fetches over real sockets to this machine only: an
// issuer's host is taken as a name in the modeled network, so an address
// in a private range is mapped by the network's address rule, and a name
// (cognito-idp.us-east-1.amazonaws.com, a load balancer's) is served on
// 127.0.0.1 at the same port. TLS is still verified against the URL's
// host name.
func LoopbackClient() *http.Client {
	d := dial.New()
	t := d.Transport()
	t.DialContext = func(ctx context.Context, netw, addr string) (net.Conn, error) {
		return d.DialContext(ctx, netw, realAddress(addr))
	}
	return &http.Client{Transport: t, Timeout: fetchTimeout,
		// A redirect could lead away from the issuer; AWS follows none
		// either, as far as is known.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// realAddress is where a fetch for addr (host:port) connects.
func realAddress(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.IsLoopback() {
			return addr
		}
		p, _ := strconv.Atoi(port)
		real, _ := network.RealAddress(nil, nil, ip, p)
		return real
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return addr // loopback already, as the dialer resolves it
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// Issuer holds one issuer's signing keys. Reading them takes no lock; the
// lock guards fetching alone.
type Issuer struct {
	url  string
	is   *Issuers
	keys atomic.Pointer[keySet]
	// retry is when the next fetch may start (UnixNano), read without the
	// lock so that a request holding old keys after a failed refresh does
	// not take it on every call.
	retry atomic.Int64

	mu sync.Mutex
	// fetching is closed when the fetch under way ends; nil when none is.
	fetching chan struct{}
	// tried is when the last fetch started; failed is why it failed.
	tried  time.Time
	failed error
}

type keySet struct {
	byID map[string]*jose.JSONWebKey
	at   time.Time
}

// errNoKey is a token naming a key the issuer does not publish.
var errNoKey = errors.New("no key with the token's key id")

// key is the issuer's key kid. Held keys answer at once; a key not held
// fetches the set on the request path, unless a fetch started less than
// RefreshInterval ago; keys older than MaxAge are fetched again in the
// background.
func (iss *Issuer) key(kid string) (*jose.JSONWebKey, error) {
	now := iss.is.Clock.Now()
	if ks := iss.keys.Load(); ks != nil {
		if k := ks.byID[kid]; k != nil {
			if now.Sub(ks.at) >= MaxAge {
				iss.refresh(now)
			}
			return k, nil
		}
	}
	if err := iss.fetchNow(now); err != nil {
		return nil, err
	}
	if ks := iss.keys.Load(); ks != nil {
		if k := ks.byID[kid]; k != nil {
			return k, nil
		}
	}
	return nil, errNoKey
}

// fetchNow fetches the keys and waits for them, joining a fetch under way
// rather than starting another. Within RefreshInterval of the last fetch
// it fetches nothing and reports how that one ended.
func (iss *Issuer) fetchNow(now time.Time) error {
	iss.mu.Lock()
	if ch := iss.fetching; ch != nil {
		iss.mu.Unlock()
		<-ch
		iss.mu.Lock()
		defer iss.mu.Unlock()
		return iss.failed
	}
	if !iss.tried.IsZero() && now.Sub(iss.tried) < RefreshInterval {
		defer iss.mu.Unlock()
		return iss.failed
	}
	ch := iss.start(now)
	iss.mu.Unlock()
	iss.run(ch)
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.failed
}

// refresh fetches the keys in the background, unless a fetch is under way
// or started within RefreshInterval.
func (iss *Issuer) refresh(now time.Time) {
	if now.UnixNano() < iss.retry.Load() {
		return
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.fetching != nil || now.Sub(iss.tried) < RefreshInterval {
		return
	}
	go iss.run(iss.start(now))
}

// start marks a fetch begun; the caller holds mu.
func (iss *Issuer) start(now time.Time) chan struct{} {
	ch := make(chan struct{})
	iss.fetching, iss.tried = ch, now
	iss.retry.Store(now.Add(RefreshInterval).UnixNano())
	return ch
}

// run fetches, records the outcome and ends the fetch ch stands for. A
// failure keeps the keys held: a rotation that fails halfway leaves the
// old keys working.
func (iss *Issuer) run(ch chan struct{}) {
	ks, err := iss.fetch()
	iss.mu.Lock()
	if err == nil {
		iss.keys.Store(ks)
	}
	iss.failed = err
	iss.fetching = nil
	iss.mu.Unlock()
	close(ch)
	if err != nil && iss.is.Log != nil {
		iss.is.Log.Warn("jwt authorizer: fetching the issuer's keys failed", "issuer", iss.url, "err", err)
	}
	if iss.is.Fetched != nil {
		iss.is.Fetched(iss.url, err)
	}
}

// fetch reads the issuer's OpenID discovery document and the key set its
// jwks_uri names.
func (iss *Issuer) fetch() (*keySet, error) {
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	discovery := strings.TrimSuffix(iss.url, "/") + "/.well-known/openid-configuration"
	if err := iss.get(discovery, maxDocument, &doc); err != nil {
		return nil, err
	}
	if doc.JWKSURI == "" {
		return nil, fmt.Errorf("%s names no jwks_uri", discovery)
	}
	var set jose.JSONWebKeySet
	if err := iss.get(doc.JWKSURI, MaxKeySet, &set); err != nil {
		return nil, err
	}
	ks := &keySet{byID: map[string]*jose.JSONWebKey{}, at: iss.is.Clock.Now()}
	for i := range set.Keys {
		k := &set.Keys[i]
		if k.Use != "" && k.Use != "sig" || !k.IsPublic() || !k.Valid() {
			continue // encryption keys and anything that is not a public key
		}
		ks.byID[k.KeyID] = k
	}
	return ks, nil
}

// get reads the JSON document at url, within fetchTimeout and max bytes.
func (iss *Issuer) get(url string, max int64, into any) error {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := iss.is.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(body)) > max {
		return fmt.Errorf("GET %s: the document is larger than %d bytes", url, max)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
