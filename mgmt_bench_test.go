package gatehouse_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

// BenchmarkCreateRoute measures one CreateRoute on an HTTP API that already
// has 1, 100 or 3,000 routes, deployed to its $default stage, until the
// write is in effect everywhere (the call, then Sync). The cost of a write
// must not grow with the API. Without autoDeploy (stage=manual) a route
// added changes nothing that is served; with autoDeploy (stage=auto, the
// common setup) each route makes a new deployment, which the data plane
// serves before the call answers.
//
// Run with a fixed count, as every iteration adds a route:
//
//	go test -run '^$' -bench CreateRoute -benchtime 300x .
func BenchmarkCreateRoute(b *testing.B) {
	for _, stage := range []string{"manual", "auto"} {
		for _, backend := range []string{"mem", "bolt"} {
			for _, n := range []int{1, 100, 3000} {
				b.Run(fmt.Sprintf("stage=%s/store=%s/routes=%d", stage, backend, n), func(b *testing.B) {
					var opts []servertest.Option
					if backend == "bolt" {
						opts = append(opts, servertest.DataDir(b.TempDir()))
					}
					srv := servertest.Start(b, opts...)
					gw := srv.APIGatewayV2()
					ctx := context.Background()
					apiID := benchAPI(b, gw, n, stage == "auto", nil)
					if err := srv.Sync(ctx); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						_, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(apiID),
							RouteKey: aws.String(fmt.Sprintf("GET /bench/%d", i))})
						if err != nil {
							b.Fatal(err)
						}
						if err := srv.Sync(ctx); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkWriteBesideBigAPI measures writes that are not to the big API,
// in effect (the call, then Sync), beside an HTTP API with 1, 100 or 3,000
// deployed routes: tagging a security group changes nothing served and
// must cost the same whatever the API's size; a rule added to a security
// group (and the one added before it revoked: two writes an iteration) may
// change any private path. With a public integration (integration=public)
// the big API is left as compiled; with its routes behind a VPC link to an
// ALB whose group the rules change (integration=private), the data plane
// recompiles it.
func BenchmarkWriteBesideBigAPI(b *testing.B) {
	for _, integration := range []string{"public", "private"} {
		for _, n := range []int{1, 100, 3000} {
			for _, op := range []string{"CreateTags", "AuthorizeAndRevoke"} {
				b.Run(fmt.Sprintf("integration=%s/op=%s/routes=%d", integration, op, n), func(b *testing.B) {
					srv := servertest.Start(b)
					e := srv.EC2()
					ctx := context.Background()
					var net *benchNet
					if integration == "private" {
						net = benchNetwork(b, srv)
					} else {
						vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
						if err != nil {
							b.Fatal(err)
						}
						sg, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("g"), Description: aws.String("g"), VpcId: vpc.Vpc.VpcId})
						if err != nil {
							b.Fatal(err)
						}
						net = &benchNet{group: *sg.GroupId}
					}
					benchAPI(b, srv.APIGatewayV2(), n, false, net)
					if err := srv.Sync(ctx); err != nil {
						b.Fatal(err)
					}
					var last string
					var err error
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if op == "CreateTags" {
							_, err = e.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{net.group},
								Tags: []ec2types.Tag{{Key: aws.String("n"), Value: aws.String(fmt.Sprint(i))}}})
						} else {
							// A group holds 60 rules: each added one is revoked
							// in the next iteration, a write of the same kind.
							var out *ec2.AuthorizeSecurityGroupIngressOutput
							out, err = e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(net.group),
								IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(int32(1 + i%60000)),
									ToPort: aws.Int32(int32(1 + i%60000)), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.9.0.0/16")}}}}})
							if err == nil && last != "" {
								_, err = e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(net.group), SecurityGroupRuleIds: []string{last}})
							}
							if err == nil {
								last = *out.SecurityGroupRules[0].SecurityGroupRuleId
							}
						}
						if err != nil {
							b.Fatal(err)
						}
						if err := srv.Sync(ctx); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// benchNet is a VPC link to an internal ALB's listener: group is the
// ALB's security group, which admits the link's (linkGroup) by rule; link, listener
// and targets (the target group) are empty for a bare group beside a
// public API.
type benchNet struct {
	group, linkGroup, rule, link, listener, targets, vpc string
}

// benchNetwork makes a VPC with two subnets, an internal ALB with one
// listener and an empty target group, and a VPC link whose group the
// ALB's group admits.
func benchNetwork(b testing.TB, srv *servertest.Server) *benchNet {
	ctx := context.Background()
	e, lb, gw := srv.EC2(), srv.ELBv2(), srv.APIGatewayV2()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(err)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))})
		must(err)
		subnets = append(subnets, *s.Subnet.SubnetId)
	}
	linkSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("link"), Description: aws.String("link"), VpcId: vpc.Vpc.VpcId})
	must(err)
	albSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: vpc.Vpc.VpcId})
	must(err)
	rule, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: linkSG.GroupId}}}}})
	must(err)
	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tasks"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: vpc.Vpc.VpcId, TargetType: elbtypes.TargetTypeEnumIp})
	must(err)
	alb, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: subnets, SecurityGroups: []string{*albSG.GroupId}})
	must(err)
	l, err := lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	must(err)
	link, err := gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: subnets, SecurityGroupIds: []string{*linkSG.GroupId}})
	must(err)
	return &benchNet{group: *albSG.GroupId, linkGroup: *linkSG.GroupId, rule: *rule.SecurityGroupRules[0].SecurityGroupRuleId, link: *link.VpcLinkId,
		listener: *l.Listeners[0].ListenerArn, targets: *tg.TargetGroups[0].TargetGroupArn, vpc: *vpc.Vpc.VpcId}
}

// benchAPI makes an HTTP API with n routes on one integration, public or,
// when net has a link, through it, deployed to its $default stage, and
// returns its id. With auto the stage has
// autoDeploy, set after the routes are made.
func benchAPI(b testing.TB, gw *apigatewayv2.Client, n int, auto bool, net *benchNet) string {
	ctx := context.Background()
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("big"), ProtocolType: v2types.ProtocolTypeHttp})
	if err != nil {
		b.Fatal(err)
	}
	in := &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId,
		IntegrationType: v2types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"),
		IntegrationUri: aws.String("http://127.0.0.1:9/"), PayloadFormatVersion: aws.String("1.0")}
	if net != nil && net.link != "" {
		in.ConnectionType, in.ConnectionId, in.IntegrationUri = v2types.ConnectionTypeVpcLink, aws.String(net.link), aws.String(net.listener)
	}
	integ, err := gw.CreateIntegration(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		_, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId,
			RouteKey: aws.String(fmt.Sprintf("GET /r/%d", i)), Target: aws.String("integrations/" + *integ.IntegrationId)})
		if err != nil {
			b.Fatal(err)
		}
	}
	stage := &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default")}
	if auto {
		stage.AutoDeploy = aws.Bool(true)
	} else {
		dep, err := gw.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: api.ApiId})
		if err != nil {
			b.Fatal(err)
		}
		stage.DeploymentId = dep.DeploymentId
	}
	if _, err := gw.CreateStage(ctx, stage); err != nil {
		b.Fatal(err)
	}
	return *api.ApiId
}
