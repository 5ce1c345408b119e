package elbv2_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

var ctx = context.Background()

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want AWS error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

// network is a VPC with two subnets in two zones and a group for a balancer.
type network struct {
	vpc, subnetA, subnetB, sg string
}

func newNetwork(t *testing.T, c *ec2.Client) network {
	t.Helper()
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	n := network{vpc: aws.ToString(v.Vpc.VpcId)}
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String([]string{"10.0.1.0/24", "10.0.2.0/24"}[i]), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			n.subnetA = aws.ToString(s.Subnet.SubnetId)
		} else {
			n.subnetB = aws.ToString(s.Subnet.SubnetId)
		}
	}
	g, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	n.sg = aws.ToString(g.GroupId)
	return n
}

func TestLoadBalancerLifecycle(t *testing.T) {
	srv := servertest.Start(t)
	ec, c := srv.EC2(), srv.ELBv2()
	n := newNetwork(t, ec)

	out, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name:           aws.String("blog-alb"),
		Scheme:         types.LoadBalancerSchemeEnumInternal,
		Subnets:        []string{n.subnetA, n.subnetB},
		SecurityGroups: []string{n.sg},
		Tags:           []types.Tag{{Key: aws.String("app"), Value: aws.String("blog")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lb := out.LoadBalancers[0]
	arn := aws.ToString(lb.LoadBalancerArn)
	if !strings.HasPrefix(arn, "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/blog-alb/") ||
		!strings.HasPrefix(aws.ToString(lb.DNSName), "internal-blog-alb-") || !strings.HasSuffix(aws.ToString(lb.DNSName), ".us-east-1.elb.amazonaws.com") ||
		lb.Type != types.LoadBalancerTypeEnumApplication || lb.State.Code != types.LoadBalancerStateEnumActive || len(lb.AvailabilityZones) != 2 {
		t.Fatalf("CreateLoadBalancer = %+v", lb)
	}

	// One requester-managed interface per subnet, in AWS's description format.
	enis, err := ec.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("requester-managed"), Values: []string{"true"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(enis.NetworkInterfaces) != 2 {
		t.Fatalf("want 2 balancer interfaces, got %d", len(enis.NetworkInterfaces))
	}
	_, res, _ := strings.Cut(arn, ":loadbalancer/")
	for _, e := range enis.NetworkInterfaces {
		if aws.ToString(e.Description) != "ELB "+res || len(e.Groups) != 1 || aws.ToString(e.Groups[0].GroupId) != n.sg {
			t.Errorf("balancer ENI = %+v", e)
		}
	}

	_, err = c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("blog-alb"), Subnets: []string{n.subnetA, n.subnetB}})
	wantCode(t, err, "DuplicateLoadBalancerName")

	attrs, err := c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("true")}}})
	if err != nil || !hasAttr(attrs.Attributes, "deletion_protection.enabled", "true") {
		t.Fatalf("ModifyLoadBalancerAttributes = %+v, %v", attrs, err)
	}
	_, err = c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	wantCode(t, err, "OperationNotPermitted")
	c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("false")}}})
	if _, err := c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	wantCode(t, err, "LoadBalancerNotFound")
	enis, _ = ec.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if len(enis.NetworkInterfaces) != 0 {
		t.Errorf("balancer interfaces left behind: %d", len(enis.NetworkInterfaces))
	}
}

func hasAttr(attrs []types.LoadBalancerAttribute, k, v string) bool {
	for _, a := range attrs {
		if aws.ToString(a.Key) == k && aws.ToString(a.Value) == v {
			return true
		}
	}
	return false
}

func TestLoadBalancerValidation(t *testing.T) {
	srv := servertest.Start(t)
	ec, c := srv.EC2(), srv.ELBv2()
	n := newNetwork(t, ec)
	for _, tc := range []struct {
		name string
		in   elb.CreateLoadBalancerInput
		code string
	}{
		{"one zone ALB", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{n.subnetA}}, "ValidationError"},
		{"bad name", elb.CreateLoadBalancerInput{Name: aws.String("-bad"), Subnets: []string{n.subnetA, n.subnetB}}, "ValidationError"},
		{"unknown subnet", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{n.subnetA, "subnet-00000000000000000"}}, "SubnetNotFound"},
		{"same zone twice", elb.CreateLoadBalancerInput{Name: aws.String("a"), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{n.subnetA, n.subnetA}}, "InvalidConfigurationRequest"},
		{"unknown group", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{n.subnetA, n.subnetB}, SecurityGroups: []string{"sg-00000000000000000"}}, "InvalidSecurityGroup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateLoadBalancer(ctx, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	d, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil || len(d.LoadBalancers) != 0 {
		t.Fatalf("failed creates left balancers: %+v %v", d, err)
	}
	enis, _ := ec.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if len(enis.NetworkInterfaces) != 0 {
		t.Errorf("failed creates left interfaces: %d", len(enis.NetworkInterfaces))
	}
}

func TestListenersRulesAndTargets(t *testing.T) {
	srv := servertest.Start(t)
	ec, c := srv.EC2(), srv.ELBv2()
	n := newNetwork(t, ec)
	lbOut, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: []string{n.subnetA, n.subnetB}, SecurityGroups: []string{n.sg}})
	if err != nil {
		t.Fatal(err)
	}
	lb := lbOut.LoadBalancers[0].LoadBalancerArn
	tg := func(name, protocol string) *string {
		t.Helper()
		out, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: types.ProtocolEnum(protocol),
			Port: aws.Int32(8080), VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		g := out.TargetGroups[0]
		if protocol == "HTTP" && (aws.ToString(g.HealthCheckPath) != "/" || aws.ToInt32(g.HealthCheckIntervalSeconds) != 30 ||
			aws.ToInt32(g.HealthyThresholdCount) != 5 || aws.ToString(g.Matcher.HttpCode) != "200") {
			t.Errorf("health-check defaults = %+v", g)
		}
		return g.TargetGroupArn
	}
	blue, green, tcp := tg("blue", "HTTP"), tg("green", "HTTP"), tg("tcp", "TCP")

	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tcp}}})
	wantCode(t, err, "IncompatibleProtocols")

	lOut, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("404"), MessageBody: aws.String("nope")}}}})
	if err != nil {
		t.Fatal(err)
	}
	listener := lOut.Listeners[0].ListenerArn
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: blue}}})
	wantCode(t, err, "DuplicateListener")

	rule, err := c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: listener, Priority: aws.Int32(10),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/api/*"}}}},
		Actions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
			{TargetGroupArn: blue, Weight: aws.Int32(3)}, {TargetGroupArn: green, Weight: aws.Int32(1)}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: listener, Priority: aws.Int32(10),
		Conditions: []types.RuleCondition{{Field: aws.String("host-header"), Values: []string{"a.example.com"}}},
		Actions:    []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: blue}}})
	wantCode(t, err, "PriorityInUse")

	rules, err := c.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: listener})
	if err != nil || len(rules.Rules) != 2 || aws.ToString(rules.Rules[1].Priority) != "default" || !aws.ToBool(rules.Rules[1].IsDefault) {
		t.Fatalf("DescribeRules = %+v, %v", rules, err)
	}
	fc := rules.Rules[0].Actions[0].ForwardConfig
	if len(fc.TargetGroups) != 2 || aws.ToInt32(fc.TargetGroups[0].Weight) != 3 {
		t.Fatalf("weighted forward = %+v", fc)
	}
	_, err = c.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: rules.Rules[1].RuleArn})
	wantCode(t, err, "OperationNotPermitted")

	groups, err := c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: lb})
	if err != nil || len(groups.TargetGroups) != 2 {
		t.Fatalf("groups behind the balancer = %+v, %v", groups, err)
	}
	_, err = c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: blue})
	wantCode(t, err, "ResourceInUse")

	// Targets: inside the VPC or refused; unused until a listener forwards.
	_, err = c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: blue, Targets: []types.TargetDescription{{Id: aws.String("192.168.1.1")}}})
	wantCode(t, err, "InvalidTarget")
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tcp, Targets: []types.TargetDescription{{Id: aws.String("10.0.1.20")}}}); err != nil {
		t.Fatal(err)
	}
	h, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tcp})
	if err != nil || len(h.TargetHealthDescriptions) != 1 || h.TargetHealthDescriptions[0].TargetHealth.State != types.TargetHealthStateEnumUnused ||
		h.TargetHealthDescriptions[0].TargetHealth.Reason != types.TargetHealthReasonEnumNotInUse {
		t.Fatalf("DescribeTargetHealth = %+v, %v", h, err)
	}
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: blue, Targets: []types.TargetDescription{{Id: aws.String("10.0.1.20"), Port: aws.Int32(9000)}}}); err != nil {
		t.Fatal(err)
	}
	h, _ = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: blue})
	if th := h.TargetHealthDescriptions[0]; th.TargetHealth.State != types.TargetHealthStateEnumInitial || aws.ToInt32(th.Target.Port) != 9000 {
		t.Fatalf("in-use target = %+v", th)
	}
	// Deregistering drains for the group's delay, then the target is gone.
	c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: blue,
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")}}})
	if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: blue, Targets: []types.TargetDescription{{Id: aws.String("10.0.1.20")}}}); err != nil {
		t.Fatal(err)
	}
	h, _ = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: blue})
	if len(h.TargetHealthDescriptions) != 1 || h.TargetHealthDescriptions[0].TargetHealth.State != types.TargetHealthStateEnumDraining {
		t.Fatalf("after deregister = %+v", h.TargetHealthDescriptions)
	}
	srv.Clock.Advance(31 * 1e9)
	h, _ = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: blue})
	if len(h.TargetHealthDescriptions) != 0 {
		t.Fatalf("after the delay = %+v", h.TargetHealthDescriptions)
	}

	// Tags on every kind of resource.
	if _, err := c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{aws.ToString(lb), aws.ToString(rule.Rules[0].RuleArn)}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{aws.ToString(rule.Rules[0].RuleArn)}})
	if err != nil || len(tags.TagDescriptions) != 1 || len(tags.TagDescriptions[0].Tags) != 1 {
		t.Fatalf("DescribeTags = %+v, %v", tags, err)
	}
}
