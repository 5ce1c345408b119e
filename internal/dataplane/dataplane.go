package dataplane

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"gatehouse/internal/clock"
	"gatehouse/internal/dataplane/httpapi"
	"gatehouse/internal/dataplane/restapi"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/usage"
)

// Config wires the data plane. Load, Watch and Revision come from the store;
// the data plane sees them as functions so that it depends on the model only.
type Config struct {
	Load      func() (*model.Snapshot, error)
	Watch     func() (<-chan uint64, func())
	Revision  func() uint64
	Clock     clock.Clock
	Health    upstream.Health
	Links     *usage.Links
	Transport http.RoundTripper
	Log       *slog.Logger
	// MaxInflight bounds the integration requests in flight at once
	// (0: no bound).
	MaxInflight int
}

// Snapshot is everything the request path reads, compiled at one revision.
type Snapshot struct {
	Revision  uint64
	HTTPAPIs  map[string]*httpapi.API
	RestAPIs  map[string]*restapi.API
	Balancers map[model.Scope]map[string]*upstream.Balancer
}

// Plane serves invoke URLs.
type Plane struct {
	cfg  Config
	snap atomic.Pointer[Snapshot]
	reg  upstream.Registry
	// buckets are the throttles of HTTP API stages and routes and of REST
	// API stages and methods, kept across compiles.
	buckets throttle.Registry
	env     httpapi.Env
	rest    restapi.Env
	guard   upstream.Guard

	mu       sync.Mutex
	compiled chan struct{} // closed at each compile, then replaced
	stop     chan struct{}
	done     chan struct{}
}

// New returns a plane with an empty snapshot; Start begins compiling.
func New(cfg Config) *Plane {
	p := &Plane{cfg: cfg, compiled: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	p.snap.Store(&Snapshot{HTTPAPIs: map[string]*httpapi.API{}, RestAPIs: map[string]*restapi.API{}})
	p.guard.MaxInflight = int64(cfg.MaxInflight)
	p.env = httpapi.Env{
		Forwarder: &upstream.Forwarder{Transport: cfg.Transport, Clock: cfg.Clock},
		Transport: cfg.Transport,
		Links:     cfg.Links,
		Clock:     cfg.Clock,
		Log:       cfg.Log,
		Guard:     &p.guard,
	}
	p.rest = restapi.Env{Forwarder: p.env.Forwarder, Transport: cfg.Transport, Links: cfg.Links, Now: cfg.Clock.Now, Log: cfg.Log,
		Guard: &p.guard}
	return p
}

// Start compiles the current model and then recompiles on every change;
// bursts of changes coalesce into one compile.
func (p *Plane) Start() {
	changes, cancel := p.cfg.Watch()
	p.compile()
	go func() {
		defer close(p.done)
		defer cancel()
		for {
			select {
			case <-p.stop:
				return
			case <-changes:
				p.compile()
			}
		}
	}()
}

// Stop ends compiling; serving goes on from the last snapshot.
func (p *Plane) Stop() {
	close(p.stop)
	<-p.done
}

func (p *Plane) compile() {
	ms, err := p.cfg.Load()
	if err != nil {
		p.cfg.Log.Error("data plane: loading the model", "err", err)
		return
	}
	s := &Snapshot{Revision: ms.Revision, HTTPAPIs: map[string]*httpapi.API{}, RestAPIs: map[string]*restapi.API{},
		Balancers: map[model.Scope]map[string]*upstream.Balancer{}}
	for scope, sc := range ms.Scopes {
		balancers := upstream.Compile(sc, p.cfg.Health, &p.reg)
		s.Balancers[scope] = balancers
		for id, api := range httpapi.Compile(sc, balancers, &p.buckets) {
			s.HTTPAPIs[id] = api
		}
		for id, api := range restapi.Compile(sc, balancers, &p.buckets) {
			s.RestAPIs[id] = api
		}
	}
	p.reg.Sweep()
	p.buckets.Sweep()
	p.snap.Store(s)
	p.mu.Lock()
	close(p.compiled)
	p.compiled = make(chan struct{})
	p.mu.Unlock()
}

// Guard is what bounds the plane's integration requests and counts the
// ones refused or cut short.
func (p *Plane) Guard() *upstream.Guard { return &p.guard }

// Snapshot is the snapshot requests are served from now.
func (p *Plane) Snapshot() *Snapshot { return p.snap.Load() }

// Sync waits until the plane serves every change committed before the call,
// so "create, then invoke" needs no sleep.
func (p *Plane) Sync(ctx context.Context) error {
	want := p.cfg.Revision()
	for {
		p.mu.Lock()
		next := p.compiled
		p.mu.Unlock()
		if p.snap.Load().Revision >= want {
			return nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// IsInvoke reports whether r is for an invoke URL: a host
// {apiId}.execute-api.*, or the path forms /_aws/execute-api/{apiId}/... and
// /restapis/{apiId}/{stage}/_user_request_/... that other emulators use.
func IsInvoke(r *http.Request) bool {
	_, _, _, _, ok := parseInvoke(r)
	return ok
}

// parseInvoke splits an invoke request into API id, an explicit stage (path
// forms of other emulators only), and the path after them.
func parseInvoke(r *http.Request) (apiID, stage string, explicit bool, path string, ok bool) {
	host := r.Host
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if id, rest, found := strings.Cut(host, "."); found && strings.HasPrefix(rest, "execute-api.") && id != "" {
		return id, "", false, r.URL.Path, true
	}
	p := r.URL.Path
	if rest, found := strings.CutPrefix(p, "/_aws/execute-api/"); found {
		id, tail := splitSegment(rest)
		return id, "", false, tail, id != ""
	}
	if rest, found := strings.CutPrefix(p, "/restapis/"); found {
		id, rest, _ := strings.Cut(rest, "/")
		st, tail, _ := strings.Cut(rest, "/")
		if tail, found = strings.CutPrefix(tail, "_user_request_"); found && id != "" && st != "" {
			if tail == "" {
				tail = "/"
			}
			return id, st, true, tail, true
		}
	}
	return "", "", false, "", false
}

func (p *Plane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, stageName, explicit, path, _ := parseInvoke(r)
	snap := p.snap.Load()
	api := snap.HTTPAPIs[id]
	if api == nil {
		if rest := snap.RestAPIs[id]; rest != nil {
			p.serveRest(w, r, rest, stageName, explicit, path)
			return
		}
		notFound(w)
		return
	}
	st, routePath, full := selectStage(api, stageName, explicit, path)
	if st == nil {
		httpapi.NotFound(w)
		return
	}
	httpapi.Serve(w, r, &p.env, api, st, routePath, full)
}

// selectStage follows AWS: a first path segment naming a stage selects it;
// otherwise the $default stage serves the whole path.
func selectStage(api *httpapi.API, name string, explicit bool, path string) (st *httpapi.Stage, routePath, full string) {
	if explicit {
		st = api.Stages[name]
		if st == nil {
			return nil, "", ""
		}
		if name == "$default" {
			return st, path, path
		}
		return st, path, "/" + name + path
	}
	seg, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if seg != "" && seg != "$default" {
		if s := api.Stages[seg]; s != nil {
			return s, "/" + rest, path
		}
	}
	if s := api.Stages["$default"]; s != nil {
		return s, path, path
	}
	return nil, "", ""
}

// splitSegment splits "seg/rest" into seg and "/rest" (or "/" when nothing
// follows), slicing p rather than concatenating, since every path-form invoke
// request goes through here.
func splitSegment(p string) (seg, rest string) {
	i := strings.IndexByte(p, '/')
	if i < 0 {
		return p, "/"
	}
	return p[:i], p[i:]
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(`{"message":"Not Found"}`))
}

// serveRest serves a REST API: the first path segment always names the
// stage.
func (p *Plane) serveRest(w http.ResponseWriter, r *http.Request, api *restapi.API, stage string, explicit bool, path string) {
	if !explicit {
		stage, path = splitSegment(strings.TrimPrefix(path, "/"))
	}
	st := api.Stages[stage]
	if st == nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", "ForbiddenException")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"Forbidden"}`))
		return
	}
	restapi.Serve(w, r, &p.rest, api, st, path)
}

// ThroughALB carries a health check of an NLB's alb-type target into that
// ALB, as the NLB's own traffic would go: the ALB's rules, its targets'
// health and their security groups decide the answer (its 502 page when
// no target answers). The health checker calls it; req is its own.
func (p *Plane) ThroughALB(albARN string, port int, req *http.Request) (*http.Response, error) {
	for _, balancers := range p.Snapshot().Balancers {
		if b := balancers[albARN]; b != nil && b.Type == "application" {
			resp, _, err := p.env.Forwarder.RoundTrip(req, b, upstream.Hop{Port: port})
			return resp, err
		}
	}
	return nil, errors.New("no application load balancer " + albARN)
}
