package httpapi

import (
	"net/url"
	"strings"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// API is a compiled HTTP API: its stages, each with the routes of its
// deployment.
type API struct {
	ID     string
	Scope  model.Scope
	Stages map[string]*Stage
}

// Stage is a compiled stage.
type Stage struct {
	Name   string
	Router Router
	Vars   map[string]string
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
	Method  string   // "" or ANY keeps the client's method
	Timeout time.Duration
	Params  []paramOp
	TLSName string
	// Path is a private integration's way to its targets, nil for others
	// and for broken ones.
	Path *private.Path
	// Broken says why the integration cannot carry traffic (a listener or
	// service that no longer exists); requests get AWS's 500.
	Broken string
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
// identity. It holds only while the network, balancers and links stay as
// they were: a compile after such a change starts with none.
type Reuse struct {
	integrations map[*model.Integration]*Integration
	stages       map[string]*built
}

// built is a stage's router, the deployment it holds, and the compiled
// integrations its routes lead to, by id.
type built struct {
	dep          *model.Deployment
	router       Router
	integrations map[string]*Integration
}

// CompileAPI builds one HTTP API of sc, so that a change to one API
// recompiles that API alone.
func CompileAPI(sc *model.Scoped, a *model.HTTPAPI, balancers map[string]*upstream.Balancer, buckets *throttle.Registry) *API {
	api, _ := CompileAPIReuse(sc, a, balancers, buckets, nil, nil)
	return api
}

// Changes are the deployed entries of one API written since its last
// compile, each as the model that compile read held it and as the model
// now holds it (either nil).
type Changes []Change

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
	if last == nil {
		last = &Reuse{}
	}
	var groups network.GroupMap
	api := &API{ID: a.ID, Scope: sc.Scope, Stages: map[string]*Stage{}}
	next := &Reuse{integrations: map[*model.Integration]*Integration{}, stages: map[string]*built{}}
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
		if b := rebuild(sc, st, dep, last, next, changes); b != nil {
			stage.Router = b.router
			next.stages[st.Name] = b
			continue
		}
		var routes []*model.Route
		integrations := map[string]*Integration{}
		sc.DeployedParts(dep, func(r *model.Route, in *model.Integration) {
			if r != nil {
				routes = append(routes, r)
				return
			}
			c := next.integrations[in]
			if c == nil {
				if c = last.integrations[in]; c == nil {
					if groups == nil {
						groups = network.GroupMap(sc.SecurityGroups)
					}
					c = compileIntegration(sc, in, balancers, groups)
				}
				next.integrations[in] = c
			}
			integrations[in.ID] = c
		})
		compileThrottle(stage, st, routes, buckets)
		for _, r := range routes {
			if route := compileRoute(r, integrations); route != nil {
				stage.Router.Add(route)
			}
		}
		if dep.Seq != 0 {
			next.stages[st.Name] = &built{dep: dep, router: stage.Router, integrations: integrations}
		}
	}
	return api, next
}

// compileRoute is the route r serves, or nil for a route without a target,
// which answers as unmatched.
func compileRoute(r *model.Route, integrations map[string]*Integration) *Route {
	id, _ := strings.CutPrefix(r.Target, "integrations/")
	integ := integrations[id]
	if integ == nil {
		return nil
	}
	return &Route{Key: r.RouteKey, Value: integ, IAM: r.AuthorizationType == "AWS_IAM"}
}

// rebuild makes the router of a stage that served an earlier deployment
// of the same API at the last compile from that router: the routes one
// deployment holds and the other does not are removed and added, on
// copies of the nodes they cross. They are found among the changes alone:
// an entry neither written nor deleted since holds for both deployments
// as it did. It returns nil when it cannot: changes not known, a
// deployment stored whole, a changed integration, or a stage with
// throttling, whose buckets follow every route.
func rebuild(sc *model.Scoped, st *model.Stage, dep *model.Deployment, last, next *Reuse, changes *Changes) *built {
	old := last.stages[st.Name]
	if old == nil || changes == nil || old.dep.Seq == 0 || dep.Seq == 0 || old.dep.APIID != dep.APIID || throttled(st) {
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
	for _, c := range *changes {
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
		if route := compileRoute(r, old.integrations); route != nil {
			router, _ = router.With(route)
		}
	}
	return &built{dep: dep, router: router, integrations: old.integrations}
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

func compileIntegration(sc *model.Scoped, in *model.Integration, balancers map[string]*upstream.Balancer, groups network.GroupMap) *Integration {
	timeout := time.Duration(in.TimeoutMillis) * time.Millisecond
	if timeout <= 0 || timeout > 30*time.Second {
		timeout = 30 * time.Second
	}
	out := &Integration{ID: in.ID, Type: in.Type, Method: in.Method, Timeout: timeout, TLSName: in.TLSServerName,
		Params: compileParams(in.RequestParameters)}
	if in.ConnectionType != "VPC_LINK" {
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
		out.Path = private.CloudMapPath(sc, link, svc, query, groups)
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
	out.Path = private.V2(sc, link, b, l.Port, groups)
	return out
}
