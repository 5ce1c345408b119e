package dataplane

import (
	"net/netip"
	"strings"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// A hop whose return traffic the two ACLs drop together names both as its
// cause, and neither warns as if its leg had passed.
func TestDropCauseNamesBothReturnACLs(t *testing.T) {
	acl := func(id string, deny model.ACLEntry) *model.NetworkACL {
		all := func(egress bool) model.ACLEntry {
			return model.ACLEntry{RuleNumber: 100, Egress: egress, Protocol: "-1", Action: "allow", CidrBlock: "0.0.0.0/0"}
		}
		return &model.NetworkACL{ID: id, VpcID: "vpc-1", Entries: []model.ACLEntry{deny, all(false), all(true)}}
	}
	rules := network.Rules{ACLs: network.ACLIndex{
		"subnet-a": acl("acl-a", model.ACLEntry{RuleNumber: 90, Protocol: "6", Action: "deny", CidrBlock: "0.0.0.0/0", FromPort: 34000, ToPort: 65535}),
		"subnet-b": acl("acl-b", model.ACLEntry{RuleNumber: 80, Egress: true, Protocol: "6", Action: "deny", CidrBlock: "0.0.0.0/0", FromPort: 1024, ToPort: 32000}),
	}}
	src := network.Endpoint{Addr: netip.MustParseAddr("10.0.0.5"), VPC: "vpc-1", Subnet: "subnet-a"}
	dst := network.Endpoint{Addr: netip.MustParseAddr("10.0.1.10"), VPC: "vpc-1", Subnet: "subnet-b"}
	v := network.Evaluate(rules, src, dst, network.Flow{Protocol: "tcp", Port: 80})
	if v.Allowed {
		t.Fatalf("allowed: %s", v.Reason())
	}
	if got, want := dropCause(v, "a", "b"), "network ACLs acl-b and acl-a together drop a -> b"; got != want {
		t.Errorf("cause %q, want %q", got, want)
	}
	for _, c := range v.ACLChecks() {
		if w := c.Warning(network.Flow{Protocol: "tcp", Port: 80}); w != "" {
			t.Errorf("a dropped flow warns %q", w)
		}
		if c.Return && (c.Allowed || !c.Together) {
			t.Errorf("return leg %s allowed %v together %v, want dropped together", c, c.Allowed, c.Together)
		}
	}
	if !strings.Contains(v.Reason(), "acl-b of subnet-b: outbound rule 80 and network ACL acl-a of subnet-a: inbound rule 90 together deny") {
		t.Errorf("reason %q", v.Reason())
	}
}
