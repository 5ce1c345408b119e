package dataplane

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/dataplane/httpapi"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/restapi"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// Errors of Explain, for the admin endpoint to answer 404 with.
var (
	ErrNoAPI   = errors.New("no such API")
	ErrNoStage = errors.New("no such stage")
	ErrNoRoute = errors.New("no route matches")
)

// Explain follows route through API apiID's stage, reading only the
// compiled snapshot: the hops, verdicts and targets it reports are the very
// values requests use. route is a route key ("GET /pets/{id}", "$default"),
// a REST "METHOD /resource", or a request ("GET /pets/7", "/pets/7")
// matched as the data plane would; "" explains every route. stage ""
// picks $default, else the first stage by name.
//
// Cloud Map health changes mature on a clock; Explain reads the wall
// clock, ExplainAt the time it is given, and Plane.Explain the plane's.
func (s *Snapshot) Explain(apiID, stage, route string, health HealthStatus) (*Report, error) {
	return s.ExplainAt(time.Now(), apiID, stage, route, health)
}

// Explain explains on the plane's current snapshot at the plane's time.
func (p *Plane) Explain(apiID, stage, route string, health HealthStatus) (*Report, error) {
	return p.Snapshot().ExplainAt(p.cfg.Clock.Now(), apiID, stage, route, health)
}

// ExplainAt is Explain at time now.
func (s *Snapshot) ExplainAt(now time.Time, apiID, stage, route string, health HealthStatus) (*Report, error) {
	if health == nil {
		health = func(string, string, int) (string, string) { return "", "" }
	}
	if api := s.HTTPAPIs[apiID]; api != nil {
		return explainHTTP(s, api, stage, route, health, now)
	}
	if api := s.RestAPIs[apiID]; api != nil {
		return explainREST(s, api, stage, route, health, now)
	}
	return nil, fmt.Errorf("%w: %s", ErrNoAPI, apiID)
}

func pickStage(names []string, want string) (string, error) {
	sort.Strings(names)
	if want != "" {
		for _, n := range names {
			if n == want {
				return n, nil
			}
		}
		return "", fmt.Errorf("%w: %s", ErrNoStage, want)
	}
	for _, n := range names {
		if n == "$default" {
			return n, nil
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%w: the API has no stage", ErrNoStage)
	}
	return names[0], nil
}

// splitRoute reads "METHOD /path" or "/path" (GET).
func splitRoute(route string) (method, path string) {
	if m, p, ok := strings.Cut(route, " "); ok {
		return strings.ToUpper(m), p
	}
	return "GET", route
}

func explainHTTP(s *Snapshot, api *httpapi.API, stage, route string, health HealthStatus, now time.Time) (*Report, error) {
	names := make([]string, 0, len(api.Stages))
	for n := range api.Stages {
		names = append(names, n)
	}
	name, err := pickStage(names, stage)
	if err != nil {
		return nil, err
	}
	st := api.Stages[name]
	rep := &Report{API: api.ID, Type: "HTTP", Stage: name, Revision: s.Revision, OK: true, now: now}
	var routes []*httpapi.Route
	request := ""
	method, path := "GET", "/"
	switch r := st.Router.Route(route); {
	case route == "":
		routes = st.Router.Routes()
	case r != nil:
		routes = []*httpapi.Route{r}
	default:
		method, path = splitRoute(route)
		var m httpapi.Match
		if !st.Router.Lookup(method, path, &m) {
			return nil, fmt.Errorf("%w: %s", ErrNoRoute, route)
		}
		routes, request = []*httpapi.Route{m.Route}, method+" "+path
	}
	for _, r := range routes {
		m, p := method, path
		if request == "" {
			m, p = routeRequest(r.Key)
		}
		full := p
		if name != "$default" {
			full = "/" + name + p
		}
		req, _ := http.NewRequest(m, "http://"+api.ID+".execute-api.localhost"+full, nil)
		pa := explainHTTPRoute(st, r, req, health, rep)
		pa.Request = request
		rep.Paths = append(rep.Paths, pa)
		rep.OK = rep.OK && pa.OK
	}
	return rep, nil
}

// routeRequest turns a route key into a request that stands for it when
// listener rules are matched: ANY becomes GET and placeholders stay as
// written, so a path-pattern rule sees the route's own shape.
func routeRequest(key string) (method, path string) {
	method, path, _ = httpapi.ParseKey(key)
	if method == "" || method == "ANY" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	return method, path
}

func explainHTTPRoute(st *httpapi.Stage, r *httpapi.Route, req *http.Request, health HealthStatus, rep *Report) Path {
	integ := st.Integrations[r.Integration]
	pa := Path{Route: r.Key, Integration: IntegrationInfo{ID: integ.ID, Type: integ.Type, Private: integ.Private,
		TimeoutMillis: integ.Timeout.Milliseconds()}}
	if integ.URL != nil {
		pa.Integration.Target = integ.URL.String()
	}
	if integ.Lambda != nil {
		// No network hop: API Gateway invokes the function.
		pa.Integration.Target = integ.Lambda.FunctionFor(st)
		if pa.Integration.Target == "" {
			pa.Integration.Target = integ.Lambda.StageURI
		}
	}
	if integ.StageURI != "" {
		// The URI as this stage's variables complete it, or as
		// written when they make no URL of it.
		pa.Integration.Target = integ.StageURI
		if u := st.IntegrationURL(integ); u != nil {
			pa.Integration.Target = u.String()
		}
	}
	if integ.Broken != "" {
		pa.problem(integ.Broken, "point the integration at something that exists: "+integ.Broken)
		pa.fail(Failure{Status: http.StatusInternalServerError, Message: "Internal Server Error", Cause: integ.Broken})
		return pa.done()
	}
	if integ.Path == nil {
		return pa.done()
	}
	w := &walker{pa: &pa, rep: rep, path: integ.Path, health: health, timeout: integ.Timeout, answer: private.HTTP}
	w.walk(req)
	return pa.done()
}

func explainREST(s *Snapshot, api *restapi.API, stage, route string, health HealthStatus, now time.Time) (*Report, error) {
	names := make([]string, 0, len(api.Stages))
	for n := range api.Stages {
		names = append(names, n)
	}
	name, err := pickStage(names, stage)
	if err != nil {
		return nil, err
	}
	st := api.Stages[name]
	rep := &Report{API: api.ID, Type: "REST", Stage: name, Revision: s.Revision, OK: true, now: now}
	var methods []*restapi.Method
	request := ""
	method, path := splitRoute(route)
	switch m := st.Method(method, path); {
	case route == "":
		methods = st.Methods()
	case m != nil:
		methods = []*restapi.Method{m}
	default:
		m = st.Lookup(method, path)
		if m == nil {
			return nil, fmt.Errorf("%w: %s", ErrNoRoute, route)
		}
		methods, request = []*restapi.Method{m}, method+" "+path
	}
	for _, m := range methods {
		pa := explainRESTMethod(m, health, rep)
		pa.Request = request
		rep.Paths = append(rep.Paths, pa)
		rep.OK = rep.OK && pa.OK
	}
	return rep, nil
}

func explainRESTMethod(m *restapi.Method, health HealthStatus, rep *Report) Path {
	integ := m.Integration
	pa := Path{Route: m.HTTPMethod + " " + m.Resource, Integration: IntegrationInfo{Type: integ.Type, Private: integ.Private,
		TimeoutMillis: integ.Timeout.Milliseconds()}}
	if integ.URI != nil {
		pa.Integration.Target = integ.URI.String()
	}
	if fn := integ.Function(); fn != "" {
		// No network hop: API Gateway invokes the function.
		pa.Integration.Target = fn
	}
	if integ.Broken != "" {
		pa.problem(integ.Broken, "point the integration at something that exists: "+integ.Broken)
		pa.fail(Failure{Status: http.StatusInternalServerError, Message: "Internal server error", Cause: integ.Broken})
		return pa.done()
	}
	if integ.Path == nil {
		return pa.done()
	}
	method := m.HTTPMethod
	if integ.HTTPMethod != "" && integ.HTTPMethod != "ANY" {
		method = integ.HTTPMethod
	}
	if method == "ANY" {
		method = "GET"
	}
	req, _ := http.NewRequest(method, integ.URI.String(), nil)
	w := &walker{pa: &pa, rep: rep, path: integ.Path, health: health, timeout: integ.Timeout, answer: private.REST, mapStatus: integ.MethodStatus}
	w.walk(req)
	return pa.done()
}

// walker follows one private path the way requests travel it: each way in
// the path picks among, then each balancer node and target a request from
// there can reach. It records every hop it crosses with its verdict, and
// every way a request can fail with the answer the caller gets, worked
// out by the API type's own mapper.
type walker struct {
	pa      *Path
	rep     *Report
	path    *private.Path
	health  HealthStatus
	timeout time.Duration
	answer  func(private.Failure) private.Answer
	// mapStatus is what a caller gets for a balancer's own answer: a REST
	// integration that is not a proxy maps it by its integration
	// responses. nil passes it through.
	mapStatus func(int) int
	// down is set when the link refuses every request: the walk goes on
	// to show the topology, but no other outcome is possible.
	down bool
	// unreached is set while the walk describes a balancer no request
	// reaches: it records neither hops nor outcomes there.
	unreached bool
	// ways counts the outcomes seen, good counts the successful ones.
	ways, good int
}

// fail records a way of failing with f, as the API type answers it.
func (w *walker) fail(f private.Failure, cause string) {
	if w.unreached {
		return
	}
	w.ways++
	if w.down {
		return
	}
	a := w.answer(f)
	w.pa.fail(Failure{Status: a.Status, Message: a.Message, Cause: cause})
}

// albAnswer records a way of failing with an ALB's own error page, which
// reaches the caller as the integration's response.
func (w *walker) albAnswer(status int, cause string) {
	if w.unreached {
		return
	}
	w.ways++
	if w.down {
		return
	}
	msg := "the load balancer's own " + strconv.Itoa(status) + " page"
	if w.mapStatus != nil {
		if got := w.mapStatus(status); got != status {
			msg += ", which the integration responses answer with " + strconv.Itoa(got)
			status = got
		}
	}
	w.pa.fail(Failure{Status: status, Message: msg, Cause: cause})
}

func (w *walker) ok() {
	if w.unreached {
		return
	}
	w.ways++
	w.good++
}

func (w *walker) walk(req *http.Request) {
	p, pa := w.path, w.pa
	w.rep.nameGroups(p.Groups)
	li := &LinkInfo{ID: p.Link.ID, Kind: "v1", Status: p.Link.Status, EndpointService: p.Link.EndpointService}
	if p.Link.V2 {
		li.Kind, li.Groups = "V2", p.Link.Groups
	}
	pa.Link = li
	if p.Link.Status != model.LinkAvailable {
		linkProblems(pa, p.Link.ID, p.Link.Status, p.Link.V2)
		w.fail(private.LinkDown, "VPC link "+p.Link.ID+" is "+p.Link.Status)
		w.down = true
	}
	if cm := p.CloudMap; cm != nil {
		for _, e := range cm.Links {
			li.ENIs = append(li.ENIs, Interface{Name: eniName(e.ENI, p.Link.ID), ID: e.ENI, Addr: e.Src.Addr.String(), Zone: e.Zone, Groups: e.Src.Groups})
		}
		w.cloudMap(cm)
		w.settle()
		return
	}
	b := p.Balancer
	pa.Integration.Target = b.Name + ":" + strconv.Itoa(p.Port)
	pa.Balancer = balancerInfo(b)
	if len(p.Entries) == 0 {
		pa.problem("VPC link "+p.Link.ID+" has no ENIs reaching "+b.Name, "wait for the link to become AVAILABLE (it provisions its ENIs then)")
		w.fail(private.LinkDown, "VPC link "+p.Link.ID+" has no ENIs")
	}
	for _, e := range p.Entries {
		n := b.Nodes[e.Node]
		from, openPeer := eniName(e.ENI, p.Link.ID), ""
		if p.Link.V2 {
			li.ENIs = append(li.ENIs, Interface{Name: from, ID: e.ENI, Addr: e.Src.Addr.String(), Zone: e.Zone, Groups: e.Src.Groups})
		} else {
			from, openPeer = "endpoint service "+p.Link.EndpointService+" (PrivateLink)", "0.0.0.0/0"
		}
		h := w.hopOf(from, nodeName(b, n), e.Src, n.Endpoint, p.Port, e.Verdict, openPeer)
		switch {
		case p.Unfiltered != "" && e.Verdict.Allowed:
			h.Reason = p.Unfiltered
		case p.Unfiltered != "":
			// The groups were left out; what dropped the hop is another
			// layer (the node's subnet's network ACL).
			h.Reason += " (" + p.Unfiltered + ")"
		case !p.Link.V2 && e.Verdict.Layer == network.LayerGroups:
			h.Fix += ", or turn off EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic on " + b.Name
		}
		pa.hop(h)
		if !e.Verdict.Allowed {
			w.fail(private.Dropped, dropCause(e.Verdict, from, nodeName(b, n)))
			continue
		}
		w.balancer(b, p.Port, e.Node, e.Src.Addr, req, true)
	}
	if pa.Balancer.Listener == nil && len(p.Entries) > 0 {
		// No request gets into the balancer: show its listener, rule and
		// targets all the same, without checking hops nothing crosses.
		w.unreached = true
		w.balancer(b, p.Port, p.Entries[0].Node, p.Entries[0].Src.Addr, req, true)
		w.unreached = false
	}
	w.settle()
}

// settle marks a path that fails only some of its requests.
func (w *walker) settle() {
	w.pa.Partial = !w.down && w.good > 0 && w.good < w.ways
}

// balancer follows a request that enters b at node on port: the listener,
// the rule it meets, and the targets its node can send to. top is false
// for an ALB behind an NLB, whose details are not shown as the path's
// balancer.
func (w *walker) balancer(b *upstream.Balancer, port, node int, client netip.Addr, req *http.Request, top bool) {
	pa := w.pa
	l := b.Listeners[port]
	if l == nil {
		pa.problem(fmt.Sprintf("%s has no listener on port %d: connections are refused", b.Name, port),
			fmt.Sprintf("create a listener on port %d of %s, or point the integration at a port it listens on", port, b.Name))
		w.fail(private.Refused, b.Name+" has no listener on port "+strconv.Itoa(port))
		return
	}
	alb := b.Type != "network"
	rule := &l.Rules[len(l.Rules)-1]
	if alb {
		rule = l.Route(req, client)
	}
	if top {
		pa.Balancer.Listener = &Listener{ARN: l.ARN, Protocol: l.Protocol, Port: l.Port}
		pa.Balancer.Rule = &RuleInfo{ARN: rule.ARN, Priority: rule.Priority, Action: rule.Action.Type}
	}
	if rule.Action.Type != "forward" {
		w.ok() // the balancer answers itself, as configured
		return
	}
	noTarget := func(what, fix, cause string) {
		pa.problem(what, fix)
		if alb {
			w.albAnswer(http.StatusServiceUnavailable, cause)
		} else {
			w.fail(private.Refused, cause)
		}
	}
	if len(rule.Action.Groups) == 0 {
		noTarget(fmt.Sprintf("rule %s of %s forwards to no target group", rule.Priority, b.Name),
			"make the listener rule forward to a target group", b.Name+" has no target group to forward to")
		return
	}
	for _, wp := range rule.Action.Groups {
		w.pool(b, wp, node, client, req, top, noTarget)
	}
}

func (w *walker) pool(b *upstream.Balancer, wp upstream.WeightedPool, node int, client netip.Addr, req *http.Request, top bool,
	noTarget func(what, fix, cause string)) {
	p, pa := wp.Pool, w.pa
	alb := b.Type != "network"
	if top {
		pi := PoolInfo{ARN: p.ARN, Name: p.Name, Protocol: p.Protocol, Weight: wp.Weight, CrossZone: p.CrossZone}
		for _, t := range p.Targets {
			ti := TargetInfo{ID: t.ID, Port: t.Port, Real: t.Real, AddrRule: t.AddrRule, Zone: t.Zone}
			if t.Modeled.IsValid() {
				ti.Modeled = t.Modeled.String()
			}
			ti.Health, ti.HealthReason = w.health(p.ARN, t.ID, t.Port)
			if t.ALB != nil {
				ti.ALB = t.ALB.Name
			}
			if p.Lambda {
				ti.Function, ti.Port = t.ID, 0
			}
			pi.Targets = append(pi.Targets, ti)
		}
		if !pa.Balancer.hasPool(p.ARN) {
			pa.Balancer.Pools = append(pa.Balancer.Pools, pi)
		}
	}
	if len(p.Targets) == 0 && len(p.Stopped) > 0 {
		ids := strings.Join(p.Stopped, ", ")
		noTarget("target group "+p.Name+" has no running instance ("+ids+" not running)", "start instance "+ids,
			"target group "+p.Name+" has no running instance")
		return
	}
	if len(p.Targets) == 0 {
		noTarget("target group "+p.Name+" has no registered targets", "register a target in target group "+p.Name,
			"target group "+p.Name+" has no targets")
		return
	}
	carrier, targets, failedOpen := p.Reach(b, node)
	if len(targets) == 0 {
		zone := b.Nodes[carrier%len(b.Nodes)].Zone
		noTarget("target group "+p.Name+" has no target in "+zone+" and cross-zone load balancing is off",
			"register a target in "+zone+", or turn on cross-zone load balancing for "+p.Name, "no target in "+zone)
		return
	}
	if p.Lambda {
		if !w.unreached {
			// No socket: the ALB calls Lambda, so no group or ACL decides.
			w.note(b.Name + " invokes Lambda function " + targets[0].ID + " for target group " + p.Name +
				" (no network hop; the function's policy must let elasticloadbalancing.amazonaws.com invoke it)")
		}
		w.ok()
		return
	}
	from := nodeName(b, b.Nodes[carrier%len(b.Nodes)])
	if failedOpen && !w.unreached {
		w.note("no target of " + p.Name + " is healthy: " + b.Name + " fails open and sends to them all")
	}
	for _, t := range targets {
		to := "target " + t.ID + ":" + strconv.Itoa(t.Port)
		if t.ALB != nil {
			to = "alb " + t.ALB.Name
		}
		v, checked := t.VerdictFrom(carrier)
		if w.unreached {
			continue
		}
		if checked {
			src, dst := v.Ends()
			pa.hop(w.hopOf(from, to, src, dst, t.Port, v, ""))
		}
		switch {
		case checked && !v.Allowed:
			if alb && w.timeout > upstream.ConnectTimeout {
				w.albAnswer(http.StatusGatewayTimeout, dropCause(v, from, to)+": the ALB's connect attempt times out")
			} else {
				w.fail(private.Dropped, dropCause(v, from, to))
			}
		case t.ALB != nil:
			if len(t.ALB.Nodes) == 0 {
				w.fail(private.Refused, t.ALB.Name+" has no nodes")
				continue
			}
			w.balancer(t.ALB, t.Port, carrier%len(t.ALB.Nodes), client, req, false)
		case failedOpen:
			state, _ := w.health(p.ARN, t.ID, t.Port)
			if state != "unhealthy" {
				w.ok() // not yet checked: it may well answer
				continue
			}
			pa.problem(to+" of "+p.Name+" fails its health checks, and no target of "+p.Name+" is healthy",
				"make "+to+" pass its health checks (is its process running on "+t.Real+"?)")
			if alb {
				w.albAnswer(http.StatusBadGateway, to+" is unhealthy")
			} else {
				w.fail(private.Refused, to+" is unhealthy")
			}
		default:
			w.ok()
		}
	}
}

// cloudMap checks each link ENI against each instance the data plane may
// pick: those that match the integration's query and are healthy, as
// DiscoverInstances would answer.
func (w *walker) cloudMap(cm *private.CloudMap) {
	pa := w.pa
	ci := &CloudMapInfo{Service: cm.Service.Name}
	pa.CloudMap = ci
	eligible := 0
	targets := map[*model.Instance]*private.Target{}
	for i := range cm.Targets {
		targets[cm.Targets[i].Instance] = &cm.Targets[i]
	}
	for _, inst := range cm.Instances {
		ti := TargetInfo{ID: inst.ID, Health: model.InstanceHealth(cm.Service, inst, w.rep.now)}
		t := targets[inst]
		if t == nil || !cm.Eligible(t, w.rep.now) {
			ti.HealthReason = "not picked: unhealthy, or its attributes do not match the integration's query"
			ci.Instances = append(ci.Instances, ti)
			continue
		}
		eligible++
		if len(cm.Links) == 0 {
			ci.Instances = append(ci.Instances, ti)
			continue
		}
		if !t.OK {
			pa.problem("Cloud Map instance "+inst.ID+" has no AWS_INSTANCE_IPV4 and AWS_INSTANCE_PORT",
				"register instance "+inst.ID+" with AWS_INSTANCE_IPV4 and AWS_INSTANCE_PORT")
			w.fail(private.NoInstance, "instance "+inst.ID+" has no address")
			ci.Instances = append(ci.Instances, ti)
			continue
		}
		ti.Port, ti.Modeled = t.Port, netip.AddrPortFrom(t.Dst.Addr, uint16(t.Port)).String()
		ti.Real, ti.AddrRule = t.Real, t.AddrRule
		ci.Instances = append(ci.Instances, ti)
		for j, e := range cm.Links {
			v := t.Verdicts[j]
			from := eniName(e.ENI, w.path.Link.ID)
			pa.hop(w.hopOf(from, "instance "+inst.ID, e.Src, t.Dst, t.Port, v, ""))
			if v.Allowed {
				w.ok()
			} else {
				w.fail(private.Dropped, dropCause(v, from, "instance "+inst.ID))
			}
		}
	}
	if eligible == 0 {
		what := "Cloud Map service " + cm.Service.Name + " has no healthy instance matching the integration"
		if len(cm.Instances) == 0 {
			what = "Cloud Map service " + cm.Service.Name + " has no instances"
		}
		pa.problem(what, "register a healthy instance in "+cm.Service.Name)
		w.fail(private.NoInstance, what)
	}
}

// linkProblems reports a link that cannot carry traffic now, as the request
// path refuses it.
func linkProblems(pa *Path, id, status string, v2 bool) {
	switch status {
	case model.LinkAvailable:
	case model.LinkInactive:
		if v2 {
			pa.problem("VPC link "+id+" is INACTIVE (idle): requests fail while it comes back",
				"send a request to wake VPC link "+id+", then wait until it is AVAILABLE")
			return
		}
		fallthrough
	default:
		pa.problem("VPC link "+id+" is "+status+", not AVAILABLE", "wait until VPC link "+id+" is AVAILABLE")
	}
}

func balancerInfo(b *upstream.Balancer) *BalancerInfo {
	bi := &BalancerInfo{Name: b.Name, ARN: b.ARN, Type: b.Type, Groups: b.Groups, CrossZone: b.CrossZone}
	for _, n := range b.Nodes {
		bi.Nodes = append(bi.Nodes, Interface{Name: nodeName(b, n), ID: n.ENI, Addr: n.Endpoint.Addr.String(), Zone: n.Zone, Groups: n.Endpoint.Groups})
	}
	return bi
}

func (bi *BalancerInfo) hasPool(arn string) bool {
	for _, p := range bi.Pools {
		if p.ARN == arn {
			return true
		}
	}
	return false
}

// eniName names a link interface by id, or the link alone where there is
// no interface id.
func eniName(id, link string) string {
	if id == "" {
		return "link eni " + link
	}
	return "eni " + id + " (link " + link + ")"
}

func nodeName(b *upstream.Balancer, n upstream.Node) string {
	return "node " + n.ENI + " of " + b.Name
}

// name shows a group with its name: "sg-1 (alb)".
func (w *walker) name(id string) string {
	if g := w.path.Groups[id]; g != nil && g.Name != "" {
		return id + " (" + g.Name + ")"
	}
	return id
}

func (w *walker) note(s string) {
	for _, n := range w.pa.Notes {
		if n == s {
			return
		}
	}
	w.pa.Notes = append(w.pa.Notes, s)
}

// hopOf describes one flow. openPeer names the peer a fix must admit when
// the source stands outside the VPC ("" derives it from the source).
func (w *walker) hopOf(from, to string, src, dst network.Endpoint, port int, v network.Verdict, openPeer string) Hop {
	h := Hop{From: from, To: to, FromAddr: src.Addr.String(), ToAddr: dst.Addr.String(), FromGroups: src.Groups, ToGroups: dst.Groups,
		Protocol: "tcp", Port: port, Verdict: v, Reason: v.ReasonWith(w.name), ACLs: v.ACLChecks()}
	if !v.Allowed {
		h.Fix = w.fixFor(v, src, dst, network.Flow{Protocol: "tcp", Port: port}, openPeer)
	}
	for _, c := range h.ACLs {
		// A return leg that passes may still deny some ephemeral ports:
		// the few connections picking one of them fail on AWS.
		if warn := c.Warning(network.Flow{Protocol: "tcp", Port: port}); warn != "" {
			w.note(warn)
		}
	}
	return h
}

// fixFor names the smallest rule that turns a deny into an allow and that
// EC2 would accept: on the side that dropped the flow, in the first group
// there, naming the peer by group when it has one in the same VPC (the way
// AWS advises referencing groups), else by address, since EC2 refuses a
// rule that names a group of another VPC. A link interface is named by its
// subnet's CIDR rather than its own address, which AWS may change.
func (w *walker) fixFor(v network.Verdict, src, dst network.Endpoint, f network.Flow, openPeer string) string {
	switch v.Layer {
	case network.LayerVPC:
		// No rule can fix this: EC2 refuses a group of another VPC, and
		// an address rule changes nothing while no route joins them.
		where := "register targets in the load balancer's VPC, " + w.vpcName(src.VPC)
		if w.linkSubnet(src.Addr).IsValid() {
			where = "create the VPC link in its load balancer's VPC, " + w.vpcName(dst.VPC)
		}
		return fmt.Sprintf("the VPCs are not connected: %s is in %s and %s in %s; %s "+
			"(gatehouse models no peering connection or transit gateway)", src.Addr, w.vpcName(src.VPC), dst.Addr, w.vpcName(dst.VPC), where)
	case network.LayerAddress:
		if dst.Instance != "" {
			return "start instance " + dst.Instance + ", or register the address of a running one"
		}
		return fmt.Sprintf("register an address that a network interface or instance in %s owns (create an ENI with private IP %s), "+
			"or, for an address outside the VPC, register it with AvailabilityZone all", w.vpcName(dst.VPC), dst.Addr)
	case network.LayerACL:
		return w.aclFix(v.DroppedBy(), src, dst, f, openPeer)
	}
	vpcOf := func(e network.Endpoint) string {
		if len(e.Groups) > 0 {
			if g := w.path.Groups[e.Groups[0]]; g != nil {
				return g.VpcID
			}
		}
		return ""
	}
	// Ends in two VPCs never reach here (Evaluate drops them as
	// LayerVPC first), but a peer's group is named only when it is in the
	// VPC of self's group, as EC2 would accept.
	peerOf := func(e, self network.Endpoint) string {
		if len(e.Groups) > 0 && vpcOf(e) == vpcOf(self) {
			return w.name(e.Groups[0])
		}
		if sub := w.linkSubnet(e.Addr); sub.IsValid() {
			return sub.String()
		}
		return e.Addr.String() + "/32"
	}
	switch v.Side {
	case network.SideEgress:
		return fmt.Sprintf("add an egress rule to %s allowing %s to %s", w.name(src.Groups[0]), f, peerOf(dst, src))
	case network.SideIngress:
		peer := peerOf(src, dst)
		if openPeer != "" {
			peer = openPeer
		}
		return fmt.Sprintf("add an ingress rule to %s allowing %s from %s", w.name(dst.Groups[0]), f, peer)
	}
	return ""
}

// aclFix names the ACL entry that lets the dropped leg through: in the ACL
// and direction that dropped it, numbered before the entry that did, for
// the flow's port on the request and the ephemeral range on the return.
// openPeer, when set, stands for a source outside the VPC whose modeled
// address is only a placeholder.
func (w *walker) aclFix(c network.ACLCheck, src, dst network.Endpoint, f network.Flow, openPeer string) string {
	// The leg's peer: the request goes to dst and comes from src; the
	// answer goes back to src and comes from dst.
	peer, ports := src, f.Protocol+"/"+strconv.Itoa(f.Port)
	if c.Egress != c.Return {
		peer = dst
	}
	if c.Return {
		ports = fmt.Sprintf("%s/%d-%d", f.Protocol, network.EphemeralFirst, network.EphemeralLast)
	}
	cidr := peer.Addr.String() + "/32"
	if sub := w.linkSubnet(peer.Addr); sub.IsValid() {
		cidr = sub.String()
	} else if openPeer != "" && c.Egress == c.Return {
		cidr = openPeer
	}
	dir, way := "an inbound", "from"
	if c.Egress {
		dir, way = "an outbound", "to"
	}
	where := "numbered below " + strconv.Itoa(c.Rule.RuleNumber)
	if c.Rule.RuleNumber != model.ACLDefaultRule {
		where += " (or change rule " + strconv.Itoa(c.Rule.RuleNumber) + ")"
	}
	return fmt.Sprintf("add %s rule to network ACL %s allowing %s %s %s, %s", dir, c.ACL, ports, way, cidr, where)
}

// vpcName shows a VPC with its CIDR: "vpc-1 (10.20.0.0/16)".
func (w *walker) vpcName(id string) string {
	if v := w.path.VPCs[id]; v != nil && v.CidrBlock != "" {
		return id + " (" + v.CidrBlock + ")"
	}
	return id
}

// dropCause says what dropped the hop from -> to, as a failure's cause.
func dropCause(v network.Verdict, from, to string) string {
	switch v.Layer {
	case network.LayerVPC:
		return from + " -> " + to + " crosses two VPCs that are not connected"
	case network.LayerAddress:
		if _, dst := v.Ends(); dst.Instance != "" {
			return "instance " + dst.Instance + " holding the address of " + to + " is not running"
		}
		return "no network interface or instance owns the address of " + to
	case network.LayerACL:
		if c := v.DroppedBy(); c.Together {
			// Both return legs decided: name the two ACLs.
			var acls []string
			for _, c := range v.ACLChecks() {
				if !c.Allowed {
					acls = append(acls, c.ACL)
				}
			}
			return "network ACLs " + strings.Join(acls, " and ") + " together drop " + from + " -> " + to
		}
		return "network ACL " + v.DroppedBy().ACL + " drops " + from + " -> " + to
	}
	return "security groups drop " + from + " -> " + to
}

// linkSubnet is the CIDR of the subnet of the link interface at addr, or
// the zero prefix when addr is not a link interface's.
func (w *walker) linkSubnet(addr netip.Addr) netip.Prefix {
	entries := w.path.Entries
	if cm := w.path.CloudMap; cm != nil {
		entries = cm.Links
	}
	for _, e := range entries {
		if e.ENI != "" && e.Src.Addr == addr {
			return e.Subnet
		}
	}
	return netip.Prefix{}
}

func (pa *Path) problem(what, fix string) {
	for _, p := range pa.Problems {
		if p == what {
			return
		}
	}
	pa.Problems = append(pa.Problems, what)
	pa.Fixes = append(pa.Fixes, fix)
}

// fail records one way the path fails, each once.
func (pa *Path) fail(f Failure) {
	for _, x := range pa.Failures {
		if x == f {
			return
		}
	}
	pa.Failures = append(pa.Failures, f)
}

// hop records a hop once: several ways in may cross the same one.
func (pa *Path) hop(h Hop) {
	for _, x := range pa.Hops {
		if x.From == h.From && x.To == h.To && x.Port == h.Port {
			return
		}
	}
	pa.Hops = append(pa.Hops, h)
	if h.Fix != "" {
		for _, f := range pa.Fixes {
			if f == h.Fix {
				return // one rule fixes every ENI of the same group
			}
		}
		pa.Fixes = append(pa.Fixes, h.Fix)
	}
}

// done settles OK: a path is OK when no way a request can take fails. The
// data plane picks among ways in and targets at random, so one failing way
// fails some requests.
func (pa *Path) done() Path {
	pa.OK = len(pa.Problems) == 0 && len(pa.Failures) == 0
	for _, h := range pa.Hops {
		if !h.Verdict.Allowed {
			pa.OK = false
		}
	}
	if pa.Hops == nil {
		pa.Hops = []Hop{}
	}
	return *pa
}

// nameGroups adds the names of the groups explain may show.
func (r *Report) nameGroups(groups network.GroupMap) {
	for id, g := range groups {
		if g.Name == "" {
			continue
		}
		if r.GroupNames == nil {
			r.GroupNames = map[string]string{}
		}
		r.GroupNames[id] = g.Name
	}
}
