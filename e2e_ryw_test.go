package gatehouse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

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

	for round := 0; round < 8; round++ {
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

	ownAddrs(t, n.ec2, aws.ToString(n.vpc), "10.0.1.20", "10.0.1.21", "10.0.1.22")
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

// TestRESTDeployThenInvoke: a REST API serves what CreateDeployment
// deployed as soon as the call answers, round after round with the
// integration moved between two backends; right after DeleteStage the
// stage answers 403 Forbidden.
func TestRESTDeployThenInvoke(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	ctx := context.Background()
	backends := map[string]int32{"blue": restBackend(t, "blue"), "green": restBackend(t, "green")}
	api, err := gw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("shop")})
	restMust(t, err)
	res, err := gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("{proxy+}")})
	restMust(t, err)
	_, err = gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
		AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.path.proxy": true}})
	restMust(t, err)
	id := aws.ToString(api.Id)
	// Another API with many deployed routes makes the model, which the
	// data plane reads after each commit, big enough that an answer sent
	// before the plane acts would be seen to be early.
	benchAPI(t, srv.APIGatewayV2(), 500, false, nil)

	for round := 0; round < 20; round++ {
		color := []string{"blue", "green"}[round%2]
		_, err = gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
			Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"),
			Uri:               aws.String(fmt.Sprintf("http://127.0.0.1:%d/{proxy}", backends[color])),
			RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}})
		restMust(t, err)
		_, err = gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
		restMust(t, err)
		if r := restInvoke(t, srv, id, "prod", "/orders", round%2 == 1); r.status != 200 || r.seen.Backend != color {
			t.Fatalf("round %d, right after CreateDeployment: %d %s, want %s", round, r.status, r.body, color)
		}
	}
	_, err = gw.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: api.Id, StageName: aws.String("prod")})
	restMust(t, err)
	if r := restInvoke(t, srv, id, "prod", "/orders", false); r.status != 403 || r.body != `{"message":"Forbidden"}` {
		t.Fatalf("right after DeleteStage: %d %s", r.status, r.body)
	}
}

// cloudMapService makes a namespace and a service in it for n's VPC and
// returns the service's id and ARN.
func (n *v2Net) cloudMapService(name string) (id, arn string) {
	n.t.Helper()
	ctx := context.Background()
	c := n.srv.ServiceDiscovery()
	ns, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(name)})
	n.must(err)
	op, err := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: ns.OperationId})
	n.must(err)
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String(name), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	n.must(err)
	return aws.ToString(svc.Service.Id), aws.ToString(svc.Service.Arn)
}

// TestRegisterInstanceThenInvoke: an HTTP API with a Cloud Map integration
// sends to an instance as soon as RegisterInstance answers, and never to
// one after DeregisterInstance answers; with none left it answers 503.
func TestRegisterInstanceThenInvoke(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	c := n.srv.ServiceDiscovery()
	svcID, svcARN := n.cloudMapService("orders")
	id := n.api("orders", "$default")
	n.private(id, svcARN, 2000, nil, "ANY /{proxy+}")
	n.linkAvailable()
	benchAPI(t, n.gw, 500, false, nil) // as in TestRESTDeployThenInvoke

	register := func(inst, ip string) {
		t.Helper()
		_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: aws.String(svcID), InstanceId: aws.String(inst),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": fmt.Sprint(v2Backend(t, inst))}})
		n.must(err)
	}
	deregister := func(inst string) {
		t.Helper()
		_, err := c.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: aws.String(svcID), InstanceId: aws.String(inst)})
		n.must(err)
	}
	only := func(want, when string) {
		t.Helper()
		for i := 0; i < 4; i++ {
			a := n.callNow(id, "/orders")
			if a.status != 200 || a.seen.Backend != want {
				t.Fatalf("%s: %d %s, want %s", when, a.status, a.body, want)
			}
		}
	}
	ownAddrs(t, n.ec2, aws.ToString(n.vpc), "10.0.1.40", "10.0.2.40")
	for round := 0; round < 8; round++ {
		a, b := fmt.Sprintf("a%d", round), fmt.Sprintf("b%d", round)
		register(a, "10.0.1.40")
		only(a, "right after RegisterInstance "+a)
		register(b, "10.0.2.40")
		deregister(a)
		only(b, "right after DeregisterInstance "+a)
		deregister(b)
		if got := n.callNow(id, "/orders"); got.status != 503 {
			t.Fatalf("round %d, right after the last instance was deregistered: %d %s", round, got.status, got.body)
		}
	}
}

// TestELBChangesThenInvoke: right after ModifyListener answers, the ALB
// forwards to the new target group; right after DeregisterTargets
// answers, no new request reaches the target.
func TestELBChangesThenInvoke(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	albGroup := n.group("alb")
	_, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	blue := n.targetGroup("blue", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.10": v2Backend(t, "blue-1"), "10.0.2.10": v2Backend(t, "blue-2")})
	green := n.targetGroup("green", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.11": v2Backend(t, "green")})
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("app"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, blue)
	id := n.api("app", "$default")
	n.private(id, aws.ToString(listener), 2000, nil, "ANY /{proxy+}")
	n.linkAvailable()
	benchAPI(t, n.gw, 500, false, nil) // as in TestRESTDeployThenInvoke

	forward := func(tg *string) {
		t.Helper()
		_, err := n.elb.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: listener,
			DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg}}})
		n.must(err)
	}
	for round := 0; round < 8; round++ {
		forward(green)
		for i := 0; i < 4; i++ {
			if a := n.callNow(id, "/pets"); a.status != 200 || a.seen.Backend != "green" {
				t.Fatalf("round %d, right after ModifyListener to green: %d %s", round, a.status, a.body)
			}
		}
		forward(blue)
		for i := 0; i < 4; i++ {
			if a := n.callNow(id, "/pets"); a.status != 200 || !strings.HasPrefix(a.seen.Backend, "blue") {
				t.Fatalf("round %d, right after ModifyListener to blue: %d %s", round, a.status, a.body)
			}
		}
	}

	_, err = n.elb.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: blue,
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.10"), Port: aws.Int32(portOf(t, n, blue, "10.0.1.10"))}}})
	n.must(err)
	for i := 0; i < 8; i++ {
		if a := n.callNow(id, "/pets"); a.status != 200 || a.seen.Backend != "blue-2" {
			t.Fatalf("right after DeregisterTargets of blue-1: %d %s", a.status, a.body)
		}
	}
}

// portOf is the port target ip is registered on in tg.
func portOf(t *testing.T, n *v2Net, tg *string, ip string) int32 {
	t.Helper()
	out, err := n.elb.DescribeTargetHealth(context.Background(), &elb.DescribeTargetHealthInput{TargetGroupArn: tg})
	n.must(err)
	for _, d := range out.TargetHealthDescriptions {
		if aws.ToString(d.Target.Id) == ip {
			return aws.ToInt32(d.Target.Port)
		}
	}
	t.Fatalf("%s is not registered", ip)
	return 0
}

// callNow sends one GET to the API at once, without waiting for anything,
// and reads what a recording backend saw.
func (n *v2Net) callNow(apiID, path string) v2Answer {
	n.t.Helper()
	status, body := invokeNow(n.t, n.srv, apiID, path)
	a := v2Answer{status: status, body: body}
	json.Unmarshal([]byte(body), &a.seen)
	return a
}
