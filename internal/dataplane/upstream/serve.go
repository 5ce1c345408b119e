package upstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// Fault says why a balancer could not carry a request, for the integration
// to answer as AWS does.
type Fault int

const (
	// Refused: nothing listens (no listener on the port, or the target's
	// process is down); the peer answers at once with a reset.
	Refused Fault = iota + 1
	// Dropped: a security group dropped the packets; the caller waits out
	// its own timeout.
	Dropped
	// TimedOut: the target accepted but did not answer in time.
	TimedOut
)

// Error is a failure to carry a request, with its Fault.
type Error struct {
	Fault Fault
	Hop   string // which hop failed, for logs and explain
	Err   error
}

func (e *Error) Error() string { return e.Hop + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Forwarder carries requests through compiled balancers to real targets.
type Forwarder struct {
	// Transport dials targets' real addresses (dial.Transport).
	Transport http.RoundTripper
	// Clock times what the modeled network makes a request wait for: a
	// dropped hop, an ALB's connect attempt.
	Clock clock.Clock
	// Guard, when set, counts the requests held by a dropped hop.
	Guard *Guard
	// Functions runs the functions registered in lambda target groups.
	Functions invoke.Invoker
	// Log receives a line for each request an ALB answers itself because
	// its lambda target failed, with AWS's reason code (nil: none).
	Log *slog.Logger
}

// Hop identifies where a request enters a balancer: the listener port and
// the node (index into Balancer.Nodes) it reaches.
type Hop struct {
	Port int
	Node int
	// Client is the address the balancer sees as the request's source.
	Client netip.Addr
	// Flow identifies the connection for an NLB's flow hash. API Gateway
	// reaches a balancer from a fleet of connections, so callers pass a new
	// value per request; zero derives it from the client's address.
	Flow uint64
}

// RoundTrip sends req through balancer b. For an ALB it returns the target's
// response, or the ALB's own (fixed responses, redirects, 502/503/504 pages);
// for an NLB, the target's response or an *Error: an NLB writes nothing of
// its own.
//
// req must be an outgoing request built for this call alone: RoundTrip
// rewrites its URL, RequestURI and headers in place rather than cloning, since
// a clone per hop was a large share of the data plane's allocations.
func (f *Forwarder) RoundTrip(req *http.Request, b *Balancer, hop Hop) (*http.Response, *Target, error) {
	l := b.Listeners[hop.Port]
	if l == nil {
		return nil, nil, &Error{Fault: Refused, Hop: b.Name, Err: errors.New("no listener on port " + strconv.Itoa(hop.Port))}
	}
	if b.Type == "network" {
		return f.network(req, b, l, hop)
	}
	return f.application(req, b, l, hop)
}

func (f *Forwarder) application(req *http.Request, b *Balancer, l *Listener, hop Hop) (*http.Response, *Target, error) {
	rule := l.Route(req, hop.Client)
	switch rule.Action.Type {
	case "fixed-response":
		a := rule.Action.Fixed
		code, _ := strconv.Atoi(a.StatusCode)
		return synthesize(req, code, a.ContentType, a.MessageBody, nil), nil, nil
	case "redirect":
		code := 301
		if rule.Action.Redirect.StatusCode == "HTTP_302" {
			code = 302
		}
		h := http.Header{"Location": {redirectURL(req, rule.Action.Redirect, l)}}
		return synthesize(req, code, "", "", h), nil, nil
	}
	pool := rule.Action.choosePool()
	if pool == nil || len(pool.Targets) == 0 {
		return albPage(req, http.StatusServiceUnavailable), nil, nil
	}
	node, zone := pool.zoneFor(b, hop.Node)
	t := pool.Pick(node, zone)
	if t == nil {
		// Cross-zone load balancing off and no target in this node's zone.
		return albPage(req, http.StatusServiceUnavailable), nil, nil
	}
	if pool.Lambda {
		return f.lambda(req, b, pool, t, hop, l)
	}
	if !t.allowedFrom(node) {
		// The packets are dropped: the ALB's connect attempt times out,
		// unless the caller gives up first.
		if err := f.HoldDropped(req.Context(), b.Name+" -> "+t.ID, ConnectTimeout); err != nil {
			return nil, t, err
		}
		return albPage(req, http.StatusGatewayTimeout), t, nil
	}
	req.URL.Scheme, req.URL.Host = "http", t.Real
	if pool.Protocol == "HTTPS" {
		req.URL.Scheme = "https"
	}
	req.RequestURI = ""
	addForwarded(req, hop.Client, l)
	t.inflight.Add(1)
	resp, err := f.Transport.RoundTrip(req)
	t.inflight.Add(-1)
	if err != nil {
		if req.Context().Err() != nil || errors.Is(err, context.DeadlineExceeded) || DeadlinePassed(req.Context()) {
			// The caller gave up first (an integration timeout): it is gone
			// before the ALB would write its own page, and answers for its
			// own deadline. (The transport may report the deadline a moment
			// before the context's own timer marks it done, and a connect
			// cut short by it says only "i/o timeout".)
			return nil, t, &Error{Fault: TimedOut, Hop: b.Name + " -> " + t.ID, Err: err}
		}
		if timeout(err) {
			return albPage(req, http.StatusGatewayTimeout), t, nil
		}
		return albPage(req, http.StatusBadGateway), t, nil
	}
	return resp, t, nil
}

// network passes the request through to a target picked by flow hash. The
// target sees the NLB node's address unless client IPs are preserved.
func (f *Forwarder) network(req *http.Request, b *Balancer, l *Listener, hop Hop) (*http.Response, *Target, error) {
	pool := l.Rules[len(l.Rules)-1].Action.choosePool()
	if pool == nil || len(pool.Targets) == 0 {
		return nil, nil, &Error{Fault: Refused, Hop: b.Name, Err: errors.New("no targets registered")}
	}
	flow := hop.Flow
	if flow == 0 {
		flow = fnv64(hop.Client.String(), req.RemoteAddr)
	}
	node, zone := pool.zoneFor(b, hop.Node)
	t := pool.PickFlow(flow, zone)
	if t == nil {
		return nil, nil, &Error{Fault: Refused, Hop: b.Name, Err: errors.New("no targets in " + zone + " and cross-zone load balancing is off")}
	}
	if !t.allowedFrom(node) {
		return nil, t, f.HoldDropped(req.Context(), b.Name+" -> "+t.ID, 0)
	}
	if t.ALB != nil {
		// An ALB as the NLB's target: the request enters the ALB's node in
		// the same position, from the NLB's node unless client IPs are kept.
		node := node % max(1, len(t.ALB.Nodes))
		return f.RoundTrip(req, t.ALB, Hop{Port: t.Port, Node: node, Client: hop.Client})
	}
	req.URL.Scheme, req.URL.Host = "http", t.Real
	if pool.Protocol == "TLS" {
		req.URL.Scheme = "https"
	}
	req.RequestURI = ""
	t.inflight.Add(1)
	resp, err := f.Transport.RoundTrip(req)
	t.inflight.Add(-1)
	if err != nil {
		fault := Refused
		if timeout(err) {
			fault = TimedOut
		}
		return nil, t, &Error{Fault: fault, Hop: b.Name + " -> " + t.ID, Err: err}
	}
	return resp, t, nil
}

// HoldDropped holds a request whose packets a security group dropped on
// hop, as an unanswered SYN holds its sender: until the caller's deadline
// or, when limit is above zero and comes first, until limit has passed.
// The wait is the modeled network's, not a socket's, so it runs on the
// forwarder's clock (a test ends it exactly by advancing a fake one); the
// caller's context ends it too, at its deadline or when the caller goes
// away. It returns a Dropped *Error when the caller's side ended the wait,
// nil when limit did. The forwarder's guard counts the request. A nil
// Forwarder waits on the wall clock.
func (f *Forwarder) HoldDropped(ctx context.Context, hop string, limit time.Duration) error {
	d, byDeadline := limit, false
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); limit <= 0 || left <= limit {
			d, byDeadline = left, true
		}
	}
	var done chan struct{} // nil without a timer: the context alone decides
	if d > 0 {
		var clk clock.Clock = clock.Real{}
		if f != nil && f.Clock != nil {
			clk = f.Clock
		}
		done = make(chan struct{})
		defer clk.AfterFunc(d, func() { close(done) }).Stop()
	}
	// Counted once its timer is set, so that whoever sees the count can
	// move the clock past it.
	if f != nil && f.Guard != nil {
		f.Guard.Dropped.Add(1)
	}
	if byDeadline && d <= 0 {
		return &Error{Fault: Dropped, Hop: hop, Err: context.DeadlineExceeded}
	}
	select {
	case <-done:
		if !byDeadline {
			return nil
		}
		return &Error{Fault: Dropped, Hop: hop, Err: context.DeadlineExceeded}
	case <-ctx.Done():
		return &Error{Fault: Dropped, Hop: hop, Err: ctx.Err()}
	}
}

// DeadlinePassed reports whether ctx's deadline has passed, even if its
// timer has not yet marked it done: a socket given the same deadline can
// fail with a bare "i/o timeout" a moment before. Such a failure is the
// caller's timeout.
func DeadlinePassed(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

func timeout(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, syscall.ECONNREFUSED)
}

// Route returns the first rule whose conditions all hold; the default rule
// matches everything.
func (l *Listener) Route(r *http.Request, client netip.Addr) *Rule {
	for i := range l.Rules {
		rule := &l.Rules[i]
		ok := true
		for j := range rule.conds {
			if !rule.conds[j].match(r, client) {
				ok = false
				break
			}
		}
		if ok {
			return rule
		}
	}
	return &l.Rules[len(l.Rules)-1]
}

// choosePool picks a target group by weight.
func (a *Action) choosePool() *Pool {
	switch len(a.Groups) {
	case 0:
		return nil
	case 1:
		return a.Groups[0].Pool
	}
	n := rand.IntN(a.total)
	for _, g := range a.Groups {
		if n < g.Weight {
			return g.Pool
		}
		n -= g.Weight
	}
	return a.Groups[len(a.Groups)-1].Pool
}

// maxCandidates bounds the stack buffer used to filter healthy targets.
const maxCandidates = 64

// Pick chooses a target with the pool's policy among the healthy ones in
// zone ("" for every zone). When none is healthy the balancer fails open
// and uses them all, as AWS documents. It returns nil when zone has no
// target at all.
func (p *Pool) Pick(node int, zone string) *Target {
	var buf [maxCandidates]*Target
	c := p.candidates(buf[:0], zone)
	if len(c) == 0 {
		return nil
	}
	return p.policy.pick(p, c)
}

// PickFlow chooses a healthy target in zone by flow hash (NLB), failing
// open too.
func (p *Pool) PickFlow(hash uint64, zone string) *Target {
	var buf [maxCandidates]*Target
	c := p.candidates(buf[:0], zone)
	if len(c) == 0 {
		return nil
	}
	return flowHash(c, hash)
}

func (p *Pool) candidates(buf []*Target, zone string) []*Target {
	for _, t := range p.Targets {
		if t.inZone(zone) && p.health != nil && p.health.Healthy(p.ARN, t.ID, t.Port) {
			buf = append(buf, t)
		}
	}
	if len(buf) > 0 {
		return buf
	}
	if zone == "" {
		return p.Targets
	}
	for _, t := range p.Targets {
		if t.inZone(zone) {
			buf = append(buf, t)
		}
	}
	return buf
}

// inZone reports whether a node in zone may send to t. A target outside
// any zone (an ALB behind an NLB, an address outside the VPC registered
// with zone "all") takes traffic from every node.
func (t *Target) inZone(zone string) bool {
	return zone == "" || t.Zone == "" || t.Zone == "all" || t.Zone == zone
}

// zoneFor returns the node that carries a request which reached node, and
// the zone its target must be in ("" for any). With cross-zone load
// balancing on, any target. With it off, a node sends only to targets in
// its own zone; and since DNS leaves out the address of a node whose zone
// has no healthy target, callers reach a node in a healthy zone instead.
// When no zone has a healthy target AWS puts every node back in DNS;
// gatehouse then picks among the nodes whose zone has a target at all, so
// that a balancer whose targets are all still in their first health checks
// is not made to fail half its requests at a zone with none.
func (p *Pool) zoneFor(b *Balancer, node int) (int, string) {
	if p.CrossZone || len(b.Nodes) == 0 {
		return node, ""
	}
	node %= len(b.Nodes)
	for _, healthy := range [2]bool{true, false} {
		for i := range b.Nodes {
			n := (node + i) % len(b.Nodes)
			if p.serves(b.Nodes[n].Zone, healthy) {
				return n, b.Nodes[n].Zone
			}
		}
	}
	return node, b.Nodes[node].Zone
}

// serves reports whether zone has a target (a healthy one, if healthy).
func (p *Pool) serves(zone string, healthy bool) bool {
	for _, t := range p.Targets {
		if t.inZone(zone) && (!healthy || p.health != nil && p.health.Healthy(p.ARN, t.ID, t.Port)) {
			return true
		}
	}
	return false
}

// Reach is what a request entering b at node meets in p, worked out as
// RoundTrip does: the node that carries it (DNS steers callers away from a
// zone without a healthy target when cross-zone load balancing is off),
// the targets it picks among, and whether the balancer failed open to
// them because none is healthy. explain walks this, so it follows only the
// hops that carry traffic. It allocates; the request path does not use it.
func (p *Pool) Reach(b *Balancer, node int) (carrier int, targets []*Target, failedOpen bool) {
	carrier, zone := p.zoneFor(b, node)
	targets = append([]*Target(nil), p.candidates(make([]*Target, 0, len(p.Targets)), zone)...)
	failedOpen = len(targets) > 0
	for _, t := range targets {
		if p.health != nil && p.health.Healthy(p.ARN, t.ID, t.Port) {
			failedOpen = false
			break
		}
	}
	return carrier, targets, failedOpen
}

// VerdictFrom is the verdict of the hop from b's node to t, the one RoundTrip
// checks before it dials; ok is false when t has none (no groups between
// them were evaluated).
func (t *Target) VerdictFrom(node int) (v network.Verdict, ok bool) {
	if len(t.Hops) == 0 {
		return v, false
	}
	return t.Hops[node%len(t.Hops)], true
}

// allowedFrom reports whether the security groups let traffic from the
// balancer's node reach this target.
func (t *Target) allowedFrom(node int) bool {
	if len(t.Hops) == 0 {
		return true
	}
	return t.Hops[node%len(t.Hops)].Allowed
}

// addForwarded sets the headers an ALB adds toward targets. The keys are
// canonical already, so the map is written directly, and the three values
// share one backing array: this runs on every request through an ALB.
func addForwarded(r *http.Request, client netip.Addr, l *Listener) {
	f := l.forwarded
	if f[0] == "" {
		f = [2]string{strings.ToLower(l.Protocol), strconv.Itoa(l.Port)}
	}
	vals := make([]string, 3)
	vals[1], vals[2] = f[0], f[1]
	if client.IsValid() {
		vals[0] = client.String()
		if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
			vals[0] = prior + ", " + vals[0]
		}
		r.Header["X-Forwarded-For"] = vals[0:1:1]
	}
	r.Header["X-Forwarded-Proto"] = vals[1:2:2]
	r.Header["X-Forwarded-Port"] = vals[2:3:3]
}

// redirectURL expands a redirect action's #{protocol}, #{host}, #{port},
// #{path} and #{query} with the request's values.
func redirectURL(r *http.Request, rd *model.Redirect, l *Listener) string {
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	proto := strings.ToLower(l.Protocol)
	rep := strings.NewReplacer("#{protocol}", proto, "#{host}", host, "#{port}", strconv.Itoa(l.Port),
		"#{path}", strings.TrimPrefix(r.URL.Path, "/"), "#{query}", r.URL.RawQuery)
	scheme := strings.ToLower(rep.Replace(rd.Protocol))
	port := rep.Replace(rd.Port)
	u := scheme + "://" + rep.Replace(rd.Host)
	if !(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		u += ":" + port
	}
	u += rep.Replace(rd.Path)
	if q := rep.Replace(rd.Query); q != "" {
		u += "?" + q
	}
	return u
}

// albPage is the ALB's own error page for a status.
func albPage(req *http.Request, code int) *http.Response {
	text := strconv.Itoa(code) + " " + albStatusText[code]
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n</body>\r\n</html>\r\n"
	return synthesize(req, code, "text/html", body, http.Header{"Server": {"awselb/2.0"}})
}

var albStatusText = map[int]string{
	400: "Bad Request",
	413: "Request Entity Too Large",
	502: "Bad Gateway",
	503: "Service Temporarily Unavailable",
	504: "Gateway Time-out",
}

func synthesize(req *http.Request, code int, contentType, body string, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		StatusCode:    code,
		Status:        strconv.Itoa(code) + " " + http.StatusText(code),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
