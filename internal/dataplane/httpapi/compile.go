package httpapi

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/jwtauth"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/httpmap"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// API is a compiled HTTP API: its stages, each with the routes of its
// deployment.
type API struct {
	ID     string
	Scope  model.Scope
	Stages map[string]*Stage
	// Authorizers are the API's JWT authorizers by id. They are the
	// API's current ones, not its deployments': AWS keeps them beside
	// the routes too.
	Authorizers map[string]*jwtauth.Authorizer
	// CORS is the API's CORS configuration, nil when it has none: its
	// requests then pay nothing for the feature.
	CORS *CORS
	// Lambdas are the API's Lambda (REQUEST) authorizers by id, nil
	// when it has none.
	Lambdas map[string]*LambdaAuthorizer
	// arnPrefix starts the execute-api ARNs of the API's requests:
	// "arn:aws:execute-api:{region}:{account}:{apiId}/".
	arnPrefix string
}

// Stage is a compiled stage.
type Stage struct {
	Name   string
	Router Router
	// Integrations are what the routes lead to, each route by its index
	// here. A change to the network gives the stage new integrations and
	// the same router.
	Integrations []*Integration
	Vars         map[string]string
	// Throttle holds each route's bucket, by route key: AWS applies a
	// stage's limits to each route on its own, and a route's own settings
	// replace them for that route. Empty when the stage sets none.
	Throttle map[string]*throttle.Bucket
	// AccessLog is the stage's access log format, nil without access
	// logging.
	AccessLog *accesslog.Format
}

// throttleFor is the bucket a request on route key draws from, if any.
func (st *Stage) throttleFor(key string) *throttle.Bucket {
	return st.Throttle[key]
}

// Integration is a compiled integration: everything the request path needs,
// resolved once.
type Integration struct {
	ID      string
	Type    string
	Private bool
	URL     *url.URL // INTERNET integrations
	// StageURI is an INTERNET integration's URI when it names stage
	// variables, which each request resolves with its stage's (URL is
	// then nil).
	StageURI string
	Method   string // "" or ANY keeps the client's method
	Timeout  time.Duration
	// Map is the integration's request and response parameter mapping.
	Map     Mapping
	TLSName string
	// Path is a private integration's way to its targets, nil for others
	// and for broken ones.
	Path *private.Path
	// Broken says why the integration cannot carry traffic (a listener or
	// service that no longer exists); requests get AWS's 500.
	Broken string
	// Lambda is an AWS_PROXY integration's function, nil for others.
	Lambda *LambdaTarget
}

// Compile builds the HTTP APIs of one scope.
func Compile(sc *model.Scoped, balancers map[string]*upstream.Balancer, buckets *throttle.Registry) map[string]*API {
	out := map[string]*API{}
	for _, a := range sc.HTTPAPIs {
		out[a.ID] = CompileAPI(sc, a, balancers, buckets)
	}
	return out
}

// Reuse is what the last compile of one API made, so that the next
// compile of the API, after a change to one route, compiles only what
// changed: each deployed integration record's compiled form, and each
// stage's router with the deployment it was built from. The model shares
// a record that did not change between snapshots, so its address is its
// identity. After a change to the network, balancers or links, Relink
// keeps the routers and compiles the private integrations anew.
type Reuse struct {
	integrations map[*model.Integration]*Integration
	stages       map[string]*built
	// lambdas are the Lambda authorizers compiled, whose caches outlive
	// a compile that leaves their records as they were.
	lambdas map[string]*LambdaAuthorizer
	// quiet are Seqs of the API's deployments that no entry starts or
	// ends at: a stage may move across them without a route changing.
	// Only the writes that made a deployment can set its Seq on an
	// entry, so a deployment made among known changes, none of whose
	// entries names its Seq, stays quiet.
	quiet map[uint64]bool
}

// built is a stage's router, the deployment it holds, and the
// integrations its routes lead to: each one's index by id, its record and
// its compiled form, by index.
type built struct {
	dep     *model.Deployment
	router  Router
	index   map[string]int
	records []*model.Integration
	list    []*Integration
}

// CompileAPI builds one HTTP API of sc, so that a change to one API
// recompiles that API alone.
func CompileAPI(sc *model.Scoped, a *model.HTTPAPI, balancers map[string]*upstream.Balancer, buckets *throttle.Registry) *API {
	api, _ := CompileAPIReuse(sc, a, balancers, buckets, nil, nil)
	return api
}

// Relink compiles API a after a change to the network, balancers, links
// or Cloud Map services alone, with what its last compile made (nil:
// nothing): each stage still on the deployment it was built from keeps its
// router, and gets its private integrations compiled anew (public ones
// are kept), so the change costs the API its integrations, not its
// routes. A throttled stage, whose buckets follow every route, is built
// whole.
func Relink(sc *model.Scoped, a *model.HTTPAPI, balancers map[string]*upstream.Balancer, buckets *throttle.Registry, last *Reuse) (*API, *Reuse) {
	return compileAPI(sc, a, balancers, buckets, last, nil, true)
}

// Authorizers is what a compile that may reuse nothing else takes from r
// (nil: nothing): its Lambda authorizers, whose cached answers outlive
// any change that leaves an authorizer asking the same function the same
// way.
func (r *Reuse) Authorizers() *Reuse {
	if r == nil {
		return nil
	}
	return &Reuse{lambdas: r.lambdas}
}

// Changes are what was written of one API since its last compile: its
// deployed entries, each as the model that compile read held it and as
// the model now holds it (either nil), and the Seqs of the deployments
// made since.
type Changes struct {
	Entries []Change
	Made    []uint64
}

// Change is one deployed entry before and after.
type Change struct {
	Old, New *model.DeployedEntry
}

// CompileAPIReuse is CompileAPI taking what it can from the API's last
// compile (nil: nothing); it returns, with the API, what the next compile
// of the API may reuse. With changes (nil: not known) it finds the routes
// a stage's new deployment adds and removes among those entries alone;
// without, it builds every stage's router afresh.
func CompileAPIReuse(sc *model.Scoped, a *model.HTTPAPI, balancers map[string]*upstream.Balancer, buckets *throttle.Registry, last *Reuse, changes *Changes) (*API, *Reuse) {
	return compileAPI(sc, a, balancers, buckets, last, changes, false)
}

// compileAPI is CompileAPIReuse, or Relink with relink set: then last's
// private integrations are out of date and only its routers are reused.
func compileAPI(sc *model.Scoped, a *model.HTTPAPI, balancers map[string]*upstream.Balancer, buckets *throttle.Registry, last *Reuse, changes *Changes, relink bool) (*API, *Reuse) {
	if last == nil {
		last = &Reuse{}
	}
	var rules *network.Rules // built on the first private integration
	api := &API{ID: a.ID, Scope: sc.Scope, Stages: map[string]*Stage{}, Authorizers: compileAuthorizers(sc, a.ID),
		CORS: compileCORS(a.CORS), arnPrefix: "arn:aws:execute-api:" + sc.Scope.Region + ":" + sc.Scope.Account + ":" + a.ID + "/"}
	api.Lambdas = compileLambdaAuthorizers(sc, a.ID, last.lambdas)
	next := &Reuse{integrations: map[*model.Integration]*Integration{}, stages: map[string]*built{}, lambdas: api.Lambdas}
	if changes != nil && !relink {
		next.quiet = quietSeqs(last.quiet, changes, lowest(sc, a.ID, last))
	} else if relink {
		next.quiet = last.quiet
	}
	// compiled is the compiled form of in, made once per compile.
	compiled := func(in *model.Integration) *Integration {
		c := next.integrations[in]
		if c != nil {
			return c
		}
		if c = last.integrations[in]; c == nil || relink && c.Private {
			if rules == nil {
				r := network.RulesOf(sc)
				rules = &r
			}
			c = compileIntegration(sc, in, balancers, *rules)
		}
		next.integrations[in] = c
		return c
	}
	for _, st := range sc.Stages {
		if st.APIID != a.ID {
			continue
		}
		stage := &Stage{Name: st.Name, Vars: st.StageVariables, AccessLog: accesslog.Compile(st.AccessLog)}
		api.Stages[st.Name] = stage
		dep := sc.Deployments[a.ID+"/"+st.DeploymentID]
		if dep == nil {
			continue
		}
		var b *built
		if relink {
			b = relinked(st, dep, last, compiled)
		} else {
			b = rebuild(st, dep, last, next, changes)
		}
		if b != nil {
			stage.Router, stage.Integrations = b.router, b.list
			next.stages[st.Name] = b
			continue
		}
		var routes []*model.Route
		b = &built{dep: dep, index: map[string]int{}}
		sc.DeployedParts(dep, func(r *model.Route, in *model.Integration) {
			if r != nil {
				routes = append(routes, r)
				return
			}
			c := compiled(in)
			if i, ok := b.index[in.ID]; ok {
				b.records[i], b.list[i] = in, c
				return
			}
			b.index[in.ID] = len(b.list)
			b.records, b.list = append(b.records, in), append(b.list, c)
		})
		compileThrottle(stage, st, routes, buckets)
		for _, r := range routes {
			if route := compileRoute(r, b.index); route != nil {
				stage.Router.Add(route)
			}
		}
		stage.Integrations = b.list
		if dep.Seq != 0 {
			b.router = stage.Router
			next.stages[st.Name] = b
		}
	}
	return api, next
}

// compileRoute is the route r serves, or nil for a route without a target,
// which answers as unmatched.
func compileRoute(r *model.Route, index map[string]int) *Route {
	id, _ := strings.CutPrefix(r.Target, "integrations/")
	i, ok := index[id]
	if !ok {
		return nil
	}
	out := &Route{Key: r.RouteKey, Integration: i, IAM: r.AuthorizationType == "AWS_IAM"}
	switch r.AuthorizationType {
	case "JWT":
		out.JWT = &RouteJWT{AuthorizerID: r.AuthorizerID, Scopes: r.AuthorizationScopes}
	case "CUSTOM":
		out.Custom = r.AuthorizerID
	}
	if method, p, ok := strings.Cut(r.RouteKey, " "); !ok {
		out.arnTail = r.RouteKey // $default
	} else if method != "ANY" {
		out.arnTail = method + "/" + strings.TrimPrefix(p, "/")
	}
	return out
}

// compileAuthorizers compiles the JWT authorizers of API id; nil when it
// has none.
func compileAuthorizers(sc *model.Scoped, id string) map[string]*jwtauth.Authorizer {
	var out map[string]*jwtauth.Authorizer
	for _, a := range sc.Authorizers {
		if a.APIID != id {
			continue
		}
		if c := jwtauth.Compile(a); c != nil {
			if out == nil {
				out = map[string]*jwtauth.Authorizer{}
			}
			out[a.ID] = c
		}
	}
	return out
}

// compileLambdaAuthorizers compiles the Lambda authorizers of API id,
// keeping last's of records that did not change; nil when it has none.
func compileLambdaAuthorizers(sc *model.Scoped, id string, last map[string]*LambdaAuthorizer) map[string]*LambdaAuthorizer {
	var out map[string]*LambdaAuthorizer
	for _, a := range sc.Authorizers {
		if a.APIID != id || a.Type != "REQUEST" {
			continue
		}
		if out == nil {
			out = map[string]*LambdaAuthorizer{}
		}
		out[a.ID] = compileLambdaAuthorizer(sc, a, last[a.ID])
	}
	return out
}

// relinked is the stage's last router with its integrations compiled
// again by compiled, or nil when the stage moved to another deployment
// since (a change to the API too, which the caller should not relink) or
// sets throttling limits.
func relinked(st *model.Stage, dep *model.Deployment, last *Reuse, compiled func(*model.Integration) *Integration) *built {
	old := last.stages[st.Name]
	if old == nil || old.dep != dep || throttled(st) {
		return nil
	}
	list := make([]*Integration, len(old.records))
	for i, in := range old.records {
		list[i] = compiled(in)
	}
	return &built{dep: dep, router: old.router, index: old.index, records: old.records, list: list}
}

// rebuild makes the router of a stage that served an earlier deployment
// of the same API at the last compile from that router: the routes one
// deployment holds and the other does not are removed and added, on
// copies of the nodes they cross. They are found among the changes alone,
// which is right only when every deployment after the old one up to the
// new one was made among the changes or is quiet: only then has each
// entry that one holds and the other does not been written since. A stage
// moved back to an older deployment, or on to one made before the last
// compile (UpdateStage), is built whole. It returns nil when it cannot:
// changes not known, a deployment stored whole, a changed integration, or
// a stage with throttling, whose buckets follow every route.
func rebuild(st *model.Stage, dep *model.Deployment, last, next *Reuse, changes *Changes) *built {
	old := last.stages[st.Name]
	if old == nil || changes == nil || old.dep.Seq == 0 || dep.Seq == 0 || old.dep.APIID != dep.APIID || throttled(st) ||
		!between(old.dep.Seq, dep.Seq, changes.Made, next.quiet) {
		return nil
	}
	var gone, added []*model.Route
	// diff sorts one entry as the old and the new deployment hold it;
	// it reports false for a changed integration.
	diff := func(before, after *model.DeployedEntry) bool {
		was := before != nil && before.In(old.dep.Seq)
		is := after != nil && after.In(dep.Seq)
		if was == is {
			return true
		}
		e := before
		if is {
			e = after
		}
		if e.Integration != nil {
			return false
		}
		if was {
			gone = append(gone, e.Route)
		} else {
			added = append(added, e.Route)
		}
		return true
	}
	for _, c := range changes.Entries {
		if !diff(c.Old, c.New) {
			return nil
		}
	}
	for in, c := range last.integrations {
		next.integrations[in] = c
	}
	router := old.router
	for _, r := range gone {
		router = router.Without(r.RouteKey)
	}
	for _, r := range added {
		if route := compileRoute(r, old.index); route != nil {
			router, _ = router.With(route)
		}
	}
	return &built{dep: dep, router: router, index: old.index, records: old.records, list: old.list}
}

// between reports whether each Seq after from up to to was made among
// the changes (made) or is quiet, so that the changes hold every entry
// whose range begins or ends between the two deployments.
func between(from, to uint64, made []uint64, quiet map[uint64]bool) bool {
	if to < from || to-from > uint64(len(made)+len(quiet)) {
		return false
	}
	for s := from + 1; s <= to; s++ {
		if !quiet[s] && !slices.Contains(made, s) {
			return false
		}
	}
	return true
}

// maxQuiet bounds the quiet Seqs an API keeps: forgetting one costs a
// stage that moves across it a whole build, nothing more.
const maxQuiet = 64

// quietSeqs is was with the deployments made among changes that no
// changed entry starts or ends at, less those at or below floor, which
// no stage can move across any more.
func quietSeqs(was map[uint64]bool, changes *Changes, floor uint64) map[uint64]bool {
	if len(changes.Made) == 0 {
		return was
	}
	out := maps.Clone(was)
	for s := range out {
		if s <= floor {
			delete(out, s)
		}
	}
	for _, s := range changes.Made {
		named := false
		for _, c := range changes.Entries {
			if e := c.New; e != nil && (e.Since == s || e.Until == s) {
				named = true
				break
			}
		}
		if !named {
			if out == nil {
				out = map[uint64]bool{}
			}
			out[s] = true
		}
	}
	if len(out) > maxQuiet {
		keep := slices.Sorted(maps.Keys(out))[len(out)-maxQuiet:]
		out = map[uint64]bool{}
		for _, s := range keep {
			out[s] = true
		}
	}
	return out
}

// lowest is the lowest Seq of a deployment a stage of API id serves, or
// served at the last compile (none: the highest Seq there is): a stage
// moves from the one to the other.
func lowest(sc *model.Scoped, id string, last *Reuse) uint64 {
	low := ^uint64(0)
	for _, b := range last.stages {
		if b.dep.Seq != 0 && b.dep.Seq < low {
			low = b.dep.Seq
		}
	}
	for _, st := range sc.Stages {
		if st.APIID != id {
			continue
		}
		if dep := sc.Deployments[id+"/"+st.DeploymentID]; dep != nil && dep.Seq != 0 && dep.Seq < low {
			low = dep.Seq
		}
	}
	return low
}

// throttled reports whether a stage sets any throttling limit.
func throttled(st *model.Stage) bool {
	d := st.DefaultRouteSettings
	return d.ThrottlingRateLimit > 0 || d.ThrottlingBurstLimit > 0 || len(st.RouteSettings) > 0
}

// compileThrottle gives each route of a stage its bucket: the default
// route settings' limits, each replaced by the route's own setting where it
// has one. Every route draws on a bucket of its own, as AWS applies a
// stage's limits per route.
func compileThrottle(stage *Stage, st *model.Stage, routes []*model.Route, buckets *throttle.Registry) {
	if !throttled(st) {
		return // no route would get a bucket
	}
	def := st.DefaultRouteSettings
	name := st.APIID + "/" + st.Name
	for _, r := range routes {
		rate, burst := def.ThrottlingRateLimit, def.ThrottlingBurstLimit
		if rs, ok := st.RouteSettings[r.RouteKey]; ok {
			if rs.ThrottlingRateLimit > 0 {
				rate = rs.ThrottlingRateLimit
			}
			if rs.ThrottlingBurstLimit > 0 {
				burst = rs.ThrottlingBurstLimit
			}
		}
		if b := buckets.Bucket(name+" "+r.RouteKey, rate, burst); b != nil {
			if stage.Throttle == nil {
				stage.Throttle = map[string]*throttle.Bucket{}
			}
			stage.Throttle[r.RouteKey] = b
		}
	}
}

func compileIntegration(sc *model.Scoped, in *model.Integration, balancers map[string]*upstream.Balancer, rules network.Rules) *Integration {
	timeout := time.Duration(in.TimeoutMillis) * time.Millisecond
	if timeout <= 0 || timeout > 30*time.Second {
		timeout = 30 * time.Second
	}
	out := &Integration{ID: in.ID, Type: in.Type, Method: in.Method, Timeout: timeout, TLSName: in.TLSServerName,
		Map: compileMapping(in.RequestParameters, in.ResponseParameters)}
	if in.Type == "AWS_PROXY" {
		if httpmap.HasStageVariables(in.URI) {
			out.Lambda = &LambdaTarget{StageURI: in.URI, V2: in.PayloadFormatVersion == "2.0", Role: in.CredentialsARN != ""}
			return out
		}
		fn, ok := invoke.FromIntegrationURI(in.URI)
		if !ok {
			out.Broken = "integration URI " + in.URI + " names no Lambda function"
			return out
		}
		out.Lambda = &LambdaTarget{Function: fn, V2: in.PayloadFormatVersion == "2.0", Role: in.CredentialsARN != ""}
		return out
	}
	if in.ConnectionType != "VPC_LINK" {
		if httpmap.HasStageVariables(in.URI) {
			out.StageURI = in.URI
			return out
		}
		u, err := url.Parse(in.URI)
		if err != nil || u.Host == "" {
			out.Broken = "integration URI is not a URL"
		}
		out.URL = u
		return out
	}
	out.Private = true
	link := sc.VpcLinks[in.ConnectionID]
	if link == nil {
		out.Broken = "VPC link " + in.ConnectionID + " does not exist"
		return out
	}
	if strings.Contains(in.URI, ":servicediscovery:") {
		arn, query, _ := strings.Cut(in.URI, "?")
		svc := sc.CloudMapServiceByARN[arn]
		if svc == nil {
			out.Broken = "Cloud Map service " + arn + " does not exist"
			return out
		}
		out.Path = private.CloudMapPath(sc, link, svc, query, rules)
		return out
	}
	l := sc.Listeners[in.URI]
	if l == nil {
		out.Broken = "listener " + in.URI + " does not exist"
		return out
	}
	b := balancers[l.LoadBalancerARN]
	if b == nil || len(b.Nodes) == 0 {
		out.Broken = "load balancer of " + in.URI + " does not exist"
		return out
	}
	out.Path = private.V2(sc, link, b, l.Port, rules)
	return out
}
