package apigatewayv2_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

var ctx = context.Background()

type fixture struct {
	srv *servertest.Server
	gw  *gw.Client
	ec2 *ec2.Client
	elb *elb.Client
}

func start(t *testing.T, opts ...servertest.Option) *fixture {
	t.Helper()
	srv := servertest.Start(t, opts...)
	return &fixture{srv: srv, gw: srv.APIGatewayV2(), ec2: srv.EC2(), elb: srv.ELBv2()}
}

// wantError fails unless err is an AWS error with the given code and a
// message containing msg.
func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want AWS error %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s: %q, want %s: ...%q...", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// fails runs a call that must fail with code and a message containing msg,
// and checks that it wrote nothing: the store's revision does not move.
func (f *fixture) fails(t *testing.T, code, msg string, call func() error) {
	t.Helper()
	before := f.srv.Store().Revision()
	wantError(t, call(), code, msg)
	if after := f.srv.Store().Revision(); after != before {
		t.Fatalf("failed call (%s) changed the store: revision %d -> %d", code, before, after)
	}
}

// network is the seed architecture's VPC: two private subnets in two
// zones, the VPC link's security group and the ALB's, which admits it.
type network struct {
	vpc, subnetA, subnetB, linkSG, albSG string
}

func (f *fixture) network(t *testing.T, cidr string) network {
	t.Helper()
	v, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr + ".0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	n := network{vpc: aws.ToString(v.Vpc.VpcId)}
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId,
			CidrBlock: aws.String(cidr + []string{".1.0/24", ".2.0/24"}[i]), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			n.subnetA = aws.ToString(s.Subnet.SubnetId)
		} else {
			n.subnetB = aws.ToString(s.Subnet.SubnetId)
		}
	}
	n.linkSG = f.group(t, n.vpc, "vpclink")
	n.albSG = f.group(t, n.vpc, "alb")
	return n
}

func (f *fixture) group(t *testing.T, vpc, name string) string {
	t.Helper()
	g, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name),
		Description: aws.String(name), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(g.GroupId)
}

// balancer makes an internal load balancer of type typ ("application" or
// "network") with one listener of the given protocol and port, and returns
// the balancer's and the listener's ARNs.
func (f *fixture) balancer(t *testing.T, n network, name string, typ elbtypes.LoadBalancerTypeEnum, proto elbtypes.ProtocolEnum, port int32) (lbARN, listenerARN string) {
	t.Helper()
	in := &elb.CreateLoadBalancerInput{Name: aws.String(name), Type: typ, Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: []string{n.subnetA, n.subnetB}}
	if typ == elbtypes.LoadBalancerTypeEnumApplication {
		in.SecurityGroups = []string{n.albSG}
	}
	lb, err := f.elb.CreateLoadBalancer(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	tgProto := elbtypes.ProtocolEnumHttp
	if typ == elbtypes.LoadBalancerTypeEnumNetwork {
		tgProto = elbtypes.ProtocolEnumTcp
	}
	tg, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name + "-tg"), Protocol: tgProto,
		Port: aws.Int32(8080), VpcId: aws.String(n.vpc), TargetType: elbtypes.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Protocol: proto, Port: aws.Int32(port), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward,
			TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), aws.ToString(l.Listeners[0].ListenerArn)
}

func (f *fixture) link(t *testing.T, n network) string {
	t.Helper()
	out, err := f.gw.CreateVpcLink(ctx, &gw.CreateVpcLinkInput{Name: aws.String("private"),
		SubnetIds: []string{n.subnetA, n.subnetB}, SecurityGroupIds: []string{n.linkSG}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.VpcLinkId)
}

func (f *fixture) api(t *testing.T, name string) string {
	t.Helper()
	out, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String(name), ProtocolType: gwtypes.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ApiId)
}

// publicIntegration is an HTTP_PROXY integration to an internet URL.
func (f *fixture) publicIntegration(t *testing.T, api string) string {
	t.Helper()
	out, err := f.gw.CreateIntegration(ctx, &gw.CreateIntegrationInput{ApiId: aws.String(api),
		IntegrationType: gwtypes.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"),
		IntegrationUri: aws.String("https://example.com/{proxy}"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.IntegrationId)
}

func (f *fixture) route(t *testing.T, api, key, integration string) string {
	t.Helper()
	in := &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String(key)}
	if integration != "" {
		in.Target = aws.String("integrations/" + integration)
	}
	out, err := f.gw.CreateRoute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.RouteId)
}

func (f *fixture) stage(t *testing.T, api, name string) *gw.GetStageOutput {
	t.Helper()
	out, err := f.gw.GetStage(ctx, &gw.GetStageInput{ApiId: aws.String(api), StageName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
