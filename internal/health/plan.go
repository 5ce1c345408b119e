package health

import (
	"net/netip"
	"sort"
	"strconv"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// groupPlan is one target group's checks, compiled from a snapshot so that a
// round does no model work: addresses are mapped, hops judged and the matcher
// parsed before any probe runs.
type groupPlan struct {
	arn                string
	interval, timeout  time.Duration
	healthy, unhealthy int
	protocol           string // HTTP | HTTPS | TCP
	path               string
	matcher            Matcher
	targets            []targetPlan
}

// targetPlan is one target's check.
type targetPlan struct {
	key Key
	// modeled is where the check goes in the model (target address, health
	// check port); real is where it really goes, by rule.
	modeled    netip.AddrPort
	real, rule string
	// blocked explains why the network drops the check, or is "".
	blocked string
	// alb marks a target that is itself an ALB, and listening whether that
	// ALB has a listener on the check port. modeled is then the address of
	// the ALB's node the check enters by, and blocked judges the hop there.
	alb, listening bool
	// lambda marks a function, checked by invoking it.
	lambda bool
	entry  *entry
}

// planKinds are the kinds compile reads: a commit that writes none of them
// leaves the plan as it is.
var planKinds = []string{
	model.SecurityGroup{}.Kind(), model.NetworkInterface{}.Kind(), model.Subnet{}.Kind(),
	model.VPC{}.Kind(), model.NetworkACL{}.Kind(),
	model.LoadBalancer{}.Kind(), model.TargetGroup{}.Kind(), model.Listener{}.Kind(), model.ListenerRule{}.Kind(),
	model.EC2Instance{}.Kind(),
}

// compile lists the checks for every target group that a listener or rule
// forwards to, in ARN order. Groups nobody forwards to are "unused" on AWS
// and are not checked; neither are disabled checks, draining targets, or
// target types gatehouse does not carry traffic to.
func compile(snap *model.Snapshot) []*groupPlan {
	var out []*groupPlan
	for _, sc := range snap.Scopes {
		out = append(out, compileScope(sc)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].arn < out[j].arn })
	return out
}

func compileScope(sc *model.Scoped) []*groupPlan {
	rules := network.RulesOf(sc)
	byVPC := map[string]network.InterfaceIndex{}
	for _, e := range sc.Interfaces {
		idx := byVPC[e.VpcID]
		if idx == nil {
			idx = network.InterfaceIndex{}
			byVPC[e.VpcID] = idx
		}
		if a, err := netip.ParseAddr(e.PrivateIP); err == nil {
			idx[a.Unmap()] = e
		}
	}
	users := balancersByGroup(sc)
	var out []*groupPlan
	for arn, lbs := range users {
		tg := sc.TargetGroups[arn]
		if tg == nil || !tg.HealthCheck.Enabled {
			continue
		}
		if tg.TargetType == "lambda" {
			// No network: the check is an invocation, with an HTTP check's
			// path and matcher.
			p := newGroupPlan(tg)
			p.protocol = "HTTP"
			for _, t := range tg.Targets {
				if t.DrainingSince == nil {
					p.targets = append(p.targets, targetPlan{key: Key{tg.ARN, t.ID, t.Port}, lambda: true})
				}
			}
			out = append(out, p)
			continue
		}
		if tg.TargetType != "ip" && tg.TargetType != "alb" && tg.TargetType != "instance" {
			continue
		}
		p := newGroupPlan(tg)
		nodes := nodesOf(sc, lbs)
		idx := byVPC[tg.VpcID]
		for _, t := range tg.Targets {
			if t.DrainingSince != nil {
				continue
			}
			tp := targetPlan{key: Key{tg.ARN, t.ID, t.Port}}
			port := checkPort(tg.HealthCheck, t)
			if tg.TargetType == "alb" {
				tp.alb, tp.listening = true, hasListener(sc, t.ID, port)
				if alb := sc.LoadBalancers[t.ID]; alb != nil {
					// The check enters the ALB at one of its nodes, whose
					// groups must admit every NLB node.
					for _, an := range nodesOf(sc, []*model.LoadBalancer{alb}) {
						if tp.blocked = blockedHop(rules, nodes, an.ep, port); tp.blocked != "" {
							break
						}
						if !tp.modeled.IsValid() {
							tp.modeled = netip.AddrPortFrom(an.ep.Addr, uint16(port))
						}
					}
				}
				p.targets = append(p.targets, tp)
				continue
			}
			addr, ok := sc.TargetAddress(tg, t.ID)
			if !ok {
				continue // not an address, or an instance that is not running
			}
			tp.modeled = netip.AddrPortFrom(addr, uint16(port))
			tp.real, tp.rule = network.RealAddress(idx.Owner, sc.EC2Instance, addr, port)
			// An address nobody owns never answers: the check times out.
			dst := network.TargetEndpoint(sc, tg.VpcID, addr, t.AvailabilityZone == "all")
			tp.blocked = blockedHop(rules, nodes, dst, port)
			p.targets = append(p.targets, tp)
		}
		out = append(out, p)
	}
	return out
}

func newGroupPlan(tg *model.TargetGroup) *groupPlan {
	hc := tg.HealthCheck
	p := &groupPlan{
		arn:       tg.ARN,
		interval:  seconds(hc.IntervalSeconds, 30),
		timeout:   seconds(hc.TimeoutSeconds, 5),
		healthy:   orDefault(hc.HealthyThreshold, 5),
		unhealthy: orDefault(hc.UnhealthyThreshold, 2),
		protocol:  hc.Protocol,
		path:      hc.Path,
	}
	if p.protocol == "" {
		p.protocol = "TCP"
	}
	if p.path == "" {
		p.path = "/"
	}
	m, ok := ParseMatcher(hc.Matcher)
	if !ok {
		m, _ = ParseMatcher("200") // elbv2 validates; this only guards old records
	}
	p.matcher = m
	return p
}

// balancersByGroup maps each target group some listener or rule forwards to
// onto the balancers doing so, in ARN order.
func balancersByGroup(sc *model.Scoped) map[string][]*model.LoadBalancer {
	seen := map[string]map[string]bool{}
	add := func(lbARN string, actions []model.Action) {
		for _, a := range actions {
			if a.Type != "forward" {
				continue
			}
			for _, wt := range a.TargetGroups {
				if seen[wt.ARN] == nil {
					seen[wt.ARN] = map[string]bool{}
				}
				seen[wt.ARN][lbARN] = true
			}
		}
	}
	for _, l := range sc.Listeners {
		add(l.LoadBalancerARN, l.DefaultActions)
	}
	for _, r := range sc.Rules {
		if l := sc.Listeners[r.ListenerARN]; l != nil {
			add(l.LoadBalancerARN, r.Actions)
		}
	}
	out := make(map[string][]*model.LoadBalancer, len(seen))
	for tg, lbs := range seen {
		arns := make([]string, 0, len(lbs))
		for arn := range lbs {
			arns = append(arns, arn)
		}
		sort.Strings(arns)
		for _, arn := range arns {
			if lb := sc.LoadBalancers[arn]; lb != nil {
				out[tg] = append(out[tg], lb)
			}
		}
	}
	return out
}

// node is a balancer node: the source of its health checks.
type node struct {
	eni string
	ep  network.Endpoint
}

// nodesOf lists the balancers' node interfaces. A node carries its
// balancer's security groups (none for an NLB created without them), which
// is what the target's rules see.
func nodesOf(sc *model.Scoped, lbs []*model.LoadBalancer) []node {
	var out []node
	for _, lb := range lbs {
		for _, sn := range lb.Subnets {
			eni := sc.Interfaces[lb.Interfaces[sn]]
			ep, ok := network.InterfaceEndpoint(eni)
			if !ok {
				continue
			}
			ep.Groups = lb.SecurityGroups
			out = append(out, node{eni: eni.ID, ep: ep})
		}
	}
	return out
}

// blockedHop judges the check's hop from every node. Every node checks every
// target, so one node that the network cuts off is enough to fail the
// check: a rule that admits only some of an NLB's subnets is a real mistake
// the user should see. It returns "" when all nodes get through.
func blockedHop(rules network.Rules, nodes []node, dst network.Endpoint, port int) string {
	if len(nodes) == 0 {
		return "the balancer has no node interfaces to check from"
	}
	flow := network.Flow{Protocol: "tcp", Port: port}
	for _, n := range nodes {
		if v := network.Evaluate(rules, n.ep, dst, flow); !v.Allowed {
			return "from node " + n.eni + ": " + v.Reason()
		}
	}
	return ""
}

// checkPort is the port a target is checked on: its own ("traffic-port") or
// the group's fixed one.
func checkPort(hc model.HealthCheck, t model.Target) int {
	if n, err := strconv.Atoi(hc.Port); err == nil && n > 0 && n < 65536 {
		return n
	}
	return t.Port
}

// hasListener reports whether an ALB that is an NLB's target listens on the
// check port: without a listener the check is refused before any rule runs.
func hasListener(sc *model.Scoped, lbARN string, port int) bool {
	for _, l := range sc.Listeners {
		if l.LoadBalancerARN == lbARN && l.Port == port {
			return true
		}
	}
	return false
}

func seconds(n, def int) time.Duration {
	return time.Duration(orDefault(n, def)) * time.Second
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
