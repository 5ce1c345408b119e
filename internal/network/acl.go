package network

import (
	"fmt"
	"net/netip"
	"strconv"

	"gatehouse/internal/model"
)

// EphemeralFirst and EphemeralLast bound the ports a modeled connection's
// return traffic goes to. Every source gatehouse models is an AWS-managed
// interface (a load balancer node, a VPC link's ENI, PrivateLink), and AWS
// documents that traffic from Elastic Load Balancing uses ports 1024-65535:
// the network ACL guidance for load balancers admits exactly that range. Any
// port in it may be picked for a connection, so an ACL must admit the whole
// range; one that admits less (32768-65535, say, right for a Linux client)
// drops some connections on AWS and, to be deterministic, all of them here.
const EphemeralFirst, EphemeralLast = 1024, 65535

// ACLIndex finds the network ACL that filters a subnet's traffic.
type ACLIndex map[string]*model.NetworkACL

// IndexACLs maps every subnet to its ACL: the one whose association names
// it, else its VPC's default ACL (as EC2 places a subnet it has no explicit
// association for). A subnet with neither, as in stores written before
// ACLs were kept, is missing from the index and filters nothing.
func IndexACLs(acls map[string]*model.NetworkACL, subnets map[string]*model.Subnet) ACLIndex {
	if len(acls) == 0 {
		return nil
	}
	idx := ACLIndex{}
	defaults := map[string]*model.NetworkACL{}
	for _, a := range acls {
		if a.IsDefault {
			defaults[a.VpcID] = a
		}
		for _, as := range a.Associations {
			idx[as.SubnetID] = a
		}
	}
	for id, sn := range subnets {
		if idx[id] == nil && defaults[sn.VpcID] != nil {
			idx[id] = defaults[sn.VpcID]
		}
	}
	return idx
}

// ACL returns subnet's ACL, or nil when it has none.
func (x ACLIndex) ACL(subnet string) *model.NetworkACL { return x[subnet] }

// ACLCheck is one network ACL's decision on one leg of a flow: the
// request leaving its source subnet (egress) or entering the destination's
// (ingress), or the return traffic doing the same the other way.
type ACLCheck struct {
	ACL    string `json:"acl"`
	Subnet string `json:"subnet"`
	Egress bool   `json:"egress"`
	// Return is set for the return traffic, whose destination port is the
	// source's ephemeral port.
	Return bool `json:"return,omitempty"`
	// Rule is the entry that decided; RuleNumber ACLDefaultRule is the
	// catch-all deny.
	Rule model.ACLEntry `json:"rule"`
	// Port is the destination port the decision is about: the flow's port,
	// or on the return leg the first ephemeral port the rule decided.
	Port    int  `json:"port"`
	Allowed bool `json:"allowed"`
}

// Checked reports whether c records a decision.
func (c ACLCheck) Checked() bool { return c.ACL != "" }

// Direction is "outbound" or "inbound", as the console and the CLI name an
// ACL's two lists.
func (c ACLCheck) Direction() string {
	if c.Egress {
		return "outbound"
	}
	return "inbound"
}

// RuleName is the rule's number, or "*" for the catch-all.
func (c ACLCheck) RuleName() string {
	if c.Rule.RuleNumber == model.ACLDefaultRule {
		return "* (" + strconv.Itoa(model.ACLDefaultRule) + ")"
	}
	return strconv.Itoa(c.Rule.RuleNumber)
}

func (c ACLCheck) String() string {
	what := "the request"
	if c.Return {
		what = "the return traffic"
	}
	act := "denies"
	if c.Allowed {
		act = "allows"
	}
	return fmt.Sprintf("network ACL %s of %s: %s rule %s %s %s", c.ACL, c.Subnet, c.Direction(), c.RuleName(), act, what)
}

// reason says why c dropped flow f from src to dst.
func (c ACLCheck) reason(f Flow, src, dst netip.Addr) string {
	head := fmt.Sprintf("network ACL %s of %s: %s rule %s", c.ACL, c.Subnet, c.Direction(), c.RuleName())
	peer := "from " + src.String()
	if c.Egress {
		peer = "to " + dst.String()
	}
	if !c.Return {
		return fmt.Sprintf("%s denies %s %s", head, f, peer)
	}
	// The answer goes the other way: out of the destination's subnet to
	// the source, into the source's subnet from the destination.
	peer = "from " + dst.String()
	if c.Egress {
		peer = "to " + src.String()
	}
	return fmt.Sprintf("%s denies the return traffic %s on ephemeral port %d (ACLs are stateless: %s/%d-%d must be allowed back)",
		head, peer, c.Port, f.Protocol, EphemeralFirst, EphemeralLast)
}

// aclLegs are the four places a flow across subnets meets an ACL, in the
// order its packets do: the request out of the source subnet and into the
// destination's, then the answer out of the destination subnet and back
// into the source's.
const (
	legSrcOut = iota
	legDstIn
	legDstOut
	legSrcIn
	aclLegs
)

// checkACLs judges legs first..last of a flow from src to dst, filling acl.
// It reports the first leg that drops the flow, or -1. Traffic within one
// subnet crosses no ACL, and an end outside every subnet brings none.
func checkACLs(idx Index, src, dst Endpoint, f Flow, acl *[aclLegs]ACLCheck, first, last int) int {
	if idx == nil || src.Subnet == dst.Subnet {
		return -1
	}
	var sa, da *model.NetworkACL
	if src.Subnet != "" {
		sa = idx.ACL(src.Subnet)
	}
	if dst.Subnet != "" {
		da = idx.ACL(dst.Subnet)
	}
	if sa == nil && da == nil {
		return -1
	}
	legs := [aclLegs]struct {
		a        *model.NetworkACL
		subnet   string
		egress   bool
		peer     netip.Addr
		from, to int
	}{
		legSrcOut: {sa, src.Subnet, true, dst.Addr, f.Port, f.Port},
		legDstIn:  {da, dst.Subnet, false, src.Addr, f.Port, f.Port},
		legDstOut: {da, dst.Subnet, true, src.Addr, EphemeralFirst, EphemeralLast},
		legSrcIn:  {sa, src.Subnet, false, dst.Addr, EphemeralFirst, EphemeralLast},
	}
	for i := first; i <= last; i++ {
		l := &legs[i]
		if l.a == nil {
			continue
		}
		c := judgeACL(l.a, l.egress, f.Protocol, l.peer, l.from, l.to)
		c.Subnet, c.Return = l.subnet, i >= legDstOut
		acl[i] = c
		if !c.Allowed {
			return i
		}
	}
	return -1
}

// judgeACL runs one ACL's list for every destination port in [from, to]:
// the ports of a range can meet different entries, so the range is cut at
// each entry's bounds and each piece judged by the first entry matching it.
// The first piece an entry denies decides; if none is denied, the entry that
// passed the range's first port is reported.
func judgeACL(a *model.NetworkACL, egress bool, proto string, peer netip.Addr, from, to int) ACLCheck {
	out := ACLCheck{ACL: a.ID, Egress: egress}
	first := true
	for p := from; p <= to; {
		e, ok := firstEntry(a, egress, proto, peer, p)
		if !ok || e.Action != "allow" {
			if !ok {
				e = model.ACLEntry{RuleNumber: model.ACLDefaultRule, Egress: egress, Protocol: "-1", Action: "deny", CidrBlock: "0.0.0.0/0"}
			}
			out.Rule, out.Port, out.Allowed = e, p, false
			return out
		}
		if first {
			out.Rule, out.Port, out.Allowed, first = e, p, true, false
		}
		p = nextCut(a, egress, p, to)
	}
	return out
}

// nextCut is the lowest port above p at which some entry's range begins or
// ends, or to+1: between cuts every port meets the same entries.
func nextCut(a *model.NetworkACL, egress bool, p, to int) int {
	next := to + 1
	for i := range a.Entries {
		e := &a.Entries[i]
		if e.Egress != egress {
			continue
		}
		for _, c := range [2]int{e.FromPort, e.ToPort + 1} {
			if c > p && c < next {
				next = c
			}
		}
	}
	return next
}

// firstEntry is the lowest-numbered entry of one direction that matches.
// Entries are kept in any order, so it scans them all rather than trusting
// a sort that someone else's write may not have kept.
func firstEntry(a *model.NetworkACL, egress bool, proto string, peer netip.Addr, port int) (model.ACLEntry, bool) {
	best := -1
	for i := range a.Entries {
		e := &a.Entries[i]
		if e.Egress != egress || !aclMatches(e, proto, peer, port) {
			continue
		}
		if best < 0 || e.RuleNumber < a.Entries[best].RuleNumber {
			best = i
		}
	}
	if best < 0 {
		return model.ACLEntry{}, false
	}
	return a.Entries[best], true
}

func aclMatches(e *model.ACLEntry, proto string, peer netip.Addr, port int) bool {
	if e.CidrBlock == "" {
		return false // an IPv6 entry; the model's flows are IPv4
	}
	p, err := netip.ParsePrefix(e.CidrBlock)
	if err != nil || !p.Contains(peer) {
		return false
	}
	switch e.Protocol {
	case "-1", "all":
		return true
	case protocolNumber(proto), proto:
	default:
		return false
	}
	if proto == "icmp" {
		return e.ICMPType == -1 || e.ICMPType == port
	}
	return e.FromPort <= port && port <= e.ToPort
}

// protocolNumber is the IANA number ACL entries name a protocol by.
func protocolNumber(proto string) string {
	switch proto {
	case "tcp":
		return "6"
	case "udp":
		return "17"
	case "icmp":
		return "1"
	}
	return proto
}
