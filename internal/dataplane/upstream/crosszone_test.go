package upstream_test

import (
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/dial"
)

// An NLB node keeps to its own zone's targets unless cross-zone load
// balancing is on (off by default for NLBs); a target group can override
// its balancer; a zone with no healthy target is left out, as DNS leaves
// out its node.
func TestNLBCrossZone(t *testing.T) {
	f := newFixture(t)
	tg, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), VpcId: aws.String(f.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	tgARN := tg.TargetGroups[0].TargetGroupArn
	// One target per zone, registered without a zone: it comes from the
	// subnet that holds the address.
	f.own(t, "10.0.1.10", "10.0.2.10")
	if _, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: []types.TargetDescription{
		{Id: aws.String("10.0.1.10"), Port: aws.Int32(int32(backend(t, "zone-a")))},
		{Id: aws.String("10.0.2.10"), Port: aws.Int32(int32(backend(t, "zone-b")))}}}); err != nil {
		t.Fatal(err)
	}
	lb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: f.subnets})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := lb.LoadBalancers[0].LoadBalancerArn
	if _, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tgARN}}}); err != nil {
		t.Fatal(err)
	}
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}
	both := healthOf{"10.0.1.10": true, "10.0.2.10": true}

	// reached counts which zone's target answered 40 flows entering a node
	// in the subnet of zone a (node 0) or b (node 1).
	reached := func(h healthOf, node int) map[string]int {
		t.Helper()
		b := f.compileWith(t, h)[aws.ToString(lbARN)]
		seen := map[string]int{}
		for range 40 {
			req := httptest.NewRequest("GET", "http://nlb.example/", nil)
			resp, _, err := fw.RoundTrip(req, b, upstream.Hop{Port: 80, Node: node, Flow: rand.Uint64() | 1<<63})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			name, _, _ := strings.Cut(string(body), " ")
			seen[name]++
		}
		return seen
	}
	attr := func(set func() error) {
		t.Helper()
		if err := set(); err != nil {
			t.Fatal(err)
		}
	}

	if got := reached(both, 0); got["zone-a"] != 40 {
		t.Fatalf("cross-zone off, node in zone a: %v, want zone-a only", got)
	}
	if got := reached(both, 1); got["zone-b"] != 40 {
		t.Fatalf("cross-zone off, node in zone b: %v, want zone-b only", got)
	}
	if got := reached(healthOf{"10.0.2.10": true}, 0); got["zone-b"] != 40 {
		t.Fatalf("zone a without a healthy target: %v, want its flows at zone b's node", got)
	}

	attr(func() error {
		_, err := f.elb.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lbARN,
			Attributes: []types.LoadBalancerAttribute{{Key: aws.String("load_balancing.cross_zone.enabled"), Value: aws.String("true")}}})
		return err
	})
	if got := reached(both, 0); got["zone-a"] == 0 || got["zone-b"] == 0 {
		t.Fatalf("cross-zone on: %v, want both zones", got)
	}

	attr(func() error {
		_, err := f.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tgARN,
			Attributes: []types.TargetGroupAttribute{{Key: aws.String("load_balancing.cross_zone.enabled"), Value: aws.String("false")}}})
		return err
	})
	if got := reached(both, 0); got["zone-a"] != 40 {
		t.Fatalf("group overrides the balancer with false: %v, want zone-a only", got)
	}

	// The group attribute takes only AWS's three values.
	_, err = f.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tgARN,
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("load_balancing.cross_zone.enabled"), Value: aws.String("sometimes")}}})
	if err == nil || !strings.Contains(err.Error(), "ValidationError") {
		t.Fatalf("bad cross-zone value: %v, want ValidationError", err)
	}
	out, err := f.elb.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: tgARN})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == "load_balancing.cross_zone.enabled" && aws.ToString(a.Value) != "false" {
			t.Fatalf("group cross-zone = %s after the refused change, want false", aws.ToString(a.Value))
		}
	}
}
