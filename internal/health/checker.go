package health

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/controller"
	"gatehouse/internal/dial"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// ErrStopped is returned by waits on a stopped Checker.
var ErrStopped = errors.New("health: checker stopped")

// Config configures a Checker.
type Config struct {
	Store store.Store
	// Load reads the model; nil means model.Load(Store). The server passes
	// one shared model.Loader so a commit is decoded once for every
	// controller.
	Load func() (*model.Snapshot, error)
	// Clock schedules rounds. Deadlines on the probes' sockets are real time
	// whatever the clock: a fake clock cannot make a real socket wait.
	Clock clock.Clock
	// Dialer opens every probe connection (default dial.New()).
	Dialer *dial.Dialer
	// Log receives one line per change of a target's state.
	Log *slog.Logger
	// Parallel bounds the probes one round runs at once (default 64).
	Parallel int
	// ThroughALB carries the check of an ALB that is an NLB's target into
	// that ALB, as the data plane carries a request: through its rules, to
	// its targets (healthy ones first, failing open), past their security
	// groups. An ALB whose own targets cannot answer fails the NLB's check,
	// as on AWS. Nil: such a check passes while the ALB has a listener on
	// the check port.
	ThroughALB func(albARN string, port int, req *http.Request) (*http.Response, error)
	// InvokeLambda runs the check of a lambda group's function: it invokes
	// the function with ELB's check event for req and returns its answer
	// as a response, or an error when the invocation failed. Nil: such
	// checks fail.
	InvokeLambda func(tgARN string, req *http.Request) (*http.Response, error)
}

// Checker probes the targets of every target group in use and keeps the
// Table current. It follows the store: each change recompiles the plan, so
// new targets are checked from the group's next round and removed ones drop
// out of the Table.
//
// Each group runs its own chain of rounds on the clock: a round probes all
// of the group's targets, records the results, then schedules the next one
// interval later. With clocktest.Fake, Advance runs due rounds to completion
// before it returns; Sync tells a test when the checker has seen its changes.
type Checker struct {
	loop     *controller.Loop
	clk      clock.Clock
	dialer   *dial.Dialer
	client   *http.Client
	tr       *http.Transport
	alb      func(albARN string, port int, req *http.Request) (*http.Response, error)
	lambda   func(tgARN string, req *http.Request) (*http.Response, error)
	log      *slog.Logger
	parallel int
	table    Table

	mu      sync.Mutex
	groups  map[string]*group // by target group ARN
	stopped bool
	rounds  sync.WaitGroup // rounds in flight; Add only under mu while !stopped

	completed atomic.Uint64 // rounds finished, all groups together
	finished  controller.Beacon
}

// group is one target group's chain of rounds.
type group struct {
	plan atomic.Pointer[groupPlan]
	// Guarded by Checker.mu.
	timer clock.Timer
	every time.Duration
	gone  bool
}

// NewChecker returns a checker; call Start to begin.
func NewChecker(cfg Config) *Checker {
	if cfg.Dialer == nil {
		cfg.Dialer = dial.New()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 64
	}
	tr := cfg.Dialer.Transport()
	// Each check opens its own connection, as ELB's do: a pooled one would
	// hide a listener that has gone away.
	tr.DisableKeepAlives = true
	// ELB does not validate target certificates, so HTTPS checks of a
	// self-signed backend pass on AWS and must pass here.
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	return &Checker{
		// The loop's context ends with Stop, cutting in-flight probes short.
		loop: controller.New(controller.Config{
			Store: cfg.Store, Load: cfg.Load, Name: "health", Log: cfg.Log, Stopped: ErrStopped,
			Kinds: planKinds,
		}),
		clk:    cfg.Clock,
		dialer: cfg.Dialer,
		tr:     tr,
		client: &http.Client{
			Transport: tr,
			// A redirect is an answer: its code goes to the matcher.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		alb:      cfg.ThroughALB,
		lambda:   cfg.InvokeLambda,
		log:      cfg.Log,
		parallel: cfg.Parallel,
		groups:   map[string]*group{},
	}
}

// Table is the health the checker maintains.
func (c *Checker) Table() *Table { return &c.table }

// Start begins following the store. The watch is registered before Start
// returns, so no commit after it goes unseen.
func (c *Checker) Start() { c.loop.Start(c.reconcile) }

// Stop ends all rounds and waits for the probes in flight, which it cuts
// short. Call it before closing the store.
func (c *Checker) Stop() {
	c.mu.Lock()
	c.stopped = true
	for _, g := range c.groups {
		g.timer.Stop()
	}
	c.mu.Unlock()
	c.loop.Stop()
	c.rounds.Wait()
	c.tr.CloseIdleConnections()
}

// Sync waits until the checker has compiled a plan from the store's state
// as of the call, so that the next interval's rounds check what was written
// before it.
func (c *Checker) Sync(ctx context.Context) error { return c.loop.Sync(ctx) }

// Rounds is the number of rounds completed so far, by all groups.
func (c *Checker) Rounds() uint64 { return c.completed.Load() }

// WaitRounds waits until at least n rounds have completed. With a real
// clock it is how a caller learns that a round has run.
func (c *Checker) WaitRounds(ctx context.Context, n uint64) error {
	return c.loop.Await(ctx, &c.finished, func() bool { return c.completed.Load() >= n })
}

// reconcile compiles a plan from snap and puts it in force.
func (c *Checker) reconcile(snap *model.Snapshot) {
	plans := compile(snap)
	var keys []Key
	for _, p := range plans {
		for i := range p.targets {
			keys = append(keys, p.targets[i].key)
		}
	}
	entries := c.table.resize(keys)
	for _, p := range plans {
		for i := range p.targets {
			p.targets[i].entry = entries[p.targets[i].key]
		}
	}

	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	live := make(map[string]bool, len(plans))
	for _, p := range plans {
		live[p.arn] = true
		g := c.groups[p.arn]
		if g == nil {
			g = &group{}
			c.groups[p.arn] = g
			g.plan.Store(p)
			c.schedule(g, p.interval)
			continue
		}
		g.plan.Store(p)
		// A round in flight (Stop reports false) reschedules itself with the
		// new interval when it ends.
		if g.every != p.interval && g.timer.Stop() {
			c.schedule(g, p.interval)
		}
	}
	for arn, g := range c.groups {
		if !live[arn] {
			g.gone = true
			g.timer.Stop()
			delete(c.groups, arn)
		}
	}
	c.mu.Unlock()
}

// schedule sets g's next round; c.mu must be held.
func (c *Checker) schedule(g *group, every time.Duration) {
	g.every = every
	g.timer = c.clk.AfterFunc(every, func() { c.round(g) })
}

// round probes every target of g once, records the results, and schedules
// the next round.
func (c *Checker) round(g *group) {
	c.mu.Lock()
	if c.stopped || g.gone {
		c.mu.Unlock()
		return
	}
	c.rounds.Add(1)
	c.mu.Unlock()
	defer c.rounds.Done()

	p := g.plan.Load()
	sem := make(chan struct{}, c.parallel)
	var wg sync.WaitGroup
	for i := range p.targets {
		t := &p.targets[i]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			failure, why := c.probe(p, t)
			if c.loop.Context().Err() != nil {
				return // stopping: the result says nothing about the target
			}
			if before, after := t.entry.record(failure, p.healthy, p.unhealthy); after != before {
				c.log.Info("target health", "target_group", p.arn, "target", t.key.TargetID, "port", t.key.Port,
					"state", after.State, "reason", after.Reason, "why", why, "real", t.real, "rule", t.rule)
			}
		}()
	}
	wg.Wait()

	c.completed.Add(1)
	c.finished.Fire()

	c.mu.Lock()
	if !c.stopped && !g.gone {
		c.schedule(g, g.plan.Load().interval)
	}
	c.mu.Unlock()
}

// probe runs one check and returns the status to show if the target turns
// (or stays) unhealthy, nil for a pass, and why, for the log.
func (c *Checker) probe(p *groupPlan, t *targetPlan) (*Status, string) {
	switch {
	case t.blocked != "":
		// Security groups drop packets silently; the check can only time
		// out. Waiting out the timeout would change nothing but the clock.
		return statusTimeout, t.blocked
	case t.alb && !t.listening:
		return statusFailed, "the ALB has no listener on the check port"
	case t.alb && (c.alb == nil || p.protocol == "TCP"):
		return nil, "the ALB listens on the check port"
	case t.alb && !t.modeled.IsValid():
		return statusFailed, "the ALB has no node interfaces"
	case t.lambda && c.lambda == nil:
		return statusFailed, "no Lambda engine runs"
	}
	ctx, cancel := context.WithTimeout(c.loop.Context(), p.timeout)
	defer cancel()
	if t.lambda {
		return c.invoke(ctx, p, t)
	}
	if p.protocol == "TCP" {
		conn, err := c.dialer.DialContext(ctx, "tcp", t.real)
		if err != nil {
			return failureOf(err), err.Error()
		}
		conn.Close()
		return nil, "connected"
	}
	scheme := "http://"
	if p.protocol == "HTTPS" {
		scheme = "https://"
	}
	// The request goes to the target's real address; one into an ALB is
	// addressed to the ALB's node, and the ALB picks the real target.
	host := t.real
	if t.alb {
		host = t.modeled.String()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+host+p.path, nil)
	if err != nil {
		return statusFailed, err.Error()
	}
	// The target sees what ELB sends: its modeled address as Host.
	req.Host = t.modeled.String()
	req.Header.Set("User-Agent", "ELB-HealthChecker/2.0")
	do := c.client.Do
	if t.alb {
		do = func(req *http.Request) (*http.Response, error) {
			return c.alb(t.key.TargetID, int(t.modeled.Port()), req)
		}
	}
	resp, err := do(req)
	if err != nil {
		return failureOf(err), err.Error()
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if !p.matcher.Match(resp.StatusCode) {
		return codeMismatch(resp.StatusCode), resp.Status
	}
	return nil, resp.Status
}

// invoke checks a function: ELB's check event is a GET of the check path
// carrying only its user agent.
func (c *Checker) invoke(ctx context.Context, p *groupPlan, t *targetPlan) (*Status, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://lambda"+p.path, nil)
	if err != nil {
		return statusFailed, err.Error()
	}
	req.Host = ""
	req.Header.Set("User-Agent", "ELB-HealthChecker/2.0")
	resp, err := c.lambda(t.key.TargetGroupARN, req)
	if err != nil {
		return failureOf(err), err.Error()
	}
	resp.Body.Close()
	if !p.matcher.Match(resp.StatusCode) {
		return codeMismatch(resp.StatusCode), resp.Status
	}
	return nil, resp.Status
}

// failureOf sorts a failed connection or request into AWS's two reasons: it
// took too long, or something answered wrongly (refused, reset, malformed).
func failureOf(err error) *Status {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return statusTimeout
	}
	return statusFailed
}
