package gatehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
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
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"gatehouse"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// albEcho answers an ALB's event with what it saw, the way a function
// behind an ALB answers: statusCode, statusDescription, headers, body.
const albEcho = `
import json

def lambda_handler(event, context):
    if event["path"] == "/boom":
        raise Exception("boom")
    seen = {
        "targetGroupArn": event["requestContext"]["elb"]["targetGroupArn"],
        "method": event["httpMethod"],
        "path": event["path"],
        "query": event["queryStringParameters"],
        "forwardedFor": event["headers"].get("x-forwarded-for"),
        "body": event["body"],
        "base64": event["isBase64Encoded"],
    }
    return {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "isBase64Encoded": False,
        "headers": {"Content-Type": "application/json", "X-Served-By": "lambda"},
        "body": json.dumps(seen),
    }
`

// waitActive waits for a new function to leave Pending, moving the fake
// clock the engine times it on.
func waitActive(t *testing.T, srv *servertest.Server, fn *lambda.Client, name string) {
	t.Helper()
	for range 100 {
		got, err := fn.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if got.State == lambdatypes.StateActive {
			return
		}
		srv.Advance(time.Second)
	}
	t.Fatalf("function %s never became Active", name)
}

// TestSeedALBWithALambdaTarget is the seed's "ALB with a Lambda target":
// an HTTP API route whose HTTP_PROXY integration goes through a VPC link to
// an internal ALB, whose listener forwards to a target group holding a real
// Python function. The function is registered only once its policy lets
// Elastic Load Balancing invoke it for the group.
func TestSeedALBWithALambdaTarget(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	srv := servertest.Start(t, servertest.VpcLinkIdle(time.Hour), servertest.FunctionDelay(-1))
	ctx := context.Background()
	e, lb, gw := srv.EC2(), srv.ELBv2(), srv.APIGatewayV2()
	fn := srv.Lambda()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	created, err := fn.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("pets"), Runtime: lambdatypes.RuntimePython311,
		Handler: aws.String("lambda_function.lambda_handler"), Role: aws.String("arn:aws:iam::000000000000:role/pets"),
		Code: &lambdatypes.FunctionCode{ZipFile: lambdatest.PythonFunction(t, albEcho)}})
	must(err)
	fnARN := aws.ToString(created.FunctionArn)
	waitActive(t, srv, fn, "pets")

	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("pets-fn"), TargetType: elbtypes.TargetTypeEnumLambda})
	must(err)
	tgARN := tg.TargetGroups[0].TargetGroupArn
	register := func() error {
		_, err := lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: []elbtypes.TargetDescription{{Id: aws.String(fnARN)}}})
		return err
	}
	// Without the permission ELB refuses the function, in AWS's words.
	var ae smithy.APIError
	if err := register(); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" ||
		ae.ErrorMessage() != "elasticloadbalancing principal does not have permission to invoke "+fnARN+" from target group "+aws.ToString(tgARN) {
		t.Fatalf("RegisterTargets without permission: %v", err)
	}
	_, err = fn.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("pets"), StatementId: aws.String("elb"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("elasticloadbalancing.amazonaws.com"), SourceArn: tgARN})
	must(err)
	must(register())

	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(err)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(az),
			CidrBlock: aws.String([]string{"10.0.1.0/24", "10.0.2.0/24"}[i])})
		must(err)
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	linkSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("vpclink"), Description: aws.String("link"), VpcId: vpc.Vpc.VpcId})
	must(err)
	albSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: vpc.Vpc.VpcId})
	must(err)
	_, err = e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: linkSG.GroupId}}}}})
	must(err)
	alb, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("pets-alb"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: subnets, SecurityGroups: []string{aws.ToString(albSG.GroupId)}})
	must(err)
	listener, err := lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}})
	must(err)

	link, err := gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: subnets, SecurityGroupIds: []string{aws.ToString(linkSG.GroupId)}})
	must(err)
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: v2types.ProtocolTypeHttp})
	must(err)
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		ConnectionType: v2types.ConnectionTypeVpcLink, ConnectionId: link.VpcLinkId, IntegrationUri: listener.Listeners[0].ListenerArn,
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	must(err)
	_, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("ANY /{proxy+}"), Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	must(err)
	_, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	must(err)
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	id := aws.ToString(api.ApiId)

	send := func(method, path, contentType, body string) (int, http.Header, string) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(rctx, method, srv.URL()+path, strings.NewReader(body))
		req.Host = id + ".execute-api.localhost"
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		must(err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	code, h, body := send("GET", "/pets/7?color=brown&q=%3Fa", "", "")
	var seen struct {
		TargetGroupArn, Method, Path, ForwardedFor, Body string
		Query                                            map[string]string
		Base64                                           bool
	}
	if code != 200 || h.Get("X-Served-By") != "lambda" || json.Unmarshal([]byte(body), &seen) != nil {
		t.Fatalf("through the VPC link to the function: %d %v %s", code, h, body)
	}
	if seen.TargetGroupArn != aws.ToString(tgARN) || seen.Method != "GET" || seen.Path != "/pets/7" ||
		seen.Query["color"] != "brown" || seen.Query["q"] != "%3Fa" || seen.ForwardedFor == "" {
		t.Fatalf("the function saw %+v", seen)
	}
	code, _, body = send("POST", "/pets", "application/json", `{"name":"rex"}`)
	if json.Unmarshal([]byte(body), &seen) != nil || code != 200 || seen.Body != `{"name":"rex"}` || seen.Base64 {
		t.Fatalf("a JSON body: %d %s", code, body)
	}
	// A function that fails is the ALB's 502, which the HTTP API passes on.
	if code, _, body := send("GET", "/boom", "", ""); code != 502 || !strings.Contains(body, "502 Bad Gateway") {
		t.Fatalf("a failing function: %d %s", code, body)
	}

	// A function with no concurrency to spare is throttled: the ALB answers
	// that it is unavailable for now.
	_, err = fn.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("pets"), ReservedConcurrentExecutions: aws.Int32(0)})
	must(err)
	if code, _, body := send("GET", "/pets/7", "", ""); code != 503 || !strings.Contains(body, "503 Service Temporarily Unavailable") {
		t.Fatalf("a throttled function: %d %s", code, body)
	}
	_, err = fn.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("pets")})
	must(err)
	if code, _, body := send("GET", "/pets/7", "", ""); code != 200 {
		t.Fatalf("with its concurrency back: %d %s", code, body)
	}

	// The permission is checked on every invocation: without it the ALB
	// cannot invoke, and answers 502.
	_, err = fn.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("pets"), StatementId: aws.String("elb")})
	must(err)
	if code, _, body := send("GET", "/pets/7", "", ""); code != 502 || !strings.Contains(body, "502 Bad Gateway") {
		t.Fatalf("with the permission removed: %d %s", code, body)
	}

	// explain ends the path at the function, not at an address.
	resp, err := http.Get(srv.URL() + "/_gatehouse/explain?" + url.Values{"api": {id}}.Encode())
	must(err)
	defer resp.Body.Close()
	var rep dataplane.Report
	must(json.NewDecoder(resp.Body).Decode(&rep))
	if len(rep.Paths) != 1 || rep.Paths[0].Balancer == nil || len(rep.Paths[0].Balancer.Pools) != 1 || !rep.OK {
		t.Fatalf("explain: %+v", rep)
	}
	if ts := rep.Paths[0].Balancer.Pools[0].Targets; len(ts) != 1 || ts[0].Function != fnARN || ts[0].Real != "" {
		t.Fatalf("explain's targets: %+v", ts)
	}
}

// TestRESTWithLinkV2ToALBLambdaTarget reaches the same kind of target from a
// REST API: a VPC link V2 naming the ALB in integrationTarget, the ALB's
// listener forwarding to a lambda target group.
func TestRESTWithLinkV2ToALBLambdaTarget(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	srv := servertest.Start(t, servertest.FunctionDelay(-1))
	n := newRESTNet(t, srv)
	fn := srv.Lambda()
	created, err := fn.CreateFunction(restCtx, &lambda.CreateFunctionInput{FunctionName: aws.String("pets"), Runtime: lambdatypes.RuntimePython311,
		Handler: aws.String("lambda_function.lambda_handler"), Role: aws.String("arn:aws:iam::000000000000:role/pets"),
		Code: &lambdatypes.FunctionCode{ZipFile: lambdatest.PythonFunction(t, albEcho)}})
	restMust(t, err)
	waitActive(t, srv, fn, "pets")
	tg, err := n.lb.CreateTargetGroup(restCtx, &elb.CreateTargetGroupInput{Name: aws.String("pets-fn"), TargetType: elbtypes.TargetTypeEnumLambda})
	restMust(t, err)
	tgARN := tg.TargetGroups[0].TargetGroupArn
	_, err = fn.AddPermission(restCtx, &lambda.AddPermissionInput{FunctionName: aws.String("pets"), StatementId: aws.String("elb"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("elasticloadbalancing.amazonaws.com"), SourceArn: tgARN})
	restMust(t, err)
	_, err = n.lb.RegisterTargets(restCtx, &elb.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: []elbtypes.TargetDescription{{Id: created.FunctionArn}}})
	restMust(t, err)

	linkGroup, albGroup := n.group(t, "vpclink"), n.group(t, "alb")
	n.authorize(t, albGroup, 80, 80, ec2types.IpPermission{UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(linkGroup)}}})
	lb, err := n.lb.CreateLoadBalancer(restCtx, &elb.CreateLoadBalancerInput{Name: aws.String("app-alb"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{albGroup}})
	restMust(t, err)
	alb := lb.LoadBalancers[0]
	_, err = n.lb.CreateListener(restCtx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}})
	restMust(t, err)
	link := n.linkV2(t, "app-link", linkGroup)
	id := n.proxyAPI(t, "app", apigateway.PutIntegrationInput{ConnectionId: aws.String(link), IntegrationTarget: alb.LoadBalancerArn,
		Uri: aws.String("http://" + aws.ToString(alb.DNSName) + "/{proxy}")})
	// A cold start may take longer than the helper's short timeout.
	res, err := n.gw.GetResources(restCtx, &apigateway.GetResourcesInput{RestApiId: aws.String(id)})
	restMust(t, err)
	for _, rs := range res.Items {
		if aws.ToString(rs.PathPart) == "{proxy+}" {
			_, err = n.gw.UpdateIntegration(restCtx, &apigateway.UpdateIntegrationInput{RestApiId: aws.String(id), ResourceId: rs.Id, HttpMethod: aws.String("ANY"),
				PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/timeoutInMillis"), Value: aws.String("29000")}}})
			restMust(t, err)
		}
	}
	_, err = n.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("prod")})
	restMust(t, err)

	r := restInvoke(t, srv, id, "prod", "/pets/1", false)
	if r.status != 200 || r.header.Get("X-Served-By") != "lambda" || !strings.Contains(r.body, `"path": "/pets/1"`) ||
		!strings.Contains(r.body, aws.ToString(tgARN)) {
		t.Fatalf("through the REST API's link to the function: %d %v %s", r.status, r.header, r.body)
	}
}
