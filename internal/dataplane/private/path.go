// Package private is a private integration's compiled path: the VPC link
// (a V2 link's ENIs and groups, or a v1 link's endpoint service), the
// balancer and listener port behind it or the Cloud Map service it reaches
// directly, and the security-group verdict of every way in, settled once at
// compile time. Both pipelines carry requests with Path.Call and explain
// walks the same Path, so what explain reports is what requests live
// through. Call fails with typed errors; each API type turns them into its
// own answer with one mapper (HTTP, REST). The package serves compiled data
// only: it reads no store and takes no lock.
package private

import (
	"math/rand/v2"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// Path is a compiled private integration path.
type Path struct {
	Link Link
	// Balancer and Port are the load balancer and listener port the link
	// reaches; nil and 0 for a Cloud Map integration.
	Balancer *upstream.Balancer
	Port     int
	// Entries are the ways into the balancer, one of which each request
	// takes at random: a V2 link's ENIs, each to the balancer node in its
	// zone; or, for a v1 link, the endpoint service to each NLB node.
	Entries  []Entry
	CloudMap *CloudMap
	// Unfiltered says why a v1 link's hops were not checked against the
	// NLB's groups ("" when they were).
	Unfiltered string
	// Groups are the scope's security groups, for explain to name them and
	// to tell which VPC each belongs to.
	Groups network.GroupMap
	// VPCs are the scope's VPCs, for explain to say where a
	// cross-VPC hop's ends are.
	VPCs map[string]*model.VPC
}

// Link is the VPC link of a path.
type Link struct {
	ID, Status string
	// V2 is true for a VPC link V2 (ENIs in the user's subnets), false for
	// a v1 link (a VPC endpoint service in front of one NLB).
	V2     bool
	VpcID  string
	Groups []string
	// EndpointService is a v1 link's vpce-svc- id.
	EndpointService string
}

// Entry is one way into the balancer: from a link ENI (or the endpoint
// service) to a node, with the verdict of that hop.
type Entry struct {
	// ENI is the link interface; "" for the endpoint service of a v1 link.
	ENI  string
	Zone string
	Src  network.Endpoint
	// Subnet is the CIDR of a link ENI's subnet: a rule naming it keeps
	// admitting the link when AWS gives an interface another address.
	Subnet  netip.Prefix
	Node    int
	Verdict network.Verdict
}

// CloudMap is a Cloud Map service reached straight from the link's ENIs.
// Everything about its instances but their health is settled at compile
// time: which match the integration's query, where each is, and the
// network's verdict from every link ENI to it. A request only asks which
// are healthy now and picks one.
type CloudMap struct {
	Service *model.CloudMapService
	// Instances are all the service's instances, for explain to list.
	Instances []*model.Instance
	Query     map[string]string
	// Links are the link's ENIs, the sources a request leaves from.
	Links []Entry
	// Targets are the instances the query matches, in Instances' order.
	Targets []Target
}

// Target is a Cloud Map instance the integration's query matches, placed
// and judged once.
type Target struct {
	Instance *model.Instance
	// OK is false when the instance lacks AWS_INSTANCE_IPV4 and
	// AWS_INSTANCE_PORT; nothing else is set then.
	OK bool
	// Dst and Port are where the instance is in the model; Real is where
	// gatehouse dials it, by the rule AddrRule (network.RealAddress).
	Dst            network.Endpoint
	Port           int
	Real, AddrRule string
	// Verdicts are the network's verdicts from each of the Links, in
	// their order.
	Verdicts []network.Verdict
	// hop names a dropped request's hop, written once.
	hop string
}

// PrivateLinkSource stands for the endpoint side of PrivateLink: API
// Gateway's own network, outside every VPC the user has. Only rules open to
// any address (0.0.0.0/0) match it.
var PrivateLinkSource = network.Endpoint{Addr: netip.MustParseAddr("198.18.0.1")}

// linkSources are a V2 link's interfaces, in subnet order.
func linkSources(sc *model.Scoped, link *model.VpcLink) []Entry {
	var out []Entry
	for _, sn := range link.SubnetIDs {
		eni := sc.Interfaces[link.Interfaces[sn]]
		src, ok := network.InterfaceEndpoint(eni)
		if !ok {
			continue
		}
		e := Entry{ENI: eni.ID, Zone: eni.AvailabilityZone, Src: src}
		if sub := sc.Subnets[eni.SubnetID]; sub != nil {
			e.Subnet, _ = netip.ParsePrefix(sub.CidrBlock)
		}
		out = append(out, e)
	}
	return out
}

func v2Link(link *model.VpcLink) Link {
	return Link{ID: link.ID, Status: link.Status, V2: true, VpcID: link.VpcID, Groups: link.SecurityGroupIDs}
}

// V2 compiles a VPC link V2 in front of balancer b's listener on port. Each
// ENI sends to the node in its own zone (the first node when its zone has
// none), as the link's traffic stays in its zone.
func V2(sc *model.Scoped, link *model.VpcLink, b *upstream.Balancer, port int, rules network.Rules) *Path {
	p := &Path{Link: v2Link(link), Balancer: b, Port: port, Groups: rules.Groups, VPCs: sc.VPCs}
	if len(b.Nodes) == 0 {
		return p
	}
	for _, e := range linkSources(sc, link) {
		for j, n := range b.Nodes {
			if n.Zone == e.Zone {
				e.Node = j
				break
			}
		}
		e.Verdict = network.Evaluate(rules, e.Src, b.Nodes[e.Node].Endpoint, network.Flow{Protocol: "tcp", Port: port})
		p.Entries = append(p.Entries, e)
	}
	return p
}

// V1 compiles a v1 VPC link: the endpoint service hands each flow to one of
// the NLB's nodes. The NLB's groups filter PrivateLink traffic only when it
// has some and does not turn their enforcement off; either way the hop is
// judged, with the groups left out when they do not filter, since the
// node's subnet's network ACL still applies.
func V1(sc *model.Scoped, link *model.VpcLinkV1, b *upstream.Balancer, port int, rules network.Rules) *Path {
	p := &Path{Link: Link{ID: link.ID, Status: link.Status, EndpointService: link.EndpointService}, Balancer: b, Port: port,
		Groups: rules.Groups, VPCs: sc.VPCs}
	enforce := true
	if lb := sc.LoadBalancers[b.ARN]; lb != nil {
		p.Link.VpcID = lb.VpcID
		enforce = lb.Attributes["gatehouse:enforce_security_group_inbound_rules_on_private_link_traffic"] != "off"
	}
	switch {
	case len(b.Groups) == 0:
		p.Unfiltered = "the NLB has no security groups: PrivateLink traffic is not filtered"
	case !enforce:
		p.Unfiltered = "the NLB does not enforce its security groups on PrivateLink traffic"
	}
	for i, n := range b.Nodes {
		dst := n.Endpoint
		if p.Unfiltered != "" {
			dst.Groups = nil
		}
		p.Entries = append(p.Entries, Entry{Zone: n.Zone, Src: PrivateLinkSource, Node: i,
			Verdict: network.Evaluate(rules, PrivateLinkSource, dst, network.Flow{Protocol: "tcp", Port: port})})
	}
	return p
}

// CloudMapPath compiles a V2 link that reaches a Cloud Map service's
// instances directly; query filters them by attribute.
func CloudMapPath(sc *model.Scoped, link *model.VpcLink, svc *model.CloudMapService, query string, rules network.Rules) *Path {
	cm := &CloudMap{Service: svc, Instances: sc.CloudMapInstances[svc.ID], Query: map[string]string{}, Links: linkSources(sc, link)}
	if q, err := url.ParseQuery(query); err == nil {
		for k := range q {
			cm.Query[k] = q.Get(k)
		}
	}
	lookup := func(ip netip.Addr) *model.NetworkInterface { return sc.InterfaceAt(link.VpcID, ip) }
	for _, inst := range cm.Instances {
		// The query is matched as DiscoverInstances matches it, health
		// aside: health changes with time and is asked per request.
		if len(model.Discover(svc, []*model.Instance{inst}, model.Discovery{Query: cm.Query, Health: "ALL"}, time.Time{})) == 0 {
			continue
		}
		t := Target{Instance: inst}
		addr, err := netip.ParseAddr(inst.Attributes["AWS_INSTANCE_IPV4"])
		port, perr := strconv.Atoi(inst.Attributes["AWS_INSTANCE_PORT"])
		if err == nil && perr == nil {
			// Cloud Map takes any address: one beyond the link's VPC is
			// placed as a target registered for all zones is.
			t.OK, t.Port, t.hop = true, port, "VPC link -> "+inst.ID
			t.Dst = network.TargetEndpoint(sc, link.VpcID, addr, true)
			t.Real, t.AddrRule = network.RealAddress(lookup, sc.EC2Instance, t.Dst.Addr, port)
			for _, e := range cm.Links {
				t.Verdicts = append(t.Verdicts, network.Evaluate(rules, e.Src, t.Dst, network.Flow{Protocol: "tcp", Port: port}))
			}
		}
		cm.Targets = append(cm.Targets, t)
	}
	return &Path{Link: v2Link(link), CloudMap: cm, Groups: rules.Groups, VPCs: sc.VPCs}
}

// Eligible reports whether requests at now may pick t: it is healthy, as
// DiscoverInstances asking for HEALTHY instances answers (a service
// without health checks has every instance eligible).
func (cm *CloudMap) Eligible(t *Target, now time.Time) bool {
	svc := cm.Service
	return !svc.CustomHealth && svc.HealthCheck == nil || model.InstanceHealth(svc, t.Instance, now) == model.Healthy
}

// pick is one of the targets eligible at now, at random, or nil when none
// is; it counts them rather than collecting them, so it allocates nothing.
func (cm *CloudMap) pick(now time.Time) *Target {
	n := 0
	for i := range cm.Targets {
		if cm.Eligible(&cm.Targets[i], now) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	k := rand.IntN(n)
	for i := range cm.Targets {
		if t := &cm.Targets[i]; cm.Eligible(t, now) {
			if k == 0 {
				return t
			}
			k--
		}
	}
	return nil
}
