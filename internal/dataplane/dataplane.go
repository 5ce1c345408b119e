package dataplane

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/dataplane/httpapi"
	"gatehouse/internal/dataplane/jwtauth"
	"gatehouse/internal/dataplane/restapi"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
	"gatehouse/internal/usage"
)

// Config wires the data plane. Load, Watch, Revision and Changed come from
// the store; the data plane sees them as functions so that it depends on the
// model only.
type Config struct {
	Load     func() (*model.Snapshot, error)
	Watch    func() (<-chan uint64, func())
	Revision func() uint64
	// Changed is the store's change feed (model.Changed): the keys written
	// after revision after, up to upto (0: all), and the revision they
	// reach, or ok=false when the feed does not go back that far. With it
	// a compile follows the size of the change; nil recompiles everything
	// on every commit.
	Changed func(after, upto uint64) (keys []string, rev uint64, ok bool)
	Clock   clock.Clock
	Health  upstream.Health
	Links   *usage.Links
	// Quotas are the usage plans' quota counters; nil admits no API key,
	// since no use of a plan could be counted.
	Quotas    *usage.Quotas
	Transport http.RoundTripper
	Log       *slog.Logger
	// MaxInflight bounds the integration requests in flight at once
	// (0: no bound).
	MaxInflight int
	// SendTimeout bounds how long writing an integration's answer to a
	// client may make no progress (0: no bound).
	SendTimeout time.Duration
	// AccessKeys (id -> secret) may sign requests to AWS_IAM routes and
	// methods; without any, such requests are refused.
	AccessKeys map[string]string
	// IssuerClient fetches JWT issuers' discovery documents and keys
	// (nil: jwtauth.LoopbackClient).
	IssuerClient *http.Client
	// Functions runs the Lambda functions that integrations, authorizers
	// and ALB targets invoke (nil: every such invocation fails as a
	// missing function does).
	Functions invoke.Invoker
	// Events takes asynchronous invocations: REST integrations that map
	// X-Amz-Invocation-Type to Event (nil: they fail as a missing
	// engine does).
	Events invoke.Queuer
}

// Snapshot is everything the request path reads, compiled at one revision.
type Snapshot struct {
	Revision  uint64
	HTTPAPIs  map[string]*httpapi.API
	RestAPIs  map[string]*restapi.API
	Balancers map[model.Scope]map[string]*upstream.Balancer
	// Domains are the custom domain names by name, in lower case.
	Domains map[string]*Domain
	// wildcards says whether a domain name is a wildcard ("*.example.com").
	wildcards bool
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

	// model is the model snapshot the last compile read, nil before the
	// first; only the compiling goroutine uses it.
	model *model.Snapshot
	// reuse is, by HTTP API id, what its last compile made of each
	// deployed integration record.
	reuse map[string]*httpapi.Reuse

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
	p.guard.MaxHeld = maxHeld
	p.guard.SendTimeout = cfg.SendTimeout
	p.guard.Log = cfg.Log
	p.env = httpapi.Env{
		Forwarder: &upstream.Forwarder{Transport: cfg.Transport, Clock: cfg.Clock, Guard: &p.guard, Functions: cfg.Functions, Log: cfg.Log},
		Transport: cfg.Transport,
		Links:     cfg.Links,
		Clock:     cfg.Clock,
		Log:       cfg.Log,
		Guard:     &p.guard,
		Secret:    upstream.Keys(cfg.AccessKeys),
		Issuers:   &jwtauth.Issuers{Clock: cfg.Clock, Log: cfg.Log, Client: cfg.IssuerClient},
		Functions: cfg.Functions,
	}
	p.rest = restapi.Env{Forwarder: p.env.Forwarder, Transport: cfg.Transport, Links: cfg.Links, Now: cfg.Clock.Now, Log: cfg.Log,
		Guard: &p.guard, Secret: p.env.Secret, Functions: cfg.Functions, Events: cfg.Events}
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

// compile brings the snapshot up to the store's revision, doing as much
// work as the change needs: nothing for records no compiled API reads
// (undeployed routes and resources, Cloud Map operations, tags), the APIs
// named for changes to an API, its stages and deployments, and for the
// network, load balancers and links that private paths cross, the
// balancers and every API with a private integration.
func (p *Plane) compile() {
	cur := p.snap.Load()
	if p.model != nil && p.cfg.Changed != nil {
		if keys, rev, ok := p.cfg.Changed(cur.Revision, 0); ok && rev >= cur.Revision {
			if w := classify(keys); w.none() {
				if rev > cur.Revision {
					next := *cur
					next.Revision = rev
					p.publish(&next)
				}
				return
			}
		}
	}
	ms, err := p.cfg.Load()
	if err != nil {
		p.cfg.Log.Error("data plane: loading the model", "err", err)
		return
	}
	// keep says which compiled APIs a network change leaves as they are;
	// nil (a first compile, or a change the feed cannot tell) keeps none.
	var keep *work
	if p.model != nil && p.cfg.Changed != nil && ms.Revision >= cur.Revision {
		keys, rev, ok := p.cfg.Changed(cur.Revision, ms.Revision)
		if ok && rev == ms.Revision {
			keys = slices.DeleteFunc(keys, func(k string) bool { return tagsOnly(p.model, ms, k) })
			w := classify(keys)
			if !w.all {
				w.expand(ms)
				prev := p.model
				p.model = ms
				p.publish(p.compileSome(cur, prev, ms, w, keys))
				return
			}
			w = classify(slices.DeleteFunc(keys, func(k string) bool { return allKinds[model.KindOf(k)] }))
			w.expand(ms)
			keep = &w
		}
	}
	p.model = ms
	reuse := map[string]*httpapi.Reuse{}
	s := &Snapshot{Revision: ms.Revision, HTTPAPIs: map[string]*httpapi.API{}, RestAPIs: map[string]*restapi.API{},
		Balancers: map[model.Scope]map[string]*upstream.Balancer{}}
	s.Domains, s.wildcards = compileDomains(ms)
	kept := false
	for scope, sc := range ms.Scopes {
		balancers := upstream.Compile(sc, p.cfg.Health, &p.reg)
		s.Balancers[scope] = balancers
		private := httpPrivate(sc)
		for id, a := range sc.HTTPAPIs {
			if old := cur.HTTPAPIs[id]; keep != nil && old != nil && !keep.http[apiKey{scope, id}] && !private[id] {
				s.HTTPAPIs[id], kept = old, true
				reuse[id] = p.reuse[id]
				continue
			}
			if keep != nil && !keep.http[apiKey{scope, id}] {
				// Only the network changed: the stages keep their
				// routers, and the private integrations are compiled
				// anew.
				s.HTTPAPIs[id], reuse[id] = httpapi.Relink(sc, a, balancers, &p.buckets, p.reuse[id])
				continue
			}
			// The network may have changed, and so did the API: nothing
			// compiled before is reused but the Lambda authorizers, whose
			// cached answers the network does not touch.
			s.HTTPAPIs[id], reuse[id] = httpapi.CompileAPIReuse(sc, a, balancers, &p.buckets, p.reuse[id].Authorizers(), nil)
		}
		for id, a := range sc.RestAPIs {
			if old := cur.RestAPIs[id]; keep != nil && old != nil && !keep.rest[apiKey{scope, id}] && !restPrivate(sc, id) {
				s.RestAPIs[id], kept = old, true
				continue
			}
			s.RestAPIs[id] = restapi.CompileAPI(sc, a, balancers, &p.buckets, p.cfg.Quotas)
		}
	}
	p.reuse = reuse
	for _, api := range s.HTTPAPIs {
		p.warm(api)
	}
	p.reg.Sweep()
	if !kept {
		// Kept APIs did not ask for their buckets again: sweeping now
		// would take them away.
		p.buckets.Sweep()
	}
	p.publish(s)
}

// httpPrivate names the HTTP APIs of which a deployed stage routes to a
// VPC link: only such an API reads the network, balancers and links, so
// only it is recompiled when they change. It reads the deployed entries
// of the APIs with a deployed stage, each once.
func httpPrivate(sc *model.Scoped) map[string]bool {
	out := map[string]bool{}
	seqs := map[string][]uint64{}
	for _, st := range sc.Stages {
		dep := sc.Deployments[st.APIID+"/"+st.DeploymentID]
		switch {
		case dep == nil:
		case dep.Seq != 0:
			seqs[st.APIID] = append(seqs[st.APIID], dep.Seq)
		default:
			for i := range dep.Integrations {
				if dep.Integrations[i].ConnectionType == "VPC_LINK" {
					out[st.APIID] = true
				}
			}
		}
	}
	for api, list := range seqs {
		for e := range sc.Deployed.OfAPI(api) {
			if out[api] {
				break
			}
			if e.Integration == nil || e.Integration.ConnectionType != "VPC_LINK" {
				continue
			}
			for _, seq := range list {
				if e.In(seq) {
					out[api] = true
				}
			}
		}
	}
	return out
}

// restPrivate is httpPrivate for a REST API.
func restPrivate(sc *model.Scoped, apiID string) bool {
	for _, st := range sc.RestStages {
		if st.APIID != apiID {
			continue
		}
		if dep := sc.RestDeployments[apiID+"/"+st.DeploymentID]; dep != nil {
			for _, r := range dep.Resources {
				for _, m := range r.Methods {
					if m.Integration != nil && m.Integration.ConnectionType == "VPC_LINK" {
						return true
					}
				}
			}
		}
	}
	return false
}

// compileSome recompiles the APIs w names and shares every other compiled
// API, and the balancers, with cur. Throttle buckets are not swept here:
// the APIs not recompiled did not ask for theirs; the next whole compile
// forgets the buckets of stages that went away. keys are what was written
// since cur, and prev the model cur was compiled from: an HTTP API's
// deployed entries among them, as prev and ms hold them, are all that
// changed of them since its last compile, for an API whose compile would
// have followed any earlier change; with the deployments made among the
// keys they tell a stage's router whether it may be patched.
func (p *Plane) compileSome(cur *Snapshot, prev, ms *model.Snapshot, w work, keys []string) *Snapshot {
	s := &Snapshot{Revision: ms.Revision, HTTPAPIs: cur.HTTPAPIs, RestAPIs: cur.RestAPIs, Balancers: cur.Balancers,
		Domains: cur.Domains, wildcards: cur.wildcards}
	if w.domains {
		s.Domains, s.wildcards = compileDomains(ms)
	}
	changes := map[apiKey]*httpapi.Changes{}
	for k := range w.http {
		changes[k] = &httpapi.Changes{}
	}
	for _, key := range keys {
		id, _, _ := strings.Cut(model.IDOf(key), "/")
		list := changes[apiKey{model.ScopeOf(key), id}]
		if list == nil {
			continue
		}
		switch model.KindOf(key) {
		case model.DeployedEntry{}.Kind():
			var c httpapi.Change
			c.Old, _ = prev.Lookup(key).(*model.DeployedEntry)
			c.New, _ = ms.Lookup(key).(*model.DeployedEntry)
			list.Entries = append(list.Entries, c)
		case model.Deployment{}.Kind():
			// A deployment made since: the entries its Seq begins or
			// ends are among these writes.
			if d, ok := ms.Lookup(key).(*model.Deployment); ok && d.Seq != 0 && prev.Lookup(key) == nil {
				list.Made = append(list.Made, d.Seq)
			}
		}
	}
	if len(w.http) > 0 {
		s.HTTPAPIs = maps.Clone(cur.HTTPAPIs)
		for k := range w.http {
			var a *model.HTTPAPI
			sc := ms.Scopes[k.scope]
			if sc != nil {
				a = sc.HTTPAPIs[k.id]
			}
			if a == nil {
				delete(s.HTTPAPIs, k.id)
				delete(p.reuse, k.id)
				continue
			}
			s.HTTPAPIs[k.id], p.reuse[k.id] = httpapi.CompileAPIReuse(sc, a, cur.Balancers[k.scope], &p.buckets, p.reuse[k.id], changes[k])
			p.warm(s.HTTPAPIs[k.id])
		}
	}
	if len(w.rest) > 0 {
		s.RestAPIs = maps.Clone(cur.RestAPIs)
		for k := range w.rest {
			var a *model.RestAPI
			sc := ms.Scopes[k.scope]
			if sc != nil {
				a = sc.RestAPIs[k.id]
			}
			if a == nil {
				delete(s.RestAPIs, k.id)
				continue
			}
			s.RestAPIs[k.id] = restapi.CompileAPI(sc, a, cur.Balancers[k.scope], &p.buckets, p.cfg.Quotas)
		}
	}
	return s
}

// warm starts fetching the keys of the issuers api's JWT authorizers
// trust, off the request path.
func (p *Plane) warm(api *httpapi.API) {
	for _, a := range api.Authorizers {
		p.env.Issuers.Warm(a.IssuerURL)
	}
}

// publish swaps s in and wakes whoever waits for a compile.
func (p *Plane) publish(s *Snapshot) {
	p.snap.Store(s)
	p.mu.Lock()
	close(p.compiled)
	p.compiled = make(chan struct{})
	p.mu.Unlock()
}

// maxHeld bounds the request bodies held in memory at once to check their
// signatures (AWS_IAM routes and methods): two dozen bodies at the 10 MB
// payload limit.
const maxHeld = 256 << 20

// Guard is what bounds the plane's integration requests and counts the
// ones refused or cut short.
func (p *Plane) Guard() *upstream.Guard { return &p.guard }

// work is what a change needs compiled: everything, or the APIs named,
// and the custom domains.
type work struct {
	all        bool
	http, rest map[apiKey]bool
	// keys names the scopes whose API keys or usage plans changed: every
	// REST API there is compiled again, as any stage may admit the keys.
	keys    map[model.Scope]bool
	domains bool
}

type apiKey struct {
	scope model.Scope
	id    string
}

func (w work) none() bool {
	return !w.all && len(w.http) == 0 && len(w.rest) == 0 && len(w.keys) == 0 && !w.domains
}

// expand names the REST APIs of the scopes whose keys or plans changed.
func (w *work) expand(ms *model.Snapshot) {
	for scope := range w.keys {
		sc := ms.Scopes[scope]
		if sc == nil {
			continue
		}
		for id := range sc.RestAPIs {
			if w.rest == nil {
				w.rest = map[apiKey]bool{}
			}
			w.rest[apiKey{scope, id}] = true
		}
	}
}

// Kinds by what a change to them recompiles. Routes, integrations and
// resources are served only through a deployment, which copies them, so
// changing them changes nothing served until a deployment does. Kinds not
// listed (namespaces, Cloud Map operations, kinds added later that no
// compile reads) recompile nothing; every kind a compile reads must be in
// one of these lists.
var (
	httpKinds = map[string]bool{
		model.HTTPAPI{}.Kind(): true, model.Stage{}.Kind(): true, model.Deployment{}.Kind(): true,
		model.DeployedEntry{}.Kind(): true, model.Authorizer{}.Kind(): true,
	}
	restKinds = map[string]bool{
		model.RestAPI{}.Kind(): true, model.RestStage{}.Kind(): true, model.RestDeployment{}.Kind(): true,
	}
	keyKinds = map[string]bool{
		model.APIKey{}.Kind(): true, model.UsagePlan{}.Kind(): true, model.UsagePlanKey{}.Kind(): true,
	}
	// domainKinds recompile the custom domains, which name APIs by id
	// only: changing an API never recompiles them.
	domainKinds = map[string]bool{model.DomainName{}.Kind(): true, model.APIMapping{}.Kind(): true}
	allKinds    = map[string]bool{
		model.VPC{}.Kind(): true, model.Subnet{}.Kind(): true, model.SecurityGroup{}.Kind(): true,
		model.NetworkACL{}.Kind(): true, model.NetworkInterface{}.Kind(): true, model.LoadBalancer{}.Kind(): true, model.TargetGroup{}.Kind(): true,
		model.Listener{}.Kind(): true, model.ListenerRule{}.Kind(): true, model.VpcLink{}.Kind(): true,
		model.VpcLinkV1{}.Kind(): true, model.EndpointService{}.Kind(): true,
		model.CloudMapService{}.Kind(): true, model.Instance{}.Kind(): true, model.EC2Instance{}.Kind(): true,
	}
)

// tagsOnly reports whether the record at key differs between the model
// compiled last and ms only in its tags: tagging a security group or a
// load balancer changes nothing served.
func tagsOnly(last, ms *model.Snapshot, key string) bool {
	if last == nil {
		return false
	}
	old, cur := last.Lookup(key), ms.Lookup(key)
	return old != nil && cur != nil && model.SameButTags(old, cur) && hostTag(old) == hostTag(cur)
}

// hostTag is the gatehouse:host tag of an interface or instance: the one tag
// that changes what is served, since it moves a target's real address.
func hostTag(rec any) string {
	switch r := rec.(type) {
	case *model.NetworkInterface:
		return r.Tags[network.HostTag]
	case *model.EC2Instance:
		return r.Tags[network.HostTag]
	}
	return ""
}

func classify(keys []string) work {
	var w work
	for _, key := range keys {
		kind := model.KindOf(key)
		switch {
		case allKinds[kind]:
			return work{all: true}
		case keyKinds[kind]:
			if w.keys == nil {
				w.keys = map[model.Scope]bool{}
			}
			w.keys[model.ScopeOf(key)] = true
		case domainKinds[kind]:
			w.domains = true
		case httpKinds[kind], restKinds[kind]:
			scope, id := model.ScopeOf(key), model.IDOf(key)
			id, _, _ = strings.Cut(id, "/") // "apiID/stage", "apiID/deployment", "apiID/r/route/since"
			m := &w.http
			if restKinds[kind] {
				m = &w.rest
			}
			if *m == nil {
				*m = map[apiKey]bool{}
			}
			(*m)[apiKey{scope, id}] = true
		}
	}
	return w
}

// Snapshot is the snapshot requests are served from now.
func (p *Plane) Snapshot() *Snapshot { return p.snap.Load() }

// ErrStopped is what Sync returns once the plane has stopped compiling.
var ErrStopped = errors.New("dataplane: stopped")

// Sync waits until the plane serves every change committed before the call,
// so "create, then invoke" needs no sleep. It gives up with ErrStopped once
// Stop is called: nothing would compile what it waits for.
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
		case <-p.stop:
			return ErrStopped
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

// InvokeHost reports whether host (a Host header) names an API:
// {apiId}.execute-api.*, with or without a port. Host names are not case
// sensitive, so neither is the match; the id comes back in lower case, as
// API Gateway makes them.
func InvokeHost(host string) (apiID string, ok bool) {
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	id, rest, found := strings.Cut(host, ".")
	const label = "execute-api."
	if !found || id == "" || len(rest) < len(label) || !strings.EqualFold(rest[:len(label)], label) {
		return "", false
	}
	// ToLower returns id itself, unallocated, when it has no upper case.
	return strings.ToLower(id), true
}

// IsInvokeHost is InvokeHost without the id, for the edge.
func IsInvokeHost(host string) bool {
	_, ok := InvokeHost(host)
	return ok
}

// ServesHost reports whether host (a Host header) names an API or one of
// the custom domain names the plane serves now: such a request goes to
// the plane whatever its path.
func (p *Plane) ServesHost(host string) bool {
	if IsInvokeHost(host) {
		return true
	}
	return p.snap.Load().Domain(host) != nil
}

// parseInvoke splits an invoke request into API id, an explicit stage (path
// forms of other emulators only), and the path after them.
func parseInvoke(r *http.Request) (apiID, stage string, explicit bool, path string, ok bool) {
	if id, found := InvokeHost(r.Host); found {
		return id, "", false, r.URL.Path, true
	}
	return parsePathInvoke(r.URL.Path)
}

// parsePathInvoke is parseInvoke for the path forms.
func parsePathInvoke(p string) (apiID, stage string, explicit bool, path string, ok bool) {
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
	// A body is read only by an integration, which extends this bound to
	// its own timeout; every other answer waits for it briefly.
	upstream.BoundBodyRead(w, r)
	if headerBytes(r) > MaxHeaderBytes {
		headersTooLarge(w)
		return
	}
	snap := p.snap.Load()
	id, own := InvokeHost(r.Host)
	stageName, explicit, path := "", false, r.URL.Path
	if !own {
		// Not an API's own host name: a custom domain's, when it is one,
		// or else a path form.
		if d := snap.Domain(r.Host); d != nil {
			p.serveDomain(w, r, snap, d)
			return
		}
		id, stageName, explicit, path, _ = parsePathInvoke(r.URL.Path)
	}
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

// MaxHeaderBytes is AWS's quota, for HTTP and REST APIs alike, on an
// invoke request's request line and headers together ("Total combined
// size of request line and header values", 10240 bytes, in the HTTP API
// and REST API quota tables of the API Gateway developer guide). The
// server's own limit stays larger for the management API.
const MaxHeaderBytes = 10240

// headerBytes is the size of r's request line and headers as sent: each
// header "Name: value\r\n", the line "METHOD URI PROTO\r\n". It is
// summed from the parsed request, so costs no allocation.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	if r.Host != "" {
		n += len("Host") + len(r.Host) + 4 // net/http moves Host out of Header
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v) + 4
		}
	}
	return n
}

// headersTooLarge answers a request past MaxHeaderBytes. AWS documents the
// quota but not its answer; 431 with the message in AWS's usual JSON
// shape is this project's choice.
func headersTooLarge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
	w.Write([]byte(`{"message":"Request Header Fields Too Large"}`))
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

// CheckLambda runs the health check of lambda target group tgARN, for the
// health checker: an invocation of its function through the same
// forwarder requests use.
func (p *Plane) CheckLambda(tgARN string, req *http.Request) (*http.Response, error) {
	for _, balancers := range p.Snapshot().Balancers {
		for _, b := range balancers {
			if pool := b.Pool(tgARN); pool != nil && pool.Lambda {
				return p.env.Forwarder.CheckLambda(req, pool)
			}
		}
	}
	return nil, errors.New("no lambda target group " + tgARN + " is in use")
}

// ThroughALB carries a health check of an NLB's alb-type target into that
// ALB, as the NLB's own traffic would go: the ALB's rules, its targets'
// health and their security groups decide the answer (its 502 page when
// no target answers). The health checker calls it; req is its own.
func (p *Plane) ThroughALB(albARN string, port int, req *http.Request) (*http.Response, error) {
	for _, balancers := range p.Snapshot().Balancers {
		if b := balancers[albARN]; b != nil && b.Type == "application" {
			// A health check is no integration request: the guard does
			// not count it.
			fw := *p.env.Forwarder
			fw.Guard = nil
			resp, _, err := fw.RoundTrip(req, b, upstream.Hop{Port: port})
			return resp, err
		}
	}
	return nil, errors.New("no application load balancer " + albARN)
}
