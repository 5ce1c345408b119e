package network_test

import (
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// EC2 keeps IPv6 rules, even all-traffic ones from ::/0, but the modeled
// network carries IPv4 alone: such a rule admits no flow, mapped addresses
// included.
func TestIPv6RuleAdmitsNothing(t *testing.T) {
	groups := network.GroupMap{
		"sg-v6": {ID: "sg-v6", Ingress: []model.Rule{{ID: "sgr-v6", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv6: "::/0"}}},
	}
	for _, src := range []string{"10.0.1.5", "::ffff:10.0.1.5"} {
		if v := network.Evaluate(groups, ep(src), ep("10.0.2.9", "sg-v6"), tcp(80)); v.Allowed {
			t.Errorf("from %s: allowed by %+v", src, v.Ingress)
		}
	}
}
