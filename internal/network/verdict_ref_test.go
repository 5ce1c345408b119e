package network_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// The reference below restates the AWS rule from scratch, slowly and without
// netip, so that a mistake in Evaluate's shortcuts cannot hide in shared code.

// refAddr turns dotted IPv4 into a number; ok is false for anything else.
func refAddr(s string) (uint32, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return 0, false
	}
	var n uint32
	for _, p := range parts {
		b, err := strconv.Atoi(p)
		if err != nil || b < 0 || b > 255 {
			return 0, false
		}
		n = n<<8 | uint32(b)
	}
	return n, true
}

// refInCIDR compares the leading bits one at a time.
func refInCIDR(cidr, addr string) bool {
	base, bitsText, ok := strings.Cut(cidr, "/")
	if !ok {
		return false
	}
	bits, err := strconv.Atoi(bitsText)
	if err != nil || bits < 0 || bits > 32 {
		return false
	}
	b, ok1 := refAddr(base)
	a, ok2 := refAddr(addr)
	if !ok1 || !ok2 {
		return false
	}
	for i := 0; i < bits; i++ {
		bit := uint32(1) << (31 - i)
		if a&bit != b&bit {
			return false
		}
	}
	return true
}

type refEnd struct {
	addr   string
	groups []string
}

func refRuleMatches(r model.Rule, proto string, port int, peer refEnd) bool {
	if r.Protocol != "-1" && r.Protocol != proto {
		return false
	}
	portOK := r.Protocol == "-1" || r.FromPort == -1
	if !portOK && proto == "icmp" {
		portOK = r.FromPort == port
	}
	if !portOK && proto != "icmp" {
		portOK = port >= r.FromPort && port <= r.ToPort
	}
	if !portOK {
		return false
	}
	if r.CidrIPv4 != "" && refInCIDR(r.CidrIPv4, peer.addr) {
		return true
	}
	for _, g := range peer.groups {
		if r.GroupID != "" && g == r.GroupID {
			return true
		}
	}
	return false
}

// refSide reports whether the side passes and, if a rule passed it, which
// (first in group order, then rule order).
func refSide(groups map[string]*model.SecurityGroup, own []string, egress bool, proto string, port int, peer refEnd) (ok bool, group, rule string) {
	if len(own) == 0 {
		return true, "", ""
	}
	for _, id := range own {
		g, found := groups[id]
		if !found {
			continue
		}
		rules := g.Ingress
		if egress {
			rules = g.Egress
		}
		for _, r := range rules {
			if refRuleMatches(r, proto, port, peer) {
				return true, id, r.ID
			}
		}
	}
	return false, "", ""
}

// gen builds random but small worlds, so that rules, addresses and ports
// collide often enough for both outcomes to be common.
type gen struct{ r *rand.Rand }

var (
	genGroupIDs = []string{"sg-0", "sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-gone", "sg-never"}
	genPorts    = []int{-1, 0, 1, 22, 53, 79, 80, 81, 443, 8080, 65535}
	genTypes    = []int{-1, 0, 3, 8, 11}
	genProtos   = []string{"tcp", "udp", "icmp", "-1"}
	genBits     = []int{0, 8, 16, 24, 25, 30, 31, 32}
)

func (g gen) pick(n int) int { return g.r.IntN(n) }

func (g gen) addr() string {
	if g.pick(10) == 0 {
		return fmt.Sprintf("192.168.%d.%d", g.pick(2), g.pick(256))
	}
	last := []int{0, 1, 2, 3, 127, 128, 254, 255}[g.pick(8)]
	return fmt.Sprintf("10.0.%d.%d", g.pick(4), last)
}

func (g gen) rule(n int) model.Rule {
	r := model.Rule{ID: fmt.Sprintf("sgr-%d", n), Protocol: genProtos[g.pick(len(genProtos))]}
	switch r.Protocol {
	case "-1":
		r.FromPort, r.ToPort = -1, -1
	case "icmp":
		r.FromPort, r.ToPort = genTypes[g.pick(len(genTypes))], []int{-1, 0}[g.pick(2)]
	default:
		r.FromPort, r.ToPort = genPorts[g.pick(len(genPorts))], genPorts[g.pick(len(genPorts))]
	}
	switch g.pick(10) {
	case 0:
		r.CidrIPv4 = "garbage"
	case 1, 2, 3, 4:
		r.GroupID = genGroupIDs[g.pick(len(genGroupIDs))]
	default:
		// Host bits are left set on purpose: matching must ignore them.
		r.CidrIPv4 = fmt.Sprintf("%s/%d", g.addr(), genBits[g.pick(len(genBits))])
	}
	return r
}

func (g gen) groups() network.GroupMap {
	m := network.GroupMap{}
	n := 0
	for _, id := range genGroupIDs[:6] {
		sg := &model.SecurityGroup{ID: id}
		for range g.pick(4) {
			n++
			sg.Ingress = append(sg.Ingress, g.rule(n))
		}
		for range g.pick(4) {
			n++
			sg.Egress = append(sg.Egress, g.rule(n))
		}
		// Most real groups keep EC2's default open egress rule.
		if g.pick(2) == 0 {
			n++
			sg.Egress = append(sg.Egress, model.Rule{ID: fmt.Sprintf("sgr-%d", n), Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"})
		}
		m[id] = sg
	}
	return m
}

func (g gen) endpoint() refEnd {
	e := refEnd{addr: g.addr()}
	for range g.pick(4) {
		e.groups = append(e.groups, genGroupIDs[g.pick(len(genGroupIDs))])
	}
	return e
}

func (g gen) flow() network.Flow {
	f := network.Flow{Protocol: genProtos[g.pick(3)]}
	if f.Protocol == "icmp" {
		f.Port = genTypes[1+g.pick(len(genTypes)-1)]
	} else {
		f.Port = genPorts[1+g.pick(len(genPorts)-1)]
	}
	return f
}

func TestEvaluateMatchesReference(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(2024, 7))}
	counts := map[string]int{}
	for i := range 5000 {
		groups := g.groups()
		src, dst, f := g.endpoint(), g.endpoint(), g.flow()
		v := network.Evaluate(groups,
			network.Endpoint{Addr: netip.MustParseAddr(src.addr), Groups: src.groups},
			network.Endpoint{Addr: netip.MustParseAddr(dst.addr), Groups: dst.groups}, f)

		outOK, outGroup, outRule := refSide(groups, src.groups, true, f.Protocol, f.Port, dst)
		inOK, inGroup, inRule := refSide(groups, dst.groups, false, f.Protocol, f.Port, src)
		allowed := outOK && inOK
		var side network.Side
		switch {
		case !outOK:
			side = network.SideEgress
		case len(dst.groups) > 0:
			side = network.SideIngress
		case len(src.groups) > 0:
			side = network.SideEgress
		}
		if !outOK {
			inGroup, inRule = "", ""
		}

		describe := func() string {
			return fmt.Sprintf("case %d: %v from %+v to %+v\n%s", i, f, src, dst, dumpGroups(groups))
		}
		if v.Allowed != allowed || v.Side != side {
			t.Fatalf("allowed=%v side=%q, reference allowed=%v side=%q\n%s", v.Allowed, v.Side, allowed, side, describe())
		}
		if v.Egress.GroupID != outGroup || v.Egress.Rule.ID != outRule || v.Ingress.GroupID != inGroup || v.Ingress.Rule.ID != inRule {
			t.Fatalf("matched %s/%s and %s/%s, reference %s/%s and %s/%s\n%s",
				v.Egress.GroupID, v.Egress.Rule.ID, v.Ingress.GroupID, v.Ingress.Rule.ID,
				outGroup, outRule, inGroup, inRule, describe())
		}
		reason := v.Reason()
		if !allowed && !strings.HasPrefix(reason, "no "+string(side)+" rule of ") {
			t.Fatalf("deny reason %q\n%s", reason, describe())
		}
		if allowed && strings.HasPrefix(reason, "no ") {
			t.Fatalf("allow reason %q\n%s", reason, describe())
		}

		switch {
		case allowed && (outRule != "" || inRule != ""):
			counts["allowed by a rule"]++
		case allowed:
			counts["allowed, no groups"]++
		default:
			counts["denied on "+string(side)]++
		}
	}
	t.Logf("outcomes: %v", counts)
	// A generator that drifted into one outcome would make the test vacuous.
	for _, k := range []string{"allowed by a rule", "allowed, no groups", "denied on egress", "denied on ingress"} {
		if counts[k] < 200 {
			t.Errorf("only %d cases %s; the generator needs retuning: %v", counts[k], k, counts)
		}
	}
}

func dumpGroups(m network.GroupMap) string {
	var b strings.Builder
	for _, id := range genGroupIDs {
		sg := m[id]
		if sg == nil {
			continue
		}
		fmt.Fprintf(&b, "%s in=%+v\n%s out=%+v\n", id, sg.Ingress, id, sg.Egress)
	}
	return b.String()
}
