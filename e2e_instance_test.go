package gatehouse_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/dataplane"
)

// TestInstanceTargets sends an HTTP API request through a VPC link and an
// internal ALB to an `instance` target group: the instances are records,
// their primary interfaces' addresses reach real backends by the address
// rule, and a stopped instance leaves service at once.
func TestInstanceTargets(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	albSG := n.group("alb")
	webSG := n.group("web")
	_, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)

	// Both backends listen on one port of their own, so each instance's
	// port is its own and the loopback rule tells them apart; the web
	// group admits the ALB's group on every port.
	_, err = n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: webSG, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(65535), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: albSG}}}}})
	n.must(err)
	run := func(subnet string) string {
		out, err := n.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0b5eea76982371e91"), InstanceType: ec2types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet), SecurityGroupIds: []string{aws.ToString(webSG)}})
		n.must(err)
		return aws.ToString(out.Instances[0].InstanceId)
	}
	web1, web2 := run(n.subnets[0]), run(n.subnets[1])
	port1, port2 := v2Backend(t, "web-1"), v2Backend(t, "web-2")

	tg, err := n.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: n.vpc, TargetType: elbtypes.TargetTypeEnumInstance, HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})
	n.must(err)
	arn := tg.TargetGroups[0].TargetGroupArn

	// Registration checks the ids as ELB does.
	_, err = n.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn, Targets: []elbtypes.TargetDescription{{Id: aws.String("i-0000000000000dead")}}})
	if sdkCode(err) != "InvalidTarget" {
		t.Fatalf("unknown instance: %v", err)
	}
	other, err := n.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	n.must(err)
	otherSubnet, err := n.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: other.Vpc.VpcId, CidrBlock: aws.String("10.9.1.0/24")})
	n.must(err)
	stranger := run2(t, n, aws.ToString(otherSubnet.Subnet.SubnetId))
	_, err = n.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn, Targets: []elbtypes.TargetDescription{{Id: aws.String(stranger)}}})
	if sdkCode(err) != "InvalidTarget" {
		t.Fatalf("instance in another VPC: %v", err)
	}

	// An instance target's port defaults to the group's; these name the
	// backends' own ports.
	_, err = n.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn, Targets: []elbtypes.TargetDescription{
		{Id: aws.String(web1), Port: aws.Int32(port1)}, {Id: aws.String(web2), Port: aws.Int32(port2)}}})
	n.must(err)
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albSG)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, arn)
	api := n.api("shop", "$default")
	n.private(api, aws.ToString(listener), 500, nil, "ANY /{proxy+}")
	n.linkAvailable()

	n.srv.Advance(10 * time.Second) // two passing checks each
	health := func(id string, port int32) elbtypes.TargetHealth {
		t.Helper()
		out, err := n.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: arn,
			Targets: []elbtypes.TargetDescription{{Id: aws.String(id), Port: aws.Int32(port)}}})
		n.must(err)
		return *out.TargetHealthDescriptions[0].TargetHealth
	}
	if h := health(web1, port1); h.State != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("web-1 health = %s %s", h.State, h.Reason)
	}
	seen := map[string]bool{}
	for range 10 {
		a := invoke(t, n.srv, api, "/cart")
		if a.status != 200 {
			t.Fatalf("through the instance targets: %d %s", a.status, a.body)
		}
		seen[a.backend] = true
	}
	if !seen["web-1"] || !seen["web-2"] {
		t.Fatalf("both instances should serve: %v", seen)
	}

	// A stopped instance takes no traffic and is out of service with
	// ELB's reason, without waiting for its checks to fail.
	_, err = n.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{web2}})
	n.must(err)
	for range 6 {
		if a := invoke(t, n.srv, api, "/cart"); a.status != 200 || a.backend != "web-1" {
			t.Fatalf("with web-2 stopped: %d %s %s", a.status, a.backend, a.body)
		}
	}
	n.srv.Advance(10 * time.Second)
	if h := health(web2, port2); h.State != elbtypes.TargetHealthStateEnumUnused || h.Reason != elbtypes.TargetHealthReasonEnumInvalidState ||
		aws.ToString(h.Description) != "Target is in the stopped state" {
		t.Fatalf("stopped web-2 health = %s %s %q", h.State, h.Reason, aws.ToString(h.Description))
	}
	_, err = n.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn, Targets: []elbtypes.TargetDescription{{Id: aws.String(web2), Port: aws.Int32(port2 + 1)}}})
	if sdkCode(err) != "InvalidTarget" {
		t.Fatalf("registering a stopped instance: %v", err)
	}

	// Both stopped: nothing left to serve.
	_, err = n.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{web1}})
	n.must(err)
	if a := invoke(t, n.srv, api, "/cart"); a.status != 503 {
		t.Fatalf("with every instance stopped: %d %s", a.status, a.body)
	}
	// explain says why the group is empty: its instances are stopped, not
	// unregistered.
	resp, err := http.Get(n.srv.URL() + "/_gatehouse/explain?" + url.Values{"api": {api}}.Encode())
	n.must(err)
	var rep dataplane.Report
	n.must(json.NewDecoder(resp.Body).Decode(&rep))
	resp.Body.Close()
	if len(rep.Paths) != 1 || len(rep.Paths[0].Problems) == 0 ||
		!strings.Contains(rep.Paths[0].Problems[0], "no running instance") || !strings.Contains(rep.Paths[0].Problems[0], web1) {
		t.Fatalf("explain with every instance stopped: %+v", rep.Paths)
	}

	// Started again, web-2 serves once its checks pass.
	_, err = n.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{web2}})
	n.must(err)
	n.srv.Advance(10 * time.Second)
	if h := health(web2, port2); h.State != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("restarted web-2 health = %s %s", h.State, h.Reason)
	}
	if a := invoke(t, n.srv, api, "/cart"); a.status != 200 || a.backend != "web-2" {
		t.Fatalf("after web-2 restarted: %d %s %s", a.status, a.backend, a.body)
	}
}

// TestInstanceHostTag moves an instance's traffic to another host by
// tagging the instance: the address rule reads the instance's tag when its
// interface has none, and a tag change recompiles what is served.
func TestInstanceHostTag(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	albSG := n.group("alb")
	_, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	// The default group admits its own members; the ALB's group is let in
	// on every port.
	groups, err := n.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{aws.ToString(n.vpc)}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
	n.must(err)
	def := groups.SecurityGroups[0].GroupId
	_, err = n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: def, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(65535), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: albSG}}}}})
	n.must(err)
	port := v2Backend(t, "web")
	inst := run2(t, n, n.subnets[0])
	tg, err := n.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(port),
		VpcId: n.vpc, TargetType: elbtypes.TargetTypeEnumInstance})
	n.must(err)
	arn := tg.TargetGroups[0].TargetGroupArn
	_, err = n.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn, Targets: []elbtypes.TargetDescription{{Id: aws.String(inst)}}})
	n.must(err)
	out, err := n.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: arn})
	n.must(err)
	if p := aws.ToInt32(out.TargetHealthDescriptions[0].Target.Port); p != port {
		t.Fatalf("an instance registered without a port has port %d, want the group's %d", p, port)
	}
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albSG)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, arn)
	api := n.api("shop", "$default")
	n.private(api, aws.ToString(listener), 500, nil, "ANY /{proxy+}")
	n.linkAvailable()
	if a := invoke(t, n.srv, api, "/x"); a.status != 200 || a.backend != "web" {
		t.Fatalf("on loopback: %d %s", a.status, a.body)
	}

	// Tagged with a host nothing listens on, the instance's traffic goes
	// there and fails; untagged, it comes back.
	tag := []ec2types.Tag{{Key: aws.String("gatehouse:host"), Value: aws.String("127.0.0.2")}}
	_, err = n.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{inst}, Tags: tag})
	n.must(err)
	if a := invoke(t, n.srv, api, "/x"); a.status == 200 {
		t.Fatalf("tagged to 127.0.0.2:%s, the request still reached the loopback backend", strconv.Itoa(int(port)))
	}
	_, err = n.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{inst}, Tags: tag})
	n.must(err)
	if a := invoke(t, n.srv, api, "/x"); a.status != 200 || a.backend != "web" {
		t.Fatalf("untagged again: %d %s", a.status, a.body)
	}
}

// run2 launches one instance in subnet with the VPC's default group.
func run2(t *testing.T, n *v2Net, subnet string) string {
	t.Helper()
	out, err := n.ec2.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String("ami-0b5eea76982371e91"),
		InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet)})
	n.must(err)
	return aws.ToString(out.Instances[0].InstanceId)
}
