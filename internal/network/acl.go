package network

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gatehouse/internal/model"
)

// EphemeralFirst and EphemeralLast bound the ports a modeled connection's
// return traffic goes to. Every source gatehouse models is an AWS-managed
// interface (a load balancer node, a VPC link's ENI, PrivateLink), and AWS
// documents that traffic from Elastic Load Balancing uses ports 1024-65535:
// the network ACL guidance for load balancers admits exactly that range.
// Each connection picks one port of it, so on AWS an ACL that denies part
// of the range drops only the connections that happen to pick a denied
// port. To stay deterministic the model decides by the majority: since an
// answer must pass the destination's outbound and the source's inbound ACL
// on the same port, the return traffic is dropped when the two ACLs
// together deny more than half of the range, and passes otherwise, each
// check listing the ports it denies (ACLCheck.Denied) so that explain can
// warn about them. A common "deny tcp 3306" entry in front of
// "allow all" passes; an ACL admitting only 49152-65535 drops; one
// admitting 32768-65535 (a Linux client's range, just over half) passes,
// with the warning.
const EphemeralFirst, EphemeralLast = 1024, 65535

// ACLIndex finds the network ACL that filters a subnet's traffic.
type ACLIndex map[string]*model.NetworkACL

// indexACLs maps every subnet to its ACL: the one whose association names
// it, else its VPC's default ACL (as EC2 places a subnet it has no explicit
// association for). A subnet with neither, as in stores written before
// ACLs were kept, is missing from the index and filters nothing.
func indexACLs(acls map[string]*model.NetworkACL, subnets map[string]*model.Subnet) ACLIndex {
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
	// Denied lists the ephemeral ports a return leg that passed still
	// denies, with the entry denying each range; nil when none is. On
	// return legs dropped Together it lists the ports this ACL denies.
	Denied []DeniedPorts `json:"denied,omitempty"`
	// Together is set on both return legs when neither denies more than
	// half of the ephemeral range alone but the two do between them: a
	// reply must pass both ACLs on the same port, so only the ports both
	// admit are usable.
	Together bool `json:"together,omitempty"`
}

// DeniedPorts is a range of ports an ACL entry denies.
type DeniedPorts struct {
	From int `json:"from"`
	To   int `json:"to"`
	// Rule is the denying entry's number; ACLDefaultRule for the
	// catch-all.
	Rule int `json:"rule"`
}

func (d DeniedPorts) String() string {
	rule := strconv.Itoa(d.Rule)
	if d.Rule == model.ACLDefaultRule {
		rule = "*"
	}
	if d.From == d.To {
		return fmt.Sprintf("%d (rule %s)", d.From, rule)
	}
	return fmt.Sprintf("%d-%d (rule %s)", d.From, d.To, rule)
}

// Warning says which ephemeral ports a return leg that passed still denies,
// or "" when it denies none: on AWS a connection whose source port is one
// of them times out.
func (c ACLCheck) Warning(f Flow) string {
	if !c.Allowed || len(c.Denied) == 0 {
		return ""
	}
	n := 0
	parts := make([]string, len(c.Denied))
	for i, d := range c.Denied {
		n += d.To - d.From + 1
		parts[i] = d.String()
	}
	return fmt.Sprintf("network ACL %s of %s: %s rules deny the return traffic on %s/%s, %d of the ephemeral ports %d-%d: "+
		"on AWS a connection whose source port is one of them times out (gatehouse passes the return leg while most of the range is admitted)",
		c.ACL, c.Subnet, c.Direction(), f.Protocol, strings.Join(parts, ", "), n, EphemeralFirst, EphemeralLast)
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
	return fmt.Sprintf("%s denies the return traffic %s on ephemeral port %d (ACLs are stateless: the answer comes back on %s/%d-%d, "+
		"and this ACL denies most of that range)", head, peer, c.Port, f.Protocol, EphemeralFirst, EphemeralLast)
}

// togetherReason says why the two return legs out and in, each denying no
// more than half of the ephemeral range, dropped flow f from src to dst
// between them.
func togetherReason(out, in ACLCheck, f Flow, src, dst netip.Addr) string {
	list := func(c ACLCheck) string {
		parts := make([]string, len(c.Denied))
		for i, d := range c.Denied {
			parts[i] = d.String()
		}
		return strings.Join(parts, ", ")
	}
	n := unionSize(out.Denied, in.Denied)
	return fmt.Sprintf("network ACL %s of %s: outbound rule %s and network ACL %s of %s: inbound rule %s together deny the return traffic from %s to %s "+
		"on %d of the ephemeral ports %d-%d (ACLs are stateless: the answer comes back on %s/%d-%d and must pass both ACLs on the same port; "+
		"%s denies %s, %s denies %s)", out.ACL, out.Subnet, out.RuleName(), in.ACL, in.Subnet, in.RuleName(), dst, src,
		n, EphemeralFirst, EphemeralLast, f.Protocol, EphemeralFirst, EphemeralLast, out.ACL, list(out), in.ACL, list(in))
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

// checkACLs judges legs first..last of a flow from src to dst, recording
// them in *acls (allocated the first time an ACL takes part).
// It reports the first leg that drops the flow, or -1. Traffic within one
// subnet crosses no ACL, and an end outside every subnet brings none.
func checkACLs(idx Index, src, dst Endpoint, f Flow, acls **[aclLegs]ACLCheck, first, last int) int {
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
	if *acls == nil {
		*acls = new([aclLegs]ACLCheck)
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
	var firstDeny [aclLegs]ACLCheck
	for i := first; i <= last; i++ {
		l := &legs[i]
		if l.a == nil {
			continue
		}
		c, deny := judgeACL(l.a, l.egress, f.Protocol, l.peer, l.from, l.to)
		c.Subnet, c.Return = l.subnet, i >= legDstOut
		(*acls)[i], firstDeny[i] = c, deny
		if !c.Allowed {
			return i
		}
	}
	// Each return leg passed alone; the answer still needs a port both
	// admit, so the ports either denies count together.
	out, in := &(*acls)[legDstOut], &(*acls)[legSrcIn]
	if last < legSrcIn || !out.Checked() || !in.Checked() || len(out.Denied) == 0 || len(in.Denied) == 0 {
		return -1
	}
	if 2*unionSize(out.Denied, in.Denied) <= EphemeralLast-EphemeralFirst+1 {
		return -1
	}
	out.Rule, out.Port, out.Allowed, out.Together = firstDeny[legDstOut].Rule, firstDeny[legDstOut].Port, false, true
	in.Rule, in.Port, in.Allowed, in.Together = firstDeny[legSrcIn].Rule, firstDeny[legSrcIn].Port, false, true
	return legDstOut
}

// unionSize counts the ports in a or b, each a sorted list of disjoint
// ranges.
func unionSize(a, b []DeniedPorts) int {
	n, end := 0, 0 // end: the highest port counted so far
	for len(a) > 0 || len(b) > 0 {
		var d DeniedPorts
		if len(b) == 0 || len(a) > 0 && a[0].From <= b[0].From {
			d, a = a[0], a[1:]
		} else {
			d, b = b[0], b[1:]
		}
		if d.From <= end {
			d.From = end + 1
		}
		if d.To >= d.From {
			n += d.To - d.From + 1
			end = d.To
		}
	}
	return n
}

// judgeACL runs one ACL's list for every destination port in [from, to]:
// the ports of a range can meet different entries, so the range is cut at
// each entry's bounds and each piece judged by the first entry matching it.
// A single port (the request's) passes only if allowed; a range (the return
// leg's ephemeral ports) passes unless more than half of it is denied (see
// EphemeralFirst), listing what it denies in Denied. The check reports the
// entry that passed the range's first allowed port, or, on a drop, the one
// that denied its first denied port; deny holds that entry and port either
// way, for a drop decided by two return legs together.
func judgeACL(a *model.NetworkACL, egress bool, proto string, peer netip.Addr, from, to int) (_ ACLCheck, deny ACLCheck) {
	out := ACLCheck{ACL: a.ID, Egress: egress}
	denied, passed := 0, false
	for p := from; p <= to; {
		next := nextCut(a, egress, p, to)
		e, ok := firstEntry(a, egress, proto, peer, p)
		switch {
		case ok && e.Action == "allow":
			if !passed {
				out.Rule, out.Port, passed = e, p, true
			}
		default:
			if !ok {
				e = model.ACLEntry{RuleNumber: model.ACLDefaultRule, Egress: egress, Protocol: "-1", Action: "deny", CidrBlock: "0.0.0.0/0"}
			}
			if denied == 0 {
				deny.Rule, deny.Port = e, p
			}
			denied += next - p
			if k := len(out.Denied) - 1; k >= 0 && out.Denied[k].To == p-1 && out.Denied[k].Rule == e.RuleNumber {
				out.Denied[k].To = next - 1
			} else {
				out.Denied = append(out.Denied, DeniedPorts{From: p, To: next - 1, Rule: e.RuleNumber})
			}
		}
		p = next
	}
	if 2*denied > to-from+1 {
		out.Rule, out.Port, out.Denied = deny.Rule, deny.Port, nil
		return out, deny
	}
	out.Allowed = true
	return out, deny
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
