package network

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// Side is one half of a security-group decision. A flow must leave its source
// (egress rules of the source's groups) and enter its destination (ingress
// rules of the destination's groups); either side can drop it.
type Side string

// The two sides, named as EC2 names the rule lists.
const (
	SideEgress  Side = "egress"
	SideIngress Side = "ingress"
)

// Endpoint is one end of a modeled flow. An endpoint without groups (an NLB
// created without security groups, a client outside the VPC) filters nothing
// on its side, yet it can still be matched by CIDR rules on the other side.
type Endpoint struct {
	Addr   netip.Addr
	Groups []string
	// VPC and Subnet place the endpoint; both are "" for an end outside
	// every modeled VPC (PrivateLink's side, an address beyond the VPC).
	// Flows between two VPCs never pass; flows between two subnets cross
	// both subnets' network ACLs.
	VPC, Subnet string
	// Unowned marks an address inside a VPC that no network interface (and
	// so no instance) holds, or whose interface is attached to an
	// instance that is not running: nothing answers there.
	Unowned bool
	// Instance is the instance an Unowned address's interface is attached
	// to, which is not running; "" when no interface holds the address.
	Instance string
}

// InterfaceEndpoint is the endpoint of an ENI. It shares n.Groups rather than
// copying it, because snapshots are immutable and the data plane builds many
// endpoints.
func InterfaceEndpoint(n *model.NetworkInterface) (Endpoint, bool) {
	if n == nil {
		return Endpoint{}, false
	}
	a, err := netip.ParseAddr(n.PrivateIP)
	if err != nil || !a.Unmap().Is4() {
		return Endpoint{}, false
	}
	return Endpoint{Addr: a.Unmap(), Groups: n.Groups, VPC: n.VpcID, Subnet: n.SubnetID}, true
}

// TargetEndpoint places a target address registered in vpcID: at the
// interface that owns it there (an instance's address is its primary
// interface's). Any other address in the VPC is Unowned: on AWS nothing
// answers there, and the target never passes a health check. So is the
// address of an interface attached to an instance that is not running: a
// stopped instance's address times out as an unused one does. An address
// beyond the VPC is accepted only for a target registered with
// AvailabilityZone "all" (allZones): if it lies in another modeled VPC it is
// placed there, which no modeled path connects to, else it is outside the
// model (on premises, say), reached by routes the model does not keep and
// filtered by nothing it models.
func TargetEndpoint(sc *model.Scoped, vpcID string, addr netip.Addr, allZones bool) Endpoint {
	addr = addr.Unmap()
	if e, ok := ownerEndpoint(sc, vpcID, addr); ok {
		return e
	}
	if !allZones || inVPC(sc.VPCs[vpcID], addr) {
		return Endpoint{Addr: addr, VPC: vpcID, Unowned: true}
	}
	other := ""
	for id, v := range sc.VPCs {
		if id != vpcID && inVPC(v, addr) && (other == "" || id < other) {
			other = id
		}
	}
	if other == "" {
		return Endpoint{Addr: addr}
	}
	if e, ok := ownerEndpoint(sc, other, addr); ok {
		return e
	}
	return Endpoint{Addr: addr, VPC: other, Unowned: true}
}

// ownerEndpoint is the endpoint of the interface of vpcID holding addr, or
// ok false when none does. An interface attached to an instance that is not
// running (or no longer exists) answers nothing: its endpoint is Unowned,
// naming the instance, so that explain can say to start it.
func ownerEndpoint(sc *model.Scoped, vpcID string, addr netip.Addr) (Endpoint, bool) {
	n := sc.InterfaceAt(vpcID, addr)
	e, ok := InterfaceEndpoint(n)
	if !ok {
		return e, false
	}
	if at := n.Attachment; at != nil && at.InstanceID != "" {
		if inst := sc.EC2Instances[at.InstanceID]; inst == nil || inst.State != "running" {
			return Endpoint{Addr: addr, VPC: vpcID, Subnet: n.SubnetID, Unowned: true, Instance: at.InstanceID}, true
		}
	}
	return e, true
}

// inVPC reports whether addr lies in vpc's CIDR block.
func inVPC(vpc *model.VPC, addr netip.Addr) bool {
	if vpc == nil {
		return false
	}
	p, err := netip.ParsePrefix(vpc.CidrBlock)
	return err == nil && p.Contains(addr.Unmap())
}

// Flow is what a connection asks for. Security groups are stateful, so only
// the direction that opens the connection is ever checked.
type Flow struct {
	// Protocol is "tcp", "udp" or "icmp".
	Protocol string
	// Port is the destination port; for icmp it is the ICMP type. A flow has
	// no ICMP code, so a rule's code (its ToPort) is never consulted.
	Port int
}

func (f Flow) String() string {
	if f.Protocol == "icmp" {
		return fmt.Sprintf("icmp type %d", f.Port)
	}
	return fmt.Sprintf("%s/%d", f.Protocol, f.Port)
}

// Index is what Evaluate reads: security groups by id, and each subnet's
// network ACL. Group returns nil for an id it does not know; such a group
// simply has no rules, as a deleted group would. ACL returns nil for a
// subnet without one, which then filters nothing.
type Index interface {
	Group(id string) *model.SecurityGroup
	ACL(subnet string) *model.NetworkACL
}

// GroupMap is an Index of security groups alone: every subnet is open.
type GroupMap map[string]*model.SecurityGroup

func (m GroupMap) Group(id string) *model.SecurityGroup { return m[id] }
func (m GroupMap) ACL(string) *model.NetworkACL         { return nil }

// Rules is the Index of one scope: its security groups and the ACL of each
// of its subnets. Compilers build it once per snapshot.
type Rules struct {
	Groups GroupMap
	ACLs   ACLIndex
}

// RulesOf indexes sc's groups and ACLs.
func RulesOf(sc *model.Scoped) Rules {
	return Rules{Groups: GroupMap(sc.SecurityGroups), ACLs: indexACLs(sc.NetworkACLs, sc.Subnets)}
}

func (r Rules) Group(id string) *model.SecurityGroup { return r.Groups[id] }
func (r Rules) ACL(subnet string) *model.NetworkACL  { return r.ACLs[subnet] }

// Layer names what dropped a flow, in the order a packet meets them.
type Layer string

const (
	// LayerVPC: the ends are in two VPCs that nothing connects.
	LayerVPC Layer = "vpc"
	// LayerAddress: no interface owns the destination address.
	LayerAddress Layer = "address"
	// LayerGroups: a security group, on Side.
	LayerGroups Layer = "security-group"
	// LayerACL: a subnet's network ACL, named by Verdict.DroppedBy.
	LayerACL Layer = "network-acl"
)

// Match names the rule, and the group holding it, that let a flow through one
// side. The zero Match means no rule did: that side had no groups, denied, or
// was never reached.
type Match struct {
	GroupID string
	Rule    model.Rule
}

// Found reports whether m names a rule.
func (m Match) Found() bool { return m.GroupID != "" }

// Verdict is the outcome of Evaluate. It keeps the flow and both endpoints so
// that Reason can be written only when someone reads it: the data plane
// evaluates on every request and must not pay for prose.
type Verdict struct {
	Allowed bool
	// Layer is what dropped a denied flow; "" on an allow.
	Layer Layer `json:",omitempty"`
	// Side is where the security groups' decision fell. On a deny by a
	// group, the side that dropped the flow ("" for a deny by another
	// layer). On an allow, the last filtered side (ingress if the
	// destination has groups, else egress), or "" when neither end has
	// groups.
	Side Side
	// Egress and Ingress are the rules that passed the flow on each side.
	Egress, Ingress Match
	// acls holds the network ACL decisions of a flow between two subnets,
	// one per leg (request out, request in, return out, return in); legs
	// with no ACL, or after the one that dropped the flow, are zero. It is
	// nil when no ACL took part: compiled snapshots keep a verdict per
	// hop, node and target, and most cross no ACL worth the space.
	acls *[aclLegs]ACLCheck

	src, dst Endpoint
	flow     Flow
}

// ACLChecks lists the ACL decisions v recorded, in the order packets meet
// them; the last one dropped the flow when v.Layer is LayerACL.
func (v Verdict) ACLChecks() []ACLCheck {
	if v.acls == nil {
		return nil
	}
	var out []ACLCheck
	for _, c := range v.acls {
		if c.Checked() {
			out = append(out, c)
		}
	}
	return out
}

// DroppedBy is the ACL decision that dropped the flow, or the zero check
// when no ACL did.
func (v Verdict) DroppedBy() ACLCheck {
	if v.Layer != LayerACL || v.acls == nil {
		return ACLCheck{}
	}
	for _, c := range v.acls {
		if c.Checked() && !c.Allowed {
			return c
		}
	}
	return ACLCheck{}
}

// Ends returns the flow's source and destination as evaluated, so that
// explain can show the groups that took part without looking them up again.
func (v Verdict) Ends() (src, dst Endpoint) { return v.src, v.dst }

// Deciding is the Match on v.Side: the rule that finally let the flow in, or
// the zero Match on a deny.
func (v Verdict) Deciding() Match {
	switch v.Side {
	case SideEgress:
		return v.Egress
	case SideIngress:
		return v.Ingress
	}
	return Match{}
}

// Evaluate decides whether flow f can open from src to dst, judging every
// layer a packet meets in the order it meets them: the two ends must share
// a VPC (no peering or transit gateway is modeled, so two VPCs never
// connect, whatever their groups say); something must own the destination
// address; the source's groups must let it out, the source subnet's ACL
// out and the destination subnet's ACL in, and the destination's groups in;
// then, ACLs being stateless, the answer must get back through both ACLs on
// the source's ephemeral ports. Groups are searched in endpoint order and
// rules in group order, so the reported rule is stable for a given snapshot.
// It allocates only to record the decisions of ACLs a flow meets.
func Evaluate(idx Index, src, dst Endpoint, f Flow) Verdict {
	src.Addr, dst.Addr = src.Addr.Unmap(), dst.Addr.Unmap()
	v := Verdict{src: src, dst: dst, flow: f}
	if src.VPC != "" && dst.VPC != "" && src.VPC != dst.VPC {
		v.Layer = LayerVPC
		return v
	}
	if dst.Unowned {
		v.Layer = LayerAddress
		return v
	}
	if len(src.Groups) > 0 {
		v.Side = SideEgress
		m, ok := firstMatch(idx, src.Groups, SideEgress, f, dst)
		if !ok {
			v.Layer = LayerGroups
			return v
		}
		v.Egress = m
	}
	if checkACLs(idx, src, dst, f, &v.acls, legSrcOut, legDstIn) >= 0 {
		v.Side, v.Layer = "", LayerACL
		return v
	}
	if len(dst.Groups) > 0 {
		v.Side = SideIngress
		m, ok := firstMatch(idx, dst.Groups, SideIngress, f, src)
		if !ok {
			v.Layer = LayerGroups
			return v
		}
		v.Ingress = m
	}
	if checkACLs(idx, src, dst, f, &v.acls, legDstOut, legSrcIn) >= 0 {
		v.Side, v.Layer = "", LayerACL
		return v
	}
	v.Allowed = true
	return v
}

func firstMatch(idx Index, groups []string, side Side, f Flow, peer Endpoint) (Match, bool) {
	if idx == nil {
		return Match{}, false
	}
	for _, id := range groups {
		g := idx.Group(id)
		if g == nil {
			continue
		}
		rules := g.Ingress
		if side == SideEgress {
			rules = g.Egress
		}
		for i := range rules {
			if portMatches(&rules[i], f) && peerMatches(&rules[i], peer) {
				return Match{GroupID: id, Rule: rules[i]}, true
			}
		}
	}
	return Match{}, false
}

func portMatches(r *model.Rule, f Flow) bool {
	switch {
	case r.Protocol == "-1":
		return true
	case r.Protocol != f.Protocol:
		return false
	case r.FromPort == -1:
		return true
	case f.Protocol == "icmp":
		return r.FromPort == f.Port
	}
	return r.FromPort <= f.Port && f.Port <= r.ToPort
}

// peerMatches parses the rule's CIDR on every call instead of caching it:
// netip parsing does not allocate, and the model stays plain data. A CIDR that
// does not parse matches nothing.
func peerMatches(r *model.Rule, peer Endpoint) bool {
	if r.GroupID != "" && slices.Contains(peer.Groups, r.GroupID) {
		return true
	}
	if r.CidrIPv4 == "" {
		return false
	}
	p, err := netip.ParsePrefix(r.CidrIPv4)
	return err == nil && p.Contains(peer.Addr)
}

// Reason explains v in one line, naming the groups that decided.
func (v Verdict) Reason() string { return v.ReasonWith(nil) }

// ReasonWith is Reason with each group shown by name(id) ("sg-1 (alb)");
// a nil name shows ids alone.
func (v Verdict) ReasonWith(name func(id string) string) string {
	if name == nil {
		name = func(id string) string { return id }
	}
	if !v.Allowed {
		switch v.Layer {
		case LayerVPC:
			return fmt.Sprintf("%s is in %s and %s in %s: the VPCs are not connected (no peering connection or transit gateway), "+
				"so no traffic passes between them whatever the security groups say", v.src.Addr, v.src.VPC, v.dst.Addr, v.dst.VPC)
		case LayerAddress:
			if v.dst.Instance != "" {
				return fmt.Sprintf("%s belongs to instance %s, which is not running: nothing answers there, so the connection times out",
					v.dst.Addr, v.dst.Instance)
			}
			return fmt.Sprintf("no network interface or instance in %s owns %s: nothing answers there, so the connection times out",
				v.dst.VPC, v.dst.Addr)
		case LayerACL:
			if c := v.DroppedBy(); c.Together {
				return togetherReason(v.acls[legDstOut], v.acls[legSrcIn], v.flow, v.src.Addr, v.dst.Addr)
			}
			return v.DroppedBy().reason(v.flow, v.src.Addr, v.dst.Addr)
		}
		switch v.Side {
		case SideEgress:
			return fmt.Sprintf("no egress rule of %s allows %s to %s",
				names(v.src.Groups, name), v.flow, describe(v.dst, name))
		case SideIngress:
			return fmt.Sprintf("no ingress rule of %s allows %s from %s",
				names(v.dst.Groups, name), v.flow, describe(v.src, name))
		}
		return "not evaluated"
	}
	var out, in string
	if v.Egress.Found() {
		out = fmt.Sprintf("egress %s allows %s to %s", ruleText(v.Egress, name), v.flow, v.dst.Addr)
	} else {
		out = fmt.Sprintf("source %s has no security groups", v.src.Addr)
	}
	if v.Ingress.Found() {
		in = fmt.Sprintf("ingress %s allows %s from %s", ruleText(v.Ingress, name), v.flow, v.src.Addr)
	} else {
		in = fmt.Sprintf("destination %s has no security groups", v.dst.Addr)
	}
	return out + "; " + in
}

func names(ids []string, name func(string) string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = name(id)
	}
	return strings.Join(out, ", ")
}

// describe shows a peer with its groups, because a group-referencing rule
// matches by membership and the address alone would not explain a deny.
func describe(e Endpoint, name func(string) string) string {
	if len(e.Groups) == 0 {
		return e.Addr.String() + " (no groups)"
	}
	return e.Addr.String() + " (groups " + names(e.Groups, name) + ")"
}

func ruleText(m Match, name func(string) string) string {
	peer := m.Rule.CidrIPv4
	if m.Rule.GroupID != "" {
		peer = name(m.Rule.GroupID)
	}
	if m.Rule.ID == "" {
		return fmt.Sprintf("rule of %s (%s)", name(m.GroupID), peer)
	}
	return fmt.Sprintf("rule %s of %s (%s)", m.Rule.ID, name(m.GroupID), peer)
}
