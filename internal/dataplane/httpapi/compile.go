package httpapi

import (
	"net/netip"
	"net/url"
	"strings"
	"time"

	"gatehouse/internal/dataplane/accesslog"
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
	// Throttle is the stage's default route throttling, RouteThrottle the
	// routes' own by route key; nil and empty where none is set.
	Throttle      *throttle.Bucket
	RouteThrottle map[string]*throttle.Bucket
	// AccessLog is the stage's access log format, nil without access
	// logging.
	AccessLog *accesslog.Format
}

// throttleFor is the bucket a request on route key draws from, if any.
func (st *Stage) throttleFor(key string) *throttle.Bucket {
	if b, ok := st.RouteThrottle[key]; ok {
		return b
	}
	return st.Throttle
}

// Integration is a compiled integration: everything the request path needs,
// resolved once.
type Integration struct {
	ID       string
	Type     string
	Private  bool
	URL      *url.URL // INTERNET integrations
	Method   string   // "" or ANY keeps the client's method
	Timeout  time.Duration
	Params   []paramOp
	TLSName  string
	Link     *Link
	Balancer *upstream.Balancer
	Port     int // listener port
	// Entries are the link's interfaces and the balancer node each reaches,
	// with the security-group verdict of that hop.
	Entries  []Entry
	CloudMap *CloudMapTarget
	// Broken says why the integration cannot carry traffic (a listener or
	// service that no longer exists); requests get AWS's 500.
	Broken string
}

// Link is the compiled state of a VPC link V2.
type Link struct {
	ID, Status string
	Groups     []string
}

// Entry is one way into the balancer: from a link ENI to a node.
type Entry struct {
	ENI     string
	Src     network.Endpoint
	Node    int
	Verdict network.Verdict
}

// CloudMapTarget is a Cloud Map service with the link interfaces that reach
// its instances.
type CloudMapTarget struct {
	Service   *model.CloudMapService
	Instances []*model.Instance
	Query     map[string]string
	Links     []network.Endpoint
	Groups    network.GroupMap
	Lookup    network.InterfaceLookup
}

// Compile builds the HTTP APIs of one scope.
func Compile(sc *model.Scoped, balancers map[string]*upstream.Balancer, buckets *throttle.Registry) map[string]*API {
	out := map[string]*API{}
	groups := network.GroupMap(sc.SecurityGroups)
	for _, a := range sc.HTTPAPIs {
		api := &API{ID: a.ID, Scope: sc.Scope, Stages: map[string]*Stage{}}
		for _, st := range sc.Stages {
			if st.APIID != a.ID {
				continue
			}
			stage := &Stage{Name: st.Name, Vars: st.StageVariables, AccessLog: accesslog.Compile(st.AccessLog)}
			compileThrottle(stage, st, buckets)
			if dep := sc.Deployments[a.ID+"/"+st.DeploymentID]; dep != nil {
				integrations := map[string]*Integration{}
				for i := range dep.Integrations {
					in := &dep.Integrations[i]
					integrations[in.ID] = compileIntegration(sc, in, balancers, groups)
				}
				for i := range dep.Routes {
					r := dep.Routes[i]
					id, _ := strings.CutPrefix(r.Target, "integrations/")
					integ := integrations[id]
					if integ == nil {
						continue // a route without a target answers as unmatched
					}
					stage.Router.Add(&Route{Key: r.RouteKey, Value: integ})
				}
			}
			api.Stages[st.Name] = stage
		}
		out[a.ID] = api
	}
	return out
}

// compileThrottle gives a stage its buckets: the default route settings'
// limits for every route, and a route's own settings, each limit falling
// back to the stage's, for that route alone. A route's bucket is its own,
// not shared with the stage's.
func compileThrottle(stage *Stage, st *model.Stage, buckets *throttle.Registry) {
	def := st.DefaultRouteSettings
	name := st.APIID + "/" + st.Name
	stage.Throttle = buckets.Bucket(name, def.ThrottlingRateLimit, def.ThrottlingBurstLimit)
	for key, rs := range st.RouteSettings {
		rate, burst := rs.ThrottlingRateLimit, rs.ThrottlingBurstLimit
		if rate <= 0 {
			rate = def.ThrottlingRateLimit
		}
		if burst <= 0 {
			burst = def.ThrottlingBurstLimit
		}
		if stage.RouteThrottle == nil {
			stage.RouteThrottle = map[string]*throttle.Bucket{}
		}
		stage.RouteThrottle[key] = buckets.Bucket(name+" "+key, rate, burst)
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
	out.Link = &Link{ID: link.ID, Status: link.Status, Groups: link.SecurityGroupIDs}
	var srcs []model.NetworkInterface
	for _, sn := range link.SubnetIDs {
		if eni := sc.Interfaces[link.Interfaces[sn]]; eni != nil {
			srcs = append(srcs, *eni)
		}
	}
	if strings.Contains(in.URI, ":servicediscovery:") {
		arn, query, _ := strings.Cut(in.URI, "?")
		svc := sc.CloudMapServiceByARN[arn]
		if svc == nil {
			out.Broken = "Cloud Map service " + arn + " does not exist"
			return out
		}
		cm := &CloudMapTarget{Service: svc, Instances: sc.CloudMapInstances[svc.ID], Query: map[string]string{}, Groups: groups,
			Lookup: func(ip netip.Addr) *model.NetworkInterface { return sc.InterfaceAt(link.VpcID, ip) }}
		if q, err := url.ParseQuery(query); err == nil {
			for k := range q {
				cm.Query[k] = q.Get(k)
			}
		}
		for i := range srcs {
			if ep, ok := network.InterfaceEndpoint(&srcs[i]); ok {
				cm.Links = append(cm.Links, ep)
			}
		}
		out.CloudMap = cm
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
	out.Balancer, out.Port = b, l.Port
	for i := range srcs {
		src, ok := network.InterfaceEndpoint(&srcs[i])
		if !ok {
			continue
		}
		node := 0
		for j, n := range b.Nodes {
			if n.Zone == srcs[i].AvailabilityZone {
				node = j
				break
			}
		}
		v := network.Evaluate(groups, src, b.Nodes[node].Endpoint, network.Flow{Protocol: "tcp", Port: l.Port})
		out.Entries = append(out.Entries, Entry{ENI: srcs[i].ID, Src: src, Node: node, Verdict: v})
	}
	return out
}
