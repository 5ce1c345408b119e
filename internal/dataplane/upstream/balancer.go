package upstream

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// Health answers whether a target passes its health checks (health.Table).
type Health interface {
	Healthy(tgARN, targetID string, port int) bool
}

// Balancer is a compiled ALB or NLB.
type Balancer struct {
	ARN, Name, Type string
	// Nodes are the balancer's interfaces, one per subnet: the source of
	// traffic to targets, and the destination of traffic from VPC links.
	Nodes     []Node
	Groups    []string
	Listeners map[int]*Listener
	// CrossZone is load_balancing.cross_zone.enabled: always on for an
	// ALB, off by default for an NLB. A target group can override it.
	CrossZone bool
}

// Node is one of a balancer's interfaces.
type Node struct {
	ENI      string
	Subnet   string
	Zone     string
	Endpoint network.Endpoint
}

// Listener is a compiled listener: rules in priority order, the default
// last.
type Listener struct {
	ARN      string
	Port     int
	Protocol string
	Rules    []Rule
	// forwarded holds the X-Forwarded-Proto and X-Forwarded-Port values,
	// formatted at compile time because every forwarded request sends them.
	forwarded [2]string
}

// Rule is a compiled listener rule.
type Rule struct {
	ARN      string
	Priority string // a number, or "default"
	conds    []cond
	Action   Action
}

// Action is a rule's terminal action.
type Action struct {
	Type     string // forward | fixed-response | redirect
	Groups   []WeightedPool
	total    int
	Fixed    *model.Action
	Redirect *model.Redirect
}

// WeightedPool is one leg of a forward action.
type WeightedPool struct {
	Pool   *Pool
	Weight int
}

// Pool is a compiled target group.
type Pool struct {
	ARN, Name, Protocol, TargetType string
	Targets                         []*Target
	policy                          policy
	cursor                          *atomicCursor
	health                          Health
	// PreserveClientIP is preserve_client_ip.enabled (NLB groups).
	PreserveClientIP bool
	// CrossZone is the group's load_balancing.cross_zone.enabled, the
	// balancer's unless the group sets true or false.
	CrossZone bool
	// Stopped are the registered instances left out of Targets because
	// they are not running, so explain can say why a group is empty.
	Stopped []string
	// Lambda is set for a group of type lambda, whose one target is a
	// function the ALB invokes; MultiValue is its
	// lambda.multi_value_headers.enabled. Account and Region are the
	// group's, the function's too.
	Lambda          bool
	MultiValue      bool
	Account, Region string
}

// Target is a registered, non-draining target with its real address and the
// security-group verdict of the hop from each balancer node.
type Target struct {
	ID   string
	Port int
	// Modeled is the target's address in the model, Real the socket
	// address gatehouse dials (network.RealAddress), and AddrRule the
	// mapping rule that gave it.
	Modeled  netip.AddrPort
	Real     string
	AddrRule string
	Zone     string
	// Hops[i] is the verdict for traffic from Nodes[i] to this target.
	Hops []network.Verdict
	// ALB is set for targets of type alb: the balancer behind this one.
	ALB      *Balancer
	inflight *atomicInt
}

// Pool is the compiled target group arn that one of b's rules forwards
// to, or nil. It walks the listeners: callers are not on the request path.
func (b *Balancer) Pool(arn string) *Pool {
	for _, l := range b.Listeners {
		for i := range l.Rules {
			for _, g := range l.Rules[i].Action.Groups {
				if g.Pool.ARN == arn {
					return g.Pool
				}
			}
		}
	}
	return nil
}

// Inflight is the number of requests this target is serving now.
func (t *Target) Inflight() int64 { return t.inflight.Load() }

// Compile builds every balancer of a scope.
func Compile(sc *model.Scoped, health Health, reg *Registry) map[string]*Balancer {
	out := map[string]*Balancer{}
	rules := network.RulesOf(sc)
	pools := map[string]*Pool{}
	// ALBs first: an NLB's alb-type targets point at them.
	arns := make([]string, 0, len(sc.LoadBalancers))
	for arn := range sc.LoadBalancers {
		arns = append(arns, arn)
	}
	sort.Slice(arns, func(i, j int) bool {
		return sc.LoadBalancers[arns[i]].Type < sc.LoadBalancers[arns[j]].Type // application < network
	})
	for _, arn := range arns {
		lb := sc.LoadBalancers[arn]
		b := &Balancer{ARN: lb.ARN, Name: lb.Name, Type: lb.Type, Groups: lb.SecurityGroups, Listeners: map[int]*Listener{},
			CrossZone: lb.Type == "application" || lb.Attributes["load_balancing.cross_zone.enabled"] == "true"}
		for _, sn := range lb.Subnets {
			eni := sc.Interfaces[lb.Interfaces[sn]]
			if eni == nil {
				continue
			}
			ep, ok := network.InterfaceEndpoint(eni)
			if !ok {
				continue
			}
			b.Nodes = append(b.Nodes, Node{ENI: eni.ID, Subnet: sn, Zone: eni.AvailabilityZone, Endpoint: ep})
		}
		out[arn] = b
	}
	poolOf := func(arn string, b *Balancer) *Pool {
		if p, ok := pools[arn]; ok {
			return p
		}
		tg := sc.TargetGroups[arn]
		if tg == nil {
			return nil
		}
		p := compilePool(sc, tg, b, out, rules, health, reg)
		pools[arn] = p
		return p
	}
	for _, l := range sc.Listeners {
		b := out[l.LoadBalancerARN]
		if b == nil {
			continue
		}
		cl := &Listener{ARN: l.ARN, Port: l.Port, Protocol: l.Protocol,
			forwarded: [2]string{strings.ToLower(l.Protocol), strconv.Itoa(l.Port)}}
		var rules []*model.ListenerRule
		for _, r := range sc.Rules {
			if r.ListenerARN == l.ARN {
				rules = append(rules, r)
			}
		}
		sort.Slice(rules, func(i, j int) bool { return rules[i].Priority < rules[j].Priority })
		for _, r := range rules {
			cr := Rule{ARN: r.ARN, Priority: strconv.Itoa(r.Priority), Action: compileAction(r.Actions, b, poolOf)}
			for _, c := range r.Conditions {
				cr.conds = append(cr.conds, compileCond(c))
			}
			cl.Rules = append(cl.Rules, cr)
		}
		cl.Rules = append(cl.Rules, Rule{ARN: l.DefaultRuleARN, Priority: "default", Action: compileAction(l.DefaultActions, b, poolOf)})
		b.Listeners[l.Port] = cl
	}
	return out
}

func compileAction(actions []model.Action, b *Balancer, poolOf func(string, *Balancer) *Pool) Action {
	for _, a := range actions {
		switch a.Type {
		case "forward":
			out := Action{Type: a.Type}
			for _, wt := range a.TargetGroups {
				if p := poolOf(wt.ARN, b); p != nil && wt.Weight > 0 {
					out.Groups = append(out.Groups, WeightedPool{Pool: p, Weight: wt.Weight})
					out.total += wt.Weight
				}
			}
			return out
		case "fixed-response":
			a := a
			return Action{Type: a.Type, Fixed: &a}
		case "redirect":
			return Action{Type: a.Type, Redirect: a.Redirect}
		}
	}
	return Action{Type: "forward"}
}

func compilePool(sc *model.Scoped, tg *model.TargetGroup, b *Balancer, balancers map[string]*Balancer,
	rules network.Rules, health Health, reg *Registry) *Pool {
	attr := func(k, def string) string {
		if v, ok := tg.Attributes[k]; ok {
			return v
		}
		return def
	}
	p := &Pool{
		ARN: tg.ARN, Name: tg.Name, Protocol: tg.Protocol, TargetType: tg.TargetType,
		policy:           policyFor(attr("load_balancing.algorithm.type", "round_robin")),
		cursor:           reg.cursorOf(tg.ARN),
		health:           health,
		PreserveClientIP: attr("preserve_client_ip.enabled", strconv.FormatBool(tg.TargetType == "instance")) == "true",
		CrossZone:        b.CrossZone,
	}
	if tg.TargetType == "lambda" {
		p.Lambda = true
		p.MultiValue = attr("lambda.multi_value_headers.enabled", "false") == "true"
		// arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/...
		if parts := strings.SplitN(tg.ARN, ":", 6); len(parts) == 6 {
			p.Region, p.Account = parts[3], parts[4]
		}
	}
	switch attr("load_balancing.cross_zone.enabled", "") {
	case "true":
		p.CrossZone = true
	case "false":
		p.CrossZone = false
	}
	lookup := func(ip netip.Addr) *model.NetworkInterface { return sc.InterfaceAt(tg.VpcID, ip) }
	for _, t := range tg.Targets {
		if t.DrainingSince != nil {
			continue // draining targets get no new requests
		}
		ct := &Target{ID: t.ID, Port: t.Port, Zone: t.AvailabilityZone, inflight: reg.inflightOf(targetKey(tg.ARN, t.ID, t.Port))}
		switch tg.TargetType {
		case "lambda":
			// A function is invoked, not dialed: no address, no hop.
			p.Targets = append(p.Targets, ct)
			continue
		case "alb":
			// The NLB's node in position i hands the flow to the ALB's node
			// in the same position; the ALB's groups must admit it.
			ct.ALB = balancers[t.ID]
			if ct.ALB != nil && len(ct.ALB.Nodes) > 0 {
				for i, n := range b.Nodes {
					dst := ct.ALB.Nodes[i%len(ct.ALB.Nodes)].Endpoint
					ct.Hops = append(ct.Hops, network.Evaluate(rules, n.Endpoint, dst, network.Flow{Protocol: "tcp", Port: t.Port}))
				}
			}
		default:
			addr, ok := sc.TargetAddress(tg, t.ID)
			if !ok {
				if tg.TargetType == "instance" {
					p.Stopped = append(p.Stopped, t.ID)
				}
				continue // not an address, or an instance that is not running
			}
			ct.Modeled = netip.AddrPortFrom(addr, uint16(t.Port))
			ct.Real, ct.AddrRule = network.RealAddress(lookup, sc.EC2Instance, addr, t.Port)
			// An address nobody owns answers nothing; one outside the VPC
			// registered for all zones is beyond what the model filters.
			dst := network.TargetEndpoint(sc, tg.VpcID, addr, t.AvailabilityZone == "all")
			if ct.Zone == "" {
				// An address in the VPC is in its subnet's zone, as ELB
				// works it out at registration.
				ct.Zone = zoneOf(sc, tg.VpcID, addr)
			}
			for _, n := range b.Nodes {
				ct.Hops = append(ct.Hops, network.Evaluate(rules, n.Endpoint, dst, network.Flow{Protocol: "tcp", Port: t.Port}))
			}
		}
		p.Targets = append(p.Targets, ct)
	}
	return p
}

// zoneOf is the zone of the VPC's subnet holding addr, or "" outside them.
func zoneOf(sc *model.Scoped, vpc string, addr netip.Addr) string {
	for _, sn := range sc.Subnets {
		if sn.VpcID != vpc {
			continue
		}
		if p, err := netip.ParsePrefix(sn.CidrBlock); err == nil && p.Contains(addr) {
			return sn.AvailabilityZone
		}
	}
	return ""
}

func targetKey(tg, id string, port int) string {
	return tg + "|" + id + "|" + strconv.Itoa(port)
}

// ConnectTimeout is how long an ALB waits to connect to a target before it
// answers 504: ten seconds on AWS.
const ConnectTimeout = 10 * time.Second
