package provision

import (
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/stack"
)

// TestPhysicalNames checks generated names against each type's limit and
// CloudFormation's shape, and that two names for the same resource differ,
// so a replacement made before the old resource is deleted never takes
// its name.
func TestPhysicalNames(t *testing.T) {
	long := strings.Repeat("s", 120)
	for _, c := range []struct {
		stackName, logical, typ string
		want                    string
	}{
		{"net", "Alb", "AWS::ElasticLoadBalancingV2::LoadBalancer", `^net-Alb-[A-Z0-9]{13}$`},
		{"my-big-stack", "TargetGroupForPets", "AWS::ElasticLoadBalancingV2::TargetGroup", `^my-big-Targe-[A-Z0-9]{13}$`},
		{"ab-", "X", "AWS::ElasticLoadBalancingV2::TargetGroup", `^ab-X-[A-Z0-9]{13}$`},
		{"net", "Web", "AWS::EC2::SecurityGroup", `^net-Web-[A-Z0-9]{13}$`},
		{long, "Svc", "AWS::ServiceDiscovery::Service", `^s{45}-Svc-[A-Z0-9]{13}$`},
		{"net", strings.Repeat("L", 100), "AWS::ServiceDiscovery::Service", `^net-L{45}-[A-Z0-9]{13}$`},
	} {
		tg := stack.Target{StackName: c.stackName, LogicalID: c.logical, Type: c.typ}
		a, b := physicalName(tg), physicalName(tg)
		if !regexp.MustCompile(c.want).MatchString(a) {
			t.Errorf("%s/%s (%s): %q, want %s", c.stackName, c.logical, c.typ, a, c.want)
		}
		if limit := nameLimits[c.typ]; limit > 0 && len(a) > limit {
			t.Errorf("%q is longer than %s allows (%d)", a, c.typ, limit)
		}
		if a == b {
			t.Errorf("two names for %s/%s are both %q", c.stackName, c.logical, a)
		}
	}
}

// TestEveryTypeUpdatesAndDeletes: a type the provisioner creates can be
// updated (or refuse an update by name) and deleted, so the stack engine
// can roll any of them back.
func TestEveryTypeUpdatesAndDeletes(t *testing.T) {
	for typ := range creators {
		if updaters[typ] == nil {
			t.Errorf("%s has no updater", typ)
		}
		if deleters[typ] == nil {
			t.Errorf("%s has no deleter", typ)
		}
		if _, ok := stack.Specs[typ]; !ok {
			t.Errorf("%s has no specification", typ)
		}
	}
}
