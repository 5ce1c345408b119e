package gatehouse_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

// Read-your-writes: once a management call has answered, the data plane
// and the controllers act on it. None of these tests calls Sync or sleeps
// between a write and what should follow from it.

// invokeNow sends one request to the API at once, without waiting for
// anything first.
func invokeNow(t *testing.T, srv *servertest.Server, apiID, path string) (int, string) {
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
	return resp.StatusCode, string(b)
}

// TestRevokeThenInvoke: the request right after RevokeSecurityGroupIngress
// answers is dropped at the ALB's group (503 after the 50 ms integration
// timeout), and the one right after AuthorizeSecurityGroupIngress goes
// through, round after round.
func TestRevokeThenInvoke(t *testing.T) {
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
	// Another API with many deployed routes makes each compile take long
	// enough that an answer sent before it would be seen to be early.
	benchAPI(t, n.gw, 500, false, nil)

	for round := 0; round < 5; round++ {
		out, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
		n.must(err)
		if status, body := invokeNow(t, n.srv, id, "/pets"); status != 200 {
			t.Fatalf("round %d, right after the rule was added: %d %s", round, status, body)
		}
		_, err = n.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: albGroup,
			SecurityGroupRuleIds: []string{aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId)}})
		n.must(err)
		if status, body := invokeNow(t, n.srv, id, "/pets"); status != 503 || body != `{"message":"Service Unavailable"}` {
			t.Fatalf("round %d, right after the rule was revoked: %d %s", round, status, body)
		}
	}
}

// TestCreateThenInvoke: an API, its route and its auto-deployed stage
// serve as soon as the calls that made them have answered.
func TestCreateThenInvoke(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	ctx := context.Background()
	backend := v2Backend(t, "web")
	for i := 0; i < 5; i++ {
		api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("web"), ProtocolType: v2types.ProtocolTypeHttp})
		if err != nil {
			t.Fatal(err)
		}
		integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
			IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
			IntegrationUri: aws.String(fmt.Sprintf("http://127.0.0.1:%d/", backend))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /hello"),
			Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))}); err != nil {
			t.Fatal(err)
		}
		if _, err := gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		if status, body := invokeNow(t, srv, aws.ToString(api.ApiId), "/hello"); status != 200 {
			t.Fatalf("API %d right after CreateStage: %d %s", i, status, body)
		}
	}
}

// TestRegisterThenHealthCheck: a target registered behind a listener is in
// the health checker's plan when RegisterTargets answers, so the next
// rounds of the fake clock probe it.
func TestRegisterThenHealthCheck(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	albGroup := n.group("alb")
	tg, err := n.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: n.vpc, TargetType: elbtypes.TargetTypeEnumIp, HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})
	n.must(err)
	arn := tg.TargetGroups[0].TargetGroupArn
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, arn)

	for i, ip := range []string{"10.0.1.20", "10.0.1.21", "10.0.1.22"} {
		port := v2Backend(t, ip)
		_, err := n.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn,
			Targets: []elbtypes.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(port)}}})
		n.must(err)
		n.srv.Clock.Advance(5 * time.Second)
		n.srv.Clock.Advance(5 * time.Second)
		out, err := n.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: arn,
			Targets: []elbtypes.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(port)}}})
		n.must(err)
		if th := out.TargetHealthDescriptions[0].TargetHealth; th.State != elbtypes.TargetHealthStateEnumHealthy {
			t.Fatalf("target %d, two rounds after RegisterTargets answered: %s/%s", i, th.State, th.Reason)
		}
	}
}
