package gatehouse_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// TestModifyRuleThenInvoke: a rule changed in place by its sgr- id reaches
// the data plane as an authorize or revoke does. Moving the ALB group's
// rule for the VPC link off the listener's port drops the next request at
// the ALB (503 after the 50 ms integration timeout); moving it back lets
// the next one through; a new description changes nothing.
func TestModifyRuleThenInvoke(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	albGroup := n.group("alb")
	tg := n.targetGroup("app", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.10": v2Backend(t, "app")})
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("app"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, tg)
	id := n.api("app", "$default")
	n.private(id, aws.ToString(listener), 50, nil, "ANY /{proxy+}")
	n.linkAvailable()

	out, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	rule := out.SecurityGroupRules[0].SecurityGroupRuleId
	if status, body := invokeNow(t, n.srv, id, "/pets"); status != 200 {
		t.Fatalf("with the rule: %d %s", status, body)
	}
	port := func(p int32, desc string) {
		t.Helper()
		req := &ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(p), ToPort: aws.Int32(p), ReferencedGroupId: n.linkGroup}
		if desc != "" {
			req.Description = aws.String(desc)
		}
		_, err := n.ec2.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: albGroup,
			SecurityGroupRules: []ec2types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: rule, SecurityGroupRule: req}}})
		n.must(err)
	}
	for round := 0; round < 3; round++ {
		port(81, "")
		if status, body := invokeNow(t, n.srv, id, "/pets"); status != 503 || body != `{"message":"Service Unavailable"}` {
			t.Fatalf("round %d, rule moved to port 81: %d %s", round, status, body)
		}
		port(80, "")
		if status, body := invokeNow(t, n.srv, id, "/pets"); status != 200 {
			t.Fatalf("round %d, rule moved back to port 80: %d %s", round, status, body)
		}
	}
	_, err = n.ec2.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: albGroup,
		SecurityGroupRuleDescriptions: []ec2types.SecurityGroupRuleDescription{{SecurityGroupRuleId: rule, Description: aws.String("from the VPC link")}}})
	n.must(err)
	if status, body := invokeNow(t, n.srv, id, "/pets"); status != 200 {
		t.Fatalf("after a new description: %d %s", status, body)
	}
}

// TestModifyInterfaceGroupsThenInvoke: the groups of a target's interface,
// replaced by ModifyNetworkInterfaceAttribute, decide the next request: a
// group that does not admit the ALB drops it at the target (503 after the
// 50 ms integration timeout), the group that does lets the next one through.
func TestModifyInterfaceGroupsThenInvoke(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	albGroup, appGroup, closedGroup := n.group("alb"), n.group("app"), n.group("closed")
	_, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	_, err = n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: appGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: albGroup}}}}})
	n.must(err)
	eni, err := n.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.subnets[0]),
		PrivateIpAddress: aws.String("10.0.1.10"), Groups: []string{aws.ToString(appGroup)}})
	n.must(err)
	tg := n.targetGroup("app", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.10": v2Backend(t, "app")})
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("app"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, tg)
	id := n.api("app", "$default")
	n.private(id, aws.ToString(listener), 50, nil, "ANY /{proxy+}")
	n.linkAvailable()

	if status, body := invokeNow(t, n.srv, id, "/pets"); status != 200 {
		t.Fatalf("target admits the ALB: %d %s", status, body)
	}
	groups := func(g *string) {
		t.Helper()
		_, err := n.ec2.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId,
			Groups: []string{aws.ToString(g)}})
		n.must(err)
	}
	for round := 0; round < 3; round++ {
		groups(closedGroup)
		if status, body := invokeNow(t, n.srv, id, "/pets"); status != 503 || body != `{"message":"Service Unavailable"}` {
			t.Fatalf("round %d, target's group admits nothing: %d %s", round, status, body)
		}
		groups(appGroup)
		if status, body := invokeNow(t, n.srv, id, "/pets"); status != 200 {
			t.Fatalf("round %d, target's group admits the ALB again: %d %s", round, status, body)
		}
	}
}
