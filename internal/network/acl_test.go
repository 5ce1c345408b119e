package network_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"unsafe"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// aclWorld is one VPC with two subnets: the link's (10.0.0.0/24, acl-a) and
// the ALB's (10.0.1.0/24, acl-b). Groups admit everything, so only ACLs and
// VPC placement decide.
func aclWorld(a, b []model.ACLEntry) (network.Rules, network.Endpoint, network.Endpoint) {
	groups := network.GroupMap{"sg-open": {ID: "sg-open",
		Ingress: []model.Rule{{ID: "sgr-in", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}},
		Egress:  []model.Rule{{ID: "sgr-out", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}},
	}}
	acls := map[string]*model.NetworkACL{
		"acl-a": {ID: "acl-a", VpcID: "vpc-1", Entries: a, Associations: []model.ACLAssociation{{ID: "aclassoc-a", SubnetID: "subnet-a"}}},
		"acl-b": {ID: "acl-b", VpcID: "vpc-1", Entries: b, Associations: []model.ACLAssociation{{ID: "aclassoc-b", SubnetID: "subnet-b"}}},
	}
	subnets := map[string]*model.Subnet{
		"subnet-a": {ID: "subnet-a", VpcID: "vpc-1", CidrBlock: "10.0.0.0/24"},
		"subnet-b": {ID: "subnet-b", VpcID: "vpc-1", CidrBlock: "10.0.1.0/24"},
	}
	src := network.Endpoint{Addr: netip.MustParseAddr("10.0.0.5"), Groups: []string{"sg-open"}, VPC: "vpc-1", Subnet: "subnet-a"}
	dst := network.Endpoint{Addr: netip.MustParseAddr("10.0.1.10"), Groups: []string{"sg-open"}, VPC: "vpc-1", Subnet: "subnet-b"}
	return network.Rules{Groups: groups, ACLs: network.IndexACLs(acls, subnets)}, src, dst
}

func entry(n int, egress bool, proto, action, cidr string, from, to int) model.ACLEntry {
	return model.ACLEntry{RuleNumber: n, Egress: egress, Protocol: proto, Action: action, CidrBlock: cidr, FromPort: from, ToPort: to}
}

// allowAll is what a VPC's default ACL holds in both directions.
func allowAll() []model.ACLEntry {
	return []model.ACLEntry{
		entry(100, false, "-1", "allow", "0.0.0.0/0", 0, 0), entry(100, true, "-1", "allow", "0.0.0.0/0", 0, 0),
		entry(model.ACLDefaultRule, false, "-1", "deny", "0.0.0.0/0", 0, 0), entry(model.ACLDefaultRule, true, "-1", "deny", "0.0.0.0/0", 0, 0),
	}
}

func TestACLVerdicts(t *testing.T) {
	cases := []struct {
		name string
		a, b []model.ACLEntry
		// layer is "" for an allow; else the deciding ACL, its direction
		// and rule number must show in the reason.
		layer network.Layer
		want  []string
		// warn is what the warnings of an allowed flow must say: the
		// ephemeral ports a passing return leg still denies.
		warn []string
	}{
		{name: "default ACLs pass", a: allowAll(), b: allowAll()},
		{name: "inbound deny on the destination, lowest number first",
			a: allowAll(),
			b: append([]model.ACLEntry{
				entry(200, false, "6", "allow", "10.0.0.0/16", 80, 80), // higher number: never reached
				entry(90, false, "6", "deny", "10.0.0.0/24", 80, 80),
			}, allowAll()...),
			layer: network.LayerACL, want: []string{"network ACL acl-b of subnet-b: inbound rule 90 denies tcp/80 from 10.0.0.5"}},
		{name: "outbound deny on the source",
			a:     []model.ACLEntry{entry(100, false, "-1", "allow", "0.0.0.0/0", 0, 0)},
			b:     allowAll(),
			layer: network.LayerACL, want: []string{"network ACL acl-a of subnet-a: outbound rule * (32767) denies tcp/80 to 10.0.1.10"}},
		{name: "return traffic: the destination's outbound rules must admit most of the ephemeral ports",
			a: allowAll(),
			b: []model.ACLEntry{
				entry(100, false, "6", "allow", "10.0.0.0/24", 80, 80),
				entry(100, true, "6", "allow", "10.0.0.0/24", 49152, 65535), // the IANA range: a quarter of 1024-65535
			},
			layer: network.LayerACL, want: []string{"acl-b of subnet-b: outbound rule * (32767) denies the return traffic to 10.0.0.5 on ephemeral port 1024"}},
		{name: "return traffic: admitting just over half of the ephemeral ports passes, with a warning",
			a: allowAll(),
			b: []model.ACLEntry{
				entry(100, false, "6", "allow", "10.0.0.0/24", 80, 80),
				entry(100, true, "6", "allow", "10.0.0.0/24", 32768, 65535), // a Linux client's range
			},
			warn: []string{"network ACL acl-b of subnet-b: outbound rules deny the return traffic on tcp/1024-32767 (rule *), 31744 of the ephemeral ports 1024-65535"}},
		{name: "return traffic: the source's inbound rules, a deny inside the range passes, with a warning",
			a: []model.ACLEntry{
				entry(100, true, "6", "allow", "10.0.1.0/24", 80, 80),
				entry(110, false, "6", "deny", "10.0.1.0/24", 40000, 40010),
				entry(120, false, "6", "allow", "0.0.0.0/0", 1024, 65535),
			},
			b:    allowAll(),
			warn: []string{"network ACL acl-a of subnet-a: inbound rules deny the return traffic on tcp/40000-40010 (rule 110), 11 of the ephemeral ports"}},
		{name: "the common deny of one port in front of allow all passes, with a warning",
			a:    append([]model.ACLEntry{entry(90, false, "6", "deny", "0.0.0.0/0", 3306, 3306)}, allowAll()...),
			b:    allowAll(),
			warn: []string{"network ACL acl-a of subnet-a: inbound rules deny the return traffic on tcp/3306 (rule 90), 1 of the ephemeral ports 1024-65535"}},
		{name: "denies of several entries add up",
			a: allowAll(),
			b: append([]model.ACLEntry{
				entry(80, true, "6", "deny", "0.0.0.0/0", 1024, 20000),
				entry(90, true, "6", "deny", "0.0.0.0/0", 20001, 40000),
			}, allowAll()...),
			layer: network.LayerACL, want: []string{"acl-b of subnet-b: outbound rule 80 denies the return traffic to 10.0.0.5 on ephemeral port 1024"}},
		{name: "return traffic: the two return legs' denies count together",
			// Neither denies half alone, but a reply must pass both on
			// the same port: only 32001-33999 are left.
			a:     append([]model.ACLEntry{entry(90, false, "6", "deny", "0.0.0.0/0", 34000, 65535)}, allowAll()...),
			b:     append([]model.ACLEntry{entry(80, true, "6", "deny", "0.0.0.0/0", 1024, 32000)}, allowAll()...),
			layer: network.LayerACL, want: []string{
				"network ACL acl-b of subnet-b: outbound rule 80 and network ACL acl-a of subnet-a: inbound rule 90 together deny the return traffic from 10.0.1.10 to 10.0.0.5 on 62513 of the ephemeral ports 1024-65535",
				"acl-b denies 1024-32000 (rule 80), acl-a denies 34000-65535 (rule 90)"}},
		{name: "return traffic: overlapping denies of the two legs count once",
			a:    append([]model.ACLEntry{entry(90, false, "6", "deny", "0.0.0.0/0", 1024, 30000)}, allowAll()...),
			b:    append([]model.ACLEntry{entry(80, true, "6", "deny", "0.0.0.0/0", 1024, 30000)}, allowAll()...),
			warn: []string{"acl-b of subnet-b: outbound rules deny", "acl-a of subnet-a: inbound rules deny"}},
		{name: "the full ephemeral range, in two rules, passes",
			a: []model.ACLEntry{
				entry(100, true, "6", "allow", "10.0.1.0/24", 80, 80),
				entry(110, false, "6", "allow", "10.0.1.0/24", 1024, 30000),
				entry(120, false, "6", "allow", "10.0.1.0/24", 30001, 65535),
			},
			b: allowAll()},
		{name: "an entry for another protocol or address does not match",
			a: allowAll(),
			b: append([]model.ACLEntry{
				entry(10, false, "17", "deny", "0.0.0.0/0", 80, 80),
				entry(20, false, "6", "deny", "10.9.0.0/16", 80, 80),
			}, allowAll()...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rules, src, dst := aclWorld(c.a, c.b)
			v := network.Evaluate(rules, src, dst, tcp(80))
			if v.Allowed != (c.layer == "") || v.Layer != c.layer {
				t.Fatalf("allowed %v layer %q (%s), want layer %q", v.Allowed, v.Layer, v.Reason(), c.layer)
			}
			for _, w := range c.want {
				if !strings.Contains(v.Reason(), w) {
					t.Errorf("reason %q does not say %q", v.Reason(), w)
				}
			}
			if c.layer == "" && len(v.ACLChecks()) != 4 {
				t.Errorf("an allowed flow across subnets records %d ACL checks, want 4: %+v", len(v.ACLChecks()), v.ACLChecks())
			}
			var warnings []string
			for _, ch := range v.ACLChecks() {
				if w := ch.Warning(tcp(80)); w != "" {
					warnings = append(warnings, w)
				}
			}
			if len(warnings) != len(c.warn) {
				t.Fatalf("warnings %q, want %d", warnings, len(c.warn))
			}
			for i, w := range c.warn {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q does not say %q", warnings[i], w)
				}
			}
		})
	}
}

func TestACLOnlyAcrossSubnets(t *testing.T) {
	rules, src, dst := aclWorld(nil, nil) // no entries: everything is denied by the catch-all
	if v := network.Evaluate(rules, src, dst, tcp(80)); v.Allowed || v.Layer != network.LayerACL {
		t.Fatalf("ACLs with no entries let the flow through: %s", v.Reason())
	}
	dst.Subnet = src.Subnet
	if v := network.Evaluate(rules, src, dst, tcp(80)); !v.Allowed || len(v.ACLChecks()) != 0 {
		t.Errorf("traffic within one subnet met an ACL: %s %+v", v.Reason(), v.ACLChecks())
	}
	// A subnet with no ACL record (a store from before ACLs) filters
	// nothing; a subnet of a VPC with a default ACL but no association
	// takes the default.
	old := network.Rules{Groups: rules.Groups, ACLs: network.IndexACLs(nil, nil)}
	_, src, dst = aclWorld(nil, nil)
	if v := network.Evaluate(old, src, dst, tcp(80)); !v.Allowed {
		t.Errorf("subnets without ACL records dropped the flow: %s", v.Reason())
	}
	idx := network.IndexACLs(map[string]*model.NetworkACL{"acl-d": {ID: "acl-d", VpcID: "vpc-1", IsDefault: true}},
		map[string]*model.Subnet{"subnet-b": {ID: "subnet-b", VpcID: "vpc-1"}, "subnet-x": {ID: "subnet-x", VpcID: "vpc-2"}})
	if idx["subnet-b"] == nil || idx["subnet-b"].ID != "acl-d" || idx["subnet-x"] != nil {
		t.Errorf("default ACL placement: %+v", idx)
	}
}

func TestVPCIsolation(t *testing.T) {
	rules, src, dst := aclWorld(allowAll(), allowAll())
	dst.VPC = "vpc-2"
	v := network.Evaluate(rules, src, dst, tcp(80))
	if v.Allowed || v.Layer != network.LayerVPC || !strings.Contains(v.Reason(), "the VPCs are not connected") {
		t.Fatalf("a flow between two VPCs: allowed %v layer %q: %s", v.Allowed, v.Layer, v.Reason())
	}
	// An end outside every VPC (PrivateLink's side) is not another VPC.
	src = network.Endpoint{Addr: netip.MustParseAddr("198.18.0.1")}
	dst.VPC = "vpc-1"
	if v := network.Evaluate(rules, src, dst, tcp(80)); !v.Allowed {
		t.Errorf("PrivateLink's side: %s", v.Reason())
	}
}

func TestTargetEndpoint(t *testing.T) {
	eni := &model.NetworkInterface{ID: "eni-1", VpcID: "vpc-1", SubnetID: "subnet-b", PrivateIP: "10.0.1.15", Groups: []string{"sg-open"}}
	far := &model.NetworkInterface{ID: "eni-far", VpcID: "vpc-2", SubnetID: "subnet-far", PrivateIP: "10.2.0.9"}
	sc := &model.Scoped{
		VPCs:          map[string]*model.VPC{"vpc-1": {ID: "vpc-1", CidrBlock: "10.0.0.0/16"}, "vpc-2": {ID: "vpc-2", CidrBlock: "10.2.0.0/16"}},
		InterfaceByIP: map[string]*model.NetworkInterface{"vpc-1/10.0.1.15": eni, "vpc-2/10.2.0.9": far},
	}
	for _, c := range []struct {
		addr     string
		allZones bool
		layer    network.Layer // "" when the flow passes
		vpc      string
	}{
		{"10.0.1.15", false, "", "vpc-1"},                   // owned
		{"10.0.1.99", false, network.LayerAddress, "vpc-1"}, // in the VPC, nobody holds it
		{"10.0.1.99", true, network.LayerAddress, "vpc-1"},
		{"192.168.7.7", false, network.LayerAddress, "vpc-1"}, // beyond the VPC, not registered for all zones
		{"192.168.7.7", true, "", ""},                         // beyond every modeled VPC
		{"10.2.0.9", true, network.LayerVPC, "vpc-2"},         // another VPC's interface: not connected
		{"10.2.0.10", true, network.LayerVPC, "vpc-2"},
	} {
		addr := netip.MustParseAddr(c.addr)
		e := network.TargetEndpoint(sc, "vpc-1", addr, c.allZones)
		if e.VPC != c.vpc {
			t.Errorf("%s all=%v: placed in %q, want %q", c.addr, c.allZones, e.VPC, c.vpc)
		}
		rules, src, _ := aclWorld(allowAll(), allowAll())
		v := network.Evaluate(rules, src, e, tcp(80))
		if v.Allowed != (c.layer == "") || v.Layer != c.layer {
			t.Errorf("%s all=%v: layer %q, want %q: %s", c.addr, c.allZones, v.Layer, c.layer, v.Reason())
		}
		if c.layer == network.LayerAddress && !strings.Contains(v.Reason(), "owns "+c.addr) {
			t.Errorf("%s: %s", c.addr, v.Reason())
		}
	}
}

// Compiled snapshots keep a verdict per hop, node and target: the ACL
// decisions live behind a pointer, allocated once per flow that meets an
// ACL, rather than in every verdict.
func TestEvaluateWithACLsAllocatesOnce(t *testing.T) {
	rules, src, dst := aclWorld(allowAll(), allowAll())
	var idx network.Index = rules
	n := testing.AllocsPerRun(100, func() {
		if !network.Evaluate(idx, src, dst, tcp(80)).Allowed {
			t.Fatal("denied")
		}
	})
	if n != 1 {
		t.Errorf("%v allocations per Evaluate across two ACLs, want 1", n)
	}
	dst.Subnet = src.Subnet
	if n := testing.AllocsPerRun(100, func() { network.Evaluate(idx, src, dst, tcp(80)) }); n != 0 {
		t.Errorf("%v allocations per Evaluate within one subnet, want 0", n)
	}
	if v, c := unsafe.Sizeof(network.Verdict{}), unsafe.Sizeof(network.ACLCheck{}); v >= 4*c {
		t.Errorf("a Verdict takes %d bytes, as much as four ACL checks (%d each)", v, c)
	}
}

// An end outside every subnet (PrivateLink's side, an address beyond the
// VPC) brings no ACL of its own, but the subnet it enters or leaves still
// judges it: an ACL admitting only the VPC drops PrivateLink's traffic.
func TestACLOfTheOtherSide(t *testing.T) {
	vpcOnly := []model.ACLEntry{entry(100, false, "-1", "allow", "10.0.0.0/16", 0, 0), entry(100, true, "-1", "allow", "10.0.0.0/16", 0, 0)}
	rules, _, dst := aclWorld(allowAll(), vpcOnly)
	outside := network.Endpoint{Addr: netip.MustParseAddr("198.18.0.1")}
	v := network.Evaluate(rules, outside, dst, tcp(80))
	if v.Allowed || v.Layer != network.LayerACL || !strings.Contains(v.Reason(), "acl-b of subnet-b: inbound rule * (32767) denies tcp/80 from 198.18.0.1") {
		t.Fatalf("PrivateLink into a subnet whose ACL admits the VPC alone: %s", v.Reason())
	}
	rules, _, dst = aclWorld(allowAll(), allowAll())
	if v := network.Evaluate(rules, outside, dst, tcp(80)); !v.Allowed || len(v.ACLChecks()) != 2 {
		t.Errorf("open ACL: %s, %d checks (want the destination's two)", v.Reason(), len(v.ACLChecks()))
	}
}

func TestDeniedPortsJSON(t *testing.T) {
	b, err := json.Marshal(network.DeniedPorts{From: 1024, To: 2000, Rule: 90})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"from":1024,"to":2000,"rule":90}`; string(b) != want {
		t.Errorf("DeniedPorts marshals as %s, want %s", b, want)
	}
}
