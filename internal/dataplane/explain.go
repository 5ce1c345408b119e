package dataplane

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"gatehouse/internal/dataplane/httpapi"
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
func (s *Snapshot) Explain(apiID, stage, route string, health HealthStatus) (*Report, error) {
	if health == nil {
		health = func(string, string, int) (string, string) { return "", "" }
	}
	if api := s.HTTPAPIs[apiID]; api != nil {
		return explainHTTP(s, api, stage, route, health)
	}
	if api := s.RestAPIs[apiID]; api != nil {
		return explainREST(s, api, stage, route, health)
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

func explainHTTP(s *Snapshot, api *httpapi.API, stage, route string, health HealthStatus) (*Report, error) {
	names := make([]string, 0, len(api.Stages))
	for n := range api.Stages {
		names = append(names, n)
	}
	name, err := pickStage(names, stage)
	if err != nil {
		return nil, err
	}
	st := api.Stages[name]
	rep := &Report{API: api.ID, Type: "HTTP", Stage: name, Revision: s.Revision, OK: true}
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
		pa := explainHTTPRoute(r, req, health)
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

func explainHTTPRoute(r *httpapi.Route, req *http.Request, health HealthStatus) Path {
	integ := r.Value.(*httpapi.Integration)
	pa := Path{Route: r.Key, Integration: IntegrationInfo{ID: integ.ID, Type: integ.Type, Private: integ.Private,
		TimeoutMillis: integ.Timeout.Milliseconds()}}
	if integ.URL != nil {
		pa.Integration.Target = integ.URL.String()
	}
	if integ.Broken != "" {
		pa.problem(integ.Broken, "point the integration at something that exists: "+integ.Broken)
		return pa.done()
	}
	if !integ.Private {
		return pa.done()
	}
	link := integ.Link
	li := &LinkInfo{ID: link.ID, Kind: "V2", Status: link.Status, Groups: link.Groups}
	var srcs []network.Endpoint
	var nodes []int
	for _, e := range integ.Entries {
		li.ENIs = append(li.ENIs, Interface{Name: eniName(e.ENI, link.ID), ID: e.ENI, Addr: e.Src.Addr.String(), Groups: e.Src.Groups})
		srcs = append(srcs, e.Src)
	}
	pa.Link = li
	linkProblems(&pa, link.ID, link.Status, true)
	if integ.CloudMap != nil {
		// Cloud Map integrations send from the link's interfaces directly,
		// without balancer entries.
		for _, src := range integ.CloudMap.Links {
			li.ENIs = append(li.ENIs, Interface{Name: eniName("", src.Addr.String()), Addr: src.Addr.String(), Groups: src.Groups})
		}
		explainCloudMap(&pa, integ.CloudMap, integ.CloudMap.Links)
		return pa.done()
	}
	b := integ.Balancer
	pa.Integration.Target = b.Name + ":" + strconv.Itoa(integ.Port)
	pa.Balancer = balancerInfo(b)
	if len(integ.Entries) == 0 {
		pa.problem("VPC link "+link.ID+" has no ENIs to send from", "wait for the link to become AVAILABLE (it provisions its ENIs then)")
	}
	for _, e := range integ.Entries {
		n := b.Nodes[e.Node]
		pa.hop(hopOf(eniName(e.ENI, link.ID), nodeName(b, n), e.Src, n.Endpoint, integ.Port, e.Verdict, ""))
		nodes = appendNode(nodes, e.Node)
	}
	client := netip.Addr{}
	if len(srcs) > 0 {
		client = srcs[0].Addr
	}
	explainBalancer(&pa, b, integ.Port, req, client, nodes, health)
	return pa.done()
}

func explainREST(s *Snapshot, api *restapi.API, stage, route string, health HealthStatus) (*Report, error) {
	names := make([]string, 0, len(api.Stages))
	for n := range api.Stages {
		names = append(names, n)
	}
	name, err := pickStage(names, stage)
	if err != nil {
		return nil, err
	}
	st := api.Stages[name]
	rep := &Report{API: api.ID, Type: "REST", Stage: name, Revision: s.Revision, OK: true}
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
		pa := explainRESTMethod(m, health)
		pa.Request = request
		rep.Paths = append(rep.Paths, pa)
		rep.OK = rep.OK && pa.OK
	}
	return rep, nil
}

func explainRESTMethod(m *restapi.Method, health HealthStatus) Path {
	integ := m.Integration
	pa := Path{Route: m.HTTPMethod + " " + m.Resource, Integration: IntegrationInfo{Type: integ.Type, Private: integ.Private,
		TimeoutMillis: integ.Timeout.Milliseconds()}}
	if integ.URI != nil {
		pa.Integration.Target = integ.URI.String()
	}
	if integ.Broken != "" {
		pa.problem(integ.Broken, "point the integration at something that exists: "+integ.Broken)
		return pa.done()
	}
	if !integ.Private {
		return pa.done()
	}
	b := integ.Balancer
	pa.Balancer = balancerInfo(b)
	method := m.HTTPMethod
	if integ.HTTPMethod != "" && integ.HTTPMethod != "ANY" {
		method = integ.HTTPMethod
	}
	if method == "ANY" {
		method = "GET"
	}
	req, _ := http.NewRequest(method, integ.URI.String(), nil)
	var nodes []int
	var client netip.Addr
	if integ.V2 {
		li := &LinkInfo{ID: integ.LinkID, Kind: "V2", Status: integ.LinkStatus}
		entries := integ.LinkEntries()
		for _, e := range entries {
			li.ENIs = append(li.ENIs, Interface{Name: eniName(e.ENI, integ.LinkID), ID: e.ENI, Addr: e.Src.Addr.String(), Groups: e.Src.Groups})
			li.Groups = e.Src.Groups
		}
		pa.Link = li
		linkProblems(&pa, integ.LinkID, integ.LinkStatus, true)
		if len(entries) == 0 {
			pa.problem("VPC link "+integ.LinkID+" has no ENIs reaching "+b.Name, "wait for the link to become AVAILABLE (it provisions its ENIs then)")
		}
		for _, e := range entries {
			n := b.Nodes[e.Node]
			pa.hop(hopOf(eniName(e.ENI, integ.LinkID), nodeName(b, n), e.Src, n.Endpoint, integ.Port, e.Verdict, ""))
			nodes = appendNode(nodes, e.Node)
			client = e.Src.Addr
		}
	} else {
		pa.Link = &LinkInfo{ID: integ.LinkID, Kind: "v1", Status: integ.LinkStatus, EndpointService: integ.EndpointService}
		linkProblems(&pa, integ.LinkID, integ.LinkStatus, false)
		src := restapi.PrivateLinkSource()
		client = src.Addr
		for i := range b.Nodes {
			nodes = append(nodes, i)
		}
		if len(b.Nodes) > 0 {
			from := "endpoint service " + integ.EndpointService + " (PrivateLink)"
			v := integ.PrivateLinkVerdict
			h := hopOf(from, nodeName(b, b.Nodes[0]), src, b.Nodes[0].Endpoint, integ.Port, v, "0.0.0.0/0")
			if v.Side == "" {
				// The data plane did not consult the NLB's groups, so the
				// hop passes whatever they say.
				h.Verdict = network.Verdict{Allowed: integ.PrivateLinkAllowed}
				h.Reason = "the NLB has no security groups, or does not enforce them on PrivateLink traffic"
				if len(b.Groups) == 0 {
					h.Reason = "the NLB has no security groups: PrivateLink traffic is not filtered"
				}
			} else if !v.Allowed {
				h.Fix += ", or turn off EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic on " + b.Name
			}
			pa.hop(h)
		}
	}
	explainBalancer(&pa, b, integ.Port, req, client, nodes, health)
	return pa.done()
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
	bi := &BalancerInfo{Name: b.Name, ARN: b.ARN, Type: b.Type, Groups: b.Groups}
	for _, n := range b.Nodes {
		bi.Nodes = append(bi.Nodes, Interface{Name: nodeName(b, n), ID: n.ENI, Addr: n.Endpoint.Addr.String(), Zone: n.Zone, Groups: n.Endpoint.Groups})
	}
	return bi
}

// eniName names a link interface by id, or by address where the compiled
// path keeps only that (Cloud Map sources).
func eniName(id, link string) string {
	if id == "" {
		return "link eni " + link
	}
	return "eni " + id + " (link " + link + ")"
}

func nodeName(b *upstream.Balancer, n upstream.Node) string {
	return "node " + n.ENI + " of " + b.Name
}

func appendNode(nodes []int, n int) []int {
	for _, x := range nodes {
		if x == n {
			return nodes
		}
	}
	return append(nodes, n)
}

// explainBalancer follows the listener on port to the rule a request meets
// and the targets it forwards to, from every node the request can enter by.
func explainBalancer(pa *Path, b *upstream.Balancer, port int, req *http.Request, client netip.Addr, nodes []int, health HealthStatus) {
	bi := pa.Balancer
	l := b.Listeners[port]
	if l == nil {
		pa.problem(fmt.Sprintf("%s has no listener on port %d: connections are refused", b.Name, port),
			fmt.Sprintf("create a listener on port %d of %s, or point the integration at a port it listens on", port, b.Name))
		return
	}
	bi.Listener = &Listener{ARN: l.ARN, Protocol: l.Protocol, Port: l.Port}
	rule := &l.Rules[len(l.Rules)-1]
	if b.Type != "network" {
		rule = l.Route(req, client)
	}
	bi.Rule = &RuleInfo{ARN: rule.ARN, Priority: rule.Priority, Action: rule.Action.Type}
	if rule.Action.Type != "forward" {
		return // the balancer answers itself: no target is reached
	}
	if len(rule.Action.Groups) == 0 {
		pa.problem(fmt.Sprintf("rule %s of %s forwards to no target group", rule.Priority, b.Name),
			"make the listener rule forward to a target group")
		return
	}
	for _, wp := range rule.Action.Groups {
		p := wp.Pool
		pi := PoolInfo{ARN: p.ARN, Name: p.Name, Protocol: p.Protocol, Weight: wp.Weight}
		if len(p.Targets) == 0 {
			pa.problem("target group "+p.Name+" has no registered targets", "register a target in target group "+p.Name)
		}
		for _, t := range p.Targets {
			ti := TargetInfo{ID: t.ID, Port: t.Port, Real: t.Real, AddrRule: t.AddrRule, Zone: t.Zone}
			if t.Modeled.IsValid() {
				ti.Modeled = t.Modeled.String()
			}
			ti.Health, ti.HealthReason = health(p.ARN, t.ID, t.Port)
			if t.ALB != nil {
				ti.ALB = t.ALB.Name
			}
			pi.Targets = append(pi.Targets, ti)
			if t.ALB != nil || len(t.Hops) == 0 {
				continue
			}
			for _, n := range nodes {
				// Hops[i] is the verdict from Nodes[i]: the one the
				// forwarder checks before it dials.
				v := t.Hops[n%len(t.Hops)]
				src, dst := v.Ends()
				node := b.Nodes[n%len(b.Nodes)]
				pa.hop(hopOf(nodeName(b, node), "target "+t.ID+":"+strconv.Itoa(t.Port), src, dst, t.Port, v, ""))
			}
		}
		bi.Pools = append(bi.Pools, pi)
	}
}

// explainCloudMap checks each link ENI against each registered instance, as
// the request path does for the instance it picks.
func explainCloudMap(pa *Path, cm *httpapi.CloudMapTarget, srcs []network.Endpoint) {
	ci := &CloudMapInfo{Service: cm.Service.Name}
	for _, inst := range cm.Instances {
		addr, err := netip.ParseAddr(inst.Attributes["AWS_INSTANCE_IPV4"])
		port, perr := strconv.Atoi(inst.Attributes["AWS_INSTANCE_PORT"])
		ti := TargetInfo{ID: inst.ID}
		if err != nil || perr != nil {
			pa.problem("Cloud Map instance "+inst.ID+" has no AWS_INSTANCE_IPV4 and AWS_INSTANCE_PORT",
				"register instance "+inst.ID+" with AWS_INSTANCE_IPV4 and AWS_INSTANCE_PORT")
			ci.Instances = append(ci.Instances, ti)
			continue
		}
		ti.Port, ti.Modeled = port, netip.AddrPortFrom(addr, uint16(port)).String()
		ti.Real, ti.AddrRule = network.RealAddress(cm.Lookup, addr, port)
		ci.Instances = append(ci.Instances, ti)
		dst := network.Endpoint{Addr: addr}
		if eni := cm.Lookup(addr); eni != nil {
			dst.Groups = eni.Groups
		}
		for _, src := range srcs {
			v := network.Evaluate(cm.Groups, src, dst, network.Flow{Protocol: "tcp", Port: port})
			pa.hop(hopOf(eniName("", src.Addr.String()), "instance "+inst.ID, src, dst, port, v, ""))
		}
	}
	if len(cm.Instances) == 0 {
		pa.problem("Cloud Map service "+cm.Service.Name+" has no instances", "register an instance in "+cm.Service.Name)
	}
	pa.CloudMap = ci
}

// hopOf describes one flow. openPeer names the peer a fix must admit when
// the source stands outside the VPC ("" derives it from the source).
func hopOf(from, to string, src, dst network.Endpoint, port int, v network.Verdict, openPeer string) Hop {
	h := Hop{From: from, To: to, FromAddr: src.Addr.String(), ToAddr: dst.Addr.String(), FromGroups: src.Groups, ToGroups: dst.Groups,
		Protocol: "tcp", Port: port, Verdict: v, Reason: v.Reason()}
	if !v.Allowed {
		h.Fix = fixFor(v, src, dst, network.Flow{Protocol: "tcp", Port: port}, openPeer)
	}
	return h
}

// fixFor names the smallest rule that turns a deny into an allow: on the
// side that dropped the flow, in the first group there, naming the peer by
// group when it has one (the way AWS advises referencing groups), else by
// address.
func fixFor(v network.Verdict, src, dst network.Endpoint, f network.Flow, openPeer string) string {
	peerOf := func(e network.Endpoint) string {
		if len(e.Groups) > 0 {
			return e.Groups[0]
		}
		return e.Addr.String() + "/32"
	}
	switch v.Side {
	case network.SideEgress:
		return fmt.Sprintf("add an egress rule to %s allowing %s to %s", src.Groups[0], f, peerOf(dst))
	case network.SideIngress:
		peer := peerOf(src)
		if openPeer != "" {
			peer = openPeer
		}
		return fmt.Sprintf("add an ingress rule to %s allowing %s from %s", dst.Groups[0], f, peer)
	}
	return ""
}

func (pa *Path) problem(what, fix string) {
	pa.Problems = append(pa.Problems, what)
	pa.Fixes = append(pa.Fixes, fix)
}

func (pa *Path) hop(h Hop) {
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

// done settles OK: any denied hop drops some requests (the data plane
// picks among entries at random), so one is enough to break the path.
func (pa *Path) done() Path {
	pa.OK = len(pa.Problems) == 0
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
