package gatehouse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// echoBackend answers with what it received, as the seed's ECS tasks would
// be observed.
func echoBackend(t *testing.T, name string) int32 {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"backend": name, "path": r.URL.Path, "header": r.Header})
	}))
	t.Cleanup(s.Close)
	return int32(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
}

type answer struct {
	status  int
	backend string
	path    string
	header  http.Header
	body    string
}

// invoke sends one GET to the API at once: a management call has already
// waited for the data plane to act on it before answering.
func invoke(t *testing.T, srv *servertest.Server, apiID, path string) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
	req.Host = apiID + ".execute-api.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(b)}
	var got struct {
		Backend, Path string
		Header        http.Header
	}
	if json.Unmarshal(b, &got) == nil {
		a.backend, a.path, a.header = got.Backend, got.Path, got.Header
	}
	return a
}

// TestSeedHTTPArchitecture builds the seed's HTTP API architecture through
// the SDK clients only and sends traffic through it: route -> VPC link V2
// -> internal ALB (admitting the link's group) -> two real backends.
func TestSeedHTTPArchitecture(t *testing.T) {
	const idle = time.Hour // the 60-day default is tested in internal/vpclink
	srv := servertest.Start(t, servertest.VpcLinkIdle(idle))
	ctx := context.Background()
	e, lb, gw := srv.EC2(), srv.ELBv2(), srv.APIGatewayV2()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(err)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))})
		must(err)
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	linkSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("vpclink"), Description: aws.String("link"), VpcId: vpc.Vpc.VpcId})
	must(err)
	albSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: vpc.Vpc.VpcId})
	must(err)
	admit := func() string {
		out, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG.GroupId, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: linkSG.GroupId}}}}})
		must(err)
		return aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId)
	}
	rule := admit()

	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tasks"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: vpc.Vpc.VpcId, TargetType: elbtypes.TargetTypeEnumIp})
	must(err)
	ownAddrs(t, e, aws.ToString(vpc.Vpc.VpcId), "10.0.1.10", "10.0.2.10")
	_, err = lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, Targets: []elbtypes.TargetDescription{
		{Id: aws.String("10.0.1.10"), Port: aws.Int32(echoBackend(t, "task-1"))}, {Id: aws.String("10.0.2.10"), Port: aws.Int32(echoBackend(t, "task-2"))}}})
	must(err)
	alb, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("blog-api"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: subnets, SecurityGroups: []string{aws.ToString(albSG.GroupId)}})
	must(err)
	listener, err := lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	must(err)

	link, err := gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: subnets, SecurityGroupIds: []string{aws.ToString(linkSG.GroupId)}})
	must(err)
	if link.VpcLinkStatus != v2types.VpcLinkStatusPending {
		t.Fatalf("new link is %s, want PENDING", link.VpcLinkStatus)
	}
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("blog"), ProtocolType: v2types.ProtocolTypeHttp})
	must(err)
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		ConnectionType: v2types.ConnectionTypeVpcLink, ConnectionId: link.VpcLinkId, IntegrationUri: listener.Listeners[0].ListenerArn,
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"), TimeoutInMillis: aws.Int32(500)})
	must(err)
	_, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("ANY /{proxy+}"), Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	must(err)
	_, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	must(err)
	id := aws.ToString(api.ApiId)

	// Until the link is AVAILABLE requests fail as on AWS.
	if a := invoke(t, srv, id, "/pets/1"); a.status != 503 {
		t.Fatalf("before the link is available: %d %s", a.status, a.body)
	}
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	got, err := gw.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: link.VpcLinkId})
	must(err)
	if got.VpcLinkStatus != v2types.VpcLinkStatusAvailable {
		t.Fatalf("after the provisioning delay the link is %s", got.VpcLinkStatus)
	}

	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		a := invoke(t, srv, id, "/pets/1")
		if a.status != 200 || a.path != "/pets/1" {
			t.Fatalf("through the private integration: %d %s", a.status, a.body)
		}
		for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Amzn-Trace-Id", "Forwarded"} {
			if len(a.header[h]) == 0 {
				t.Errorf("backend did not see %s: %v", h, a.header)
			}
		}
		seen[a.backend] = true
	}
	if !seen["task-1"] || !seen["task-2"] {
		t.Fatalf("both tasks should serve: %v", seen)
	}

	// Removing the ALB's rule for the link's group drops the traffic: 503
	// after the integration timeout. Adding it back needs no redeploy.
	_, err = e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: albSG.GroupId, SecurityGroupRuleIds: []string{rule}})
	must(err)
	if a := invoke(t, srv, id, "/pets/1"); a.status != 503 || a.body != `{"message":"Service Unavailable"}` {
		t.Fatalf("with the ALB's rule revoked: %d %s", a.status, a.body)
	}
	admit()
	if a := invoke(t, srv, id, "/pets/1"); a.status != 200 {
		t.Fatalf("with the rule back: %d %s", a.status, a.body)
	}

	// The idle period without traffic: INACTIVE, ENIs gone; traffic wakes it.
	srv.Advance(idle + time.Minute)
	got, _ = gw.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: link.VpcLinkId})
	if got.VpcLinkStatus != v2types.VpcLinkStatusInactive {
		t.Fatalf("after the idle period the link is %s", got.VpcLinkStatus)
	}
	enis, err := e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("interface-type"), Values: []string{"api_gateway_managed"}}}})
	must(err)
	if len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("an INACTIVE link keeps %d ENIs", len(enis.NetworkInterfaces))
	}
	if a := invoke(t, srv, id, "/pets/1"); a.status != 503 {
		t.Fatalf("on an inactive link: %d %s", a.status, a.body)
	}
	waitStatus(t, srv, gw, link.VpcLinkId, v2types.VpcLinkStatusPending)
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	if a := invoke(t, srv, id, "/pets/1"); a.status != 200 {
		t.Fatalf("after waking: %d %s", a.status, a.body)
	}
}

// waitStatus waits for the lifecycle controller, which reacts to a wake-up
// asynchronously, by watching the store rather than sleeping.
func waitStatus(t *testing.T, srv *servertest.Server, gw *apigatewayv2.Client, id *string, want v2types.VpcLinkStatus) {
	t.Helper()
	changes, cancel := srv.Store().Watch()
	defer cancel()
	deadline := time.After(5 * time.Second)
	for {
		got, err := gw.GetVpcLink(context.Background(), &apigatewayv2.GetVpcLinkInput{VpcLinkId: id})
		if err == nil && got.VpcLinkStatus == want {
			return
		}
		select {
		case <-changes:
		case <-deadline:
			t.Fatalf("link never became %s", want)
		}
	}
}
