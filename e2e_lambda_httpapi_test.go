package gatehouse_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse"
	"gatehouse/internal/dataplane/jwtauth/oidctest"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// nodeEcho answers a 2.0 event with a response document carrying the
// event whole, a header and a cookie.
const nodeEcho = `exports.handler = async (event) => ({
  statusCode: 200,
  headers: {"content-type": "application/json", "x-runtime": "node"},
  cookies: ["seen=1; Path=/"],
  body: JSON.stringify(event),
});
`

// pythonEcho answers a 1.0 event with its event as the body.
const pythonEcho = `import json

def lambda_handler(event, context):
    return {"statusCode": 201, "headers": {"x-runtime": "python"},
            "multiValueHeaders": {"x-many": ["a", "b"]}, "body": json.dumps(event)}
`

// pythonPlain returns a plain object: a 2.0 integration infers a 200 JSON
// answer from it.
const pythonPlain = `def lambda_handler(event, context):
    return {"route": event["routeKey"], "method": event["requestContext"]["http"]["method"]}
`

// goTyped reads each payload format into aws-lambda-go's own event types,
// so that an event they cannot read fails the test, and answers with
// what it read.
const goTyped = `package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct{ Version string ` + "`json:\"version\"`" + ` }
	json.Unmarshal(raw, &probe)
	if probe.Version == "2.0" {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		body := fmt.Sprintf("v2 %s %s id=%s q=%s h=%s stage=%s method=%s body=%s", ev.RouteKey, ev.RawPath, ev.PathParameters["id"],
			ev.QueryStringParameters["q"], ev.Headers["x-test"], ev.RequestContext.Stage, ev.RequestContext.HTTP.Method, ev.Body)
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: body, Headers: map[string]string{"content-type": "text/plain"}}, nil
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	body := fmt.Sprintf("v1 %s %s id=%s q=%v h=%v stage=%s method=%s body=%s", ev.Resource, ev.Path, ev.PathParameters["id"],
		ev.MultiValueQueryStringParameters["q"], ev.MultiValueHeaders["x-test"], ev.RequestContext.Stage, ev.HTTPMethod, ev.Body)
	return events.APIGatewayProxyResponse{StatusCode: 202, Body: body}, nil
}

func main() { lambda.Start(handle) }
`

// nodeAuthorizer is a simple-response authorizer that logs each call
// (its sandboxes may come and go, and a function writes nowhere the test
// can read), counts its process's calls, and allows the token "allow".
const nodeAuthorizer = `let n = 0;
exports.handler = async (event) => {
  n++;
  console.log("authorizer call " + process.env.AUTHORIZER);
  return {isAuthorized: event.headers.authorization === "allow", context: {user: "u-" + event.identitySource[0], call: n}};
};
`

// pythonPolicy is a 1.0 authorizer answering an IAM policy for the route
// ARN it is asked about.
const pythonPolicy = `def lambda_handler(event, context):
    effect = "Allow" if event["identitySource"] == "allow" else "Deny"
    return {"principalId": "me", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"tier": "gold"}}
`

// lambdaStack is one server with functions and an HTTP API whose $default
// stage deploys each change.
type lambdaStack struct {
	t     *testing.T
	srv   *servertest.Server
	lc    *lambda.Client
	gw    *apigatewayv2.Client
	apiID string
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newLambdaStack(t *testing.T) *lambdaStack {
	t.Helper()
	logs := &syncBuffer{}
	srv := servertest.Start(t, servertest.Log(slog.New(slog.NewTextHandler(logs, nil))))
	s := &lambdaStack{t: t, srv: srv, lc: srv.Lambda(), gw: srv.APIGatewayV2(), logs: logs}
	api, err := s.gw.CreateApi(context.Background(), &apigatewayv2.CreateApiInput{Name: aws.String("functions"), ProtocolType: v2types.ProtocolTypeHttp})
	s.must(err)
	s.apiID = aws.ToString(api.ApiId)
	_, err = s.gw.CreateStage(context.Background(), &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	s.must(err)
	return s
}

func (s *lambdaStack) must(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
}

// function creates a function; env is its environment.
func (s *lambdaStack) function(name string, runtime ltypes.Runtime, handler string, zip []byte, env map[string]string) string {
	s.t.Helper()
	in := &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String("arn:aws:iam::000000000000:role/lambda"),
		Runtime: runtime, Handler: aws.String(handler), Code: &ltypes.FunctionCode{ZipFile: zip}}
	if env != nil {
		in.Environment = &ltypes.Environment{Variables: env}
	}
	out, err := s.lc.CreateFunction(context.Background(), in)
	s.must(err)
	return aws.ToString(out.FunctionArn)
}

// allow lets API Gateway invoke fn from sources matching sourceArn.
func (s *lambdaStack) allow(fn, sourceArn string) {
	s.t.Helper()
	_, err := s.lc.AddPermission(context.Background(), &lambda.AddPermissionInput{FunctionName: aws.String(fn),
		StatementId: aws.String("apigateway-" + fmt.Sprint(time.Now().UnixNano())), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String("apigateway.amazonaws.com"), SourceArn: aws.String(sourceArn)})
	s.must(err)
}

func (s *lambdaStack) executeArn(rest string) string {
	return "arn:aws:execute-api:us-east-1:000000000000:" + s.apiID + "/" + rest
}

// route makes an AWS_PROXY integration of fnArn in payload format and a
// route to it, authorized by authorizer when it is not "".
func (s *lambdaStack) route(key, fnArn, format, authorizer string) {
	s.t.Helper()
	ctx := context.Background()
	integ, err := s.gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: aws.String(s.apiID),
		IntegrationType: v2types.IntegrationTypeAwsProxy, PayloadFormatVersion: aws.String(format),
		IntegrationUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnArn + "/invocations")})
	s.must(err)
	in := &apigatewayv2.CreateRouteInput{ApiId: aws.String(s.apiID), RouteKey: aws.String(key), Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))}
	if authorizer != "" {
		in.AuthorizationType, in.AuthorizerId = v2types.AuthorizationTypeCustom, aws.String(authorizer)
	}
	_, err = s.gw.CreateRoute(ctx, in)
	s.must(err)
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (s *lambdaStack) send(method, path, body string, header http.Header) reply {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, s.srv.URL()+path, strings.NewReader(body))
	req.Host = s.apiID + ".execute-api.localhost"
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

// HTTP API routes invoke real Node.js, Python and Go functions in both
// payload formats: each function reads AWS's event (the Go one through
// aws-lambda-go's own types) and its answer reaches the client as AWS
// reads it; a function API Gateway may not invoke is a 500.
func TestHTTPAPILambdaProxyEndToEnd(t *testing.T) {
	lambdatest.RequireNode(t)
	lambdatest.RequirePython(t, "3")
	goZip := lambdatest.GoFunction(t, goTyped)
	s := newLambdaStack(t)
	node := s.function("node-echo", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, nodeEcho), nil)
	py := s.function("py-echo", ltypes.RuntimePython312, "lambda_function.lambda_handler", lambdatest.PythonFunction(t, pythonEcho), nil)
	plain := s.function("py-plain", ltypes.RuntimePython312, "lambda_function.lambda_handler", lambdatest.PythonFunction(t, pythonPlain), nil)
	gofn := s.function("go-typed", ltypes.RuntimeProvidedal2023, "bootstrap", goZip, nil)
	locked := s.function("locked", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, nodeEcho), nil)
	s.srv.Advance(gatehouse.DefaultFunctionDelay)
	s.allow("node-echo", s.executeArn("*/*/node/*"))
	s.allow("py-echo", s.executeArn("*/POST/py/{id}"))
	s.allow("py-plain", s.executeArn("*/$default"))
	s.allow("go-typed", s.executeArn("*"))
	s.allow("locked", s.executeArn("*/GET/elsewhere"))
	s.route("ANY /node/{proxy+}", node, "2.0", "")
	s.route("POST /py/{id}", py, "1.0", "")
	s.route("$default", plain, "2.0", "")
	s.route("POST /go2/{id}", gofn, "2.0", "")
	s.route("POST /go1/{id}", gofn, "1.0", "")
	s.route("GET /locked", locked, "2.0", "")

	// Node.js, 2.0.
	r := s.send("PUT", "/node/a/b?x=1&x=2", `{"k":"v"}`, http.Header{"Content-Type": {"application/json"}, "Cookie": {"c1=1; c2=2"}, "X-Test": {"t1", "t2"}})
	if r.status != 200 || r.header.Get("X-Runtime") != "node" || r.header.Get("Set-Cookie") != "seen=1; Path=/" {
		t.Fatalf("node: %d %v %s\n%s", r.status, r.header, r.body, s.logs)
	}
	var v2 map[string]any
	s.must(json.Unmarshal([]byte(r.body), &v2))
	rc := v2["requestContext"].(map[string]any)
	if v2["version"] != "2.0" || v2["routeKey"] != "ANY /node/{proxy+}" || v2["rawPath"] != "/node/a/b" || v2["rawQueryString"] != "x=1&x=2" ||
		v2["body"] != `{"k":"v"}` || v2["isBase64Encoded"] != false ||
		fmt.Sprint(v2["cookies"]) != "[c1=1 c2=2]" || v2["headers"].(map[string]any)["x-test"] != "t1,t2" ||
		v2["queryStringParameters"].(map[string]any)["x"] != "1,2" || v2["pathParameters"].(map[string]any)["proxy"] != "a/b" ||
		rc["apiId"] != s.apiID || rc["accountId"] != "000000000000" || rc["stage"] != "$default" ||
		rc["http"].(map[string]any)["method"] != "PUT" || rc["requestId"] != r.header.Get("Apigw-Requestid") {
		t.Errorf("the Node.js function saw %s", r.body)
	}

	// Python, 1.0.
	r = s.send("POST", "/py/7?q=a&q=b", "hello", http.Header{"Content-Type": {"text/plain"}})
	if r.status != 201 || r.header.Get("X-Runtime") != "python" || strings.Join(r.header.Values("X-Many"), ",") != "a,b" {
		t.Fatalf("python: %d %v %s", r.status, r.header, r.body)
	}
	var v1 map[string]any
	s.must(json.Unmarshal([]byte(r.body), &v1))
	if v1["version"] != "1.0" || v1["resource"] != "/py/{id}" || v1["path"] != "/py/7" || v1["httpMethod"] != "POST" ||
		v1["queryStringParameters"].(map[string]any)["q"] != "a" || fmt.Sprint(v1["multiValueQueryStringParameters"].(map[string]any)["q"]) != "[a b]" ||
		v1["pathParameters"].(map[string]any)["id"] != "7" || v1["body"] != "hello" || v1["stageVariables"] != nil {
		t.Errorf("the Python function saw %s", r.body)
	}

	// A plain answer to a 2.0 integration is a 200 JSON body.
	r = s.send("DELETE", "/anything/else", "", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" || r.body != `{"route": "$default", "method": "DELETE"}` {
		t.Errorf("inferred answer: %d %v %q", r.status, r.header, r.body)
	}

	// Go, both formats, through aws-lambda-go's types.
	r = s.send("POST", "/go2/42?q=z", "payload", http.Header{"X-Test": {"yes"}, "Content-Type": {"text/plain"}})
	if want := "v2 POST /go2/{id} /go2/42 id=42 q=z h=yes stage=$default method=POST body=payload"; r.status != 200 || r.body != want {
		t.Errorf("go 2.0: %d %q, want %q", r.status, r.body, want)
	}
	r = s.send("POST", "/go1/43?q=z", "payload", http.Header{"X-Test": {"yes"}, "Content-Type": {"text/plain"}})
	if want := "v1 /go1/{id} /go1/43 id=43 q=[z] h=[yes] stage=$default method=POST body=payload"; r.status != 202 || r.body != want {
		t.Errorf("go 1.0: %d %q, want %q", r.status, r.body, want)
	}

	// No permission for this route: 500, logged as a permission error.
	r = s.send("GET", "/locked", "", nil)
	if r.status != 500 || r.body != `{"message":"Internal Server Error"}` {
		t.Errorf("locked: %d %s", r.status, r.body)
	}
	if !strings.Contains(s.logs.String(), "permission denied") {
		t.Errorf("no permission error in the log:\n%s", s.logs)
	}
}

// A REQUEST authorizer (Node.js, simple responses) allows and denies, is
// called once per identity within its TTL and again after it, passes its
// context to the integration; a 1.0 Python authorizer's policy allows and
// denies; an authorizer API Gateway may not invoke is a 500.
func TestHTTPAPILambdaAuthorizerEndToEnd(t *testing.T) {
	lambdatest.RequireNode(t)
	lambdatest.RequirePython(t, "3")
	s := newLambdaStack(t)
	ctx := context.Background()
	echo := s.function("echo", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, nodeEcho), nil)
	s.function("auth-node", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, nodeAuthorizer), map[string]string{"AUTHORIZER": "node"})
	s.function("auth-py", ltypes.RuntimePython312, "lambda_function.lambda_handler", lambdatest.PythonFunction(t, pythonPolicy), nil)
	s.function("auth-locked", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, nodeAuthorizer), map[string]string{"AUTHORIZER": "locked"})
	s.srv.Advance(gatehouse.DefaultFunctionDelay)
	s.allow("echo", s.executeArn("*"))
	authorizer := func(name, fn, format string, simple bool, ttl int32) string {
		in := &apigatewayv2.CreateAuthorizerInput{ApiId: aws.String(s.apiID), Name: aws.String(name), AuthorizerType: v2types.AuthorizerTypeRequest,
			IdentitySource: []string{"$request.header.Authorization"}, AuthorizerPayloadFormatVersion: aws.String(format),
			AuthorizerUri:                aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:" + fn + "/invocations"),
			AuthorizerResultTtlInSeconds: aws.Int32(ttl)}
		if simple {
			in.EnableSimpleResponses = aws.Bool(true)
		}
		out, err := s.gw.CreateAuthorizer(ctx, in)
		s.must(err)
		id := aws.ToString(out.AuthorizerId)
		if fn != "auth-locked" {
			s.allow(fn, s.executeArn("authorizers/"+id))
		}
		return id
	}
	simple := authorizer("simple", "auth-node", "2.0", true, 300)
	policy := authorizer("policy", "auth-py", "1.0", false, 0)
	locked := authorizer("locked", "auth-locked", "2.0", true, 0)
	s.route("GET /simple", echo, "2.0", simple)
	s.route("GET /policy", echo, "2.0", policy)
	s.route("GET /locked", echo, "2.0", locked)
	calls := func() string {
		return strconv.Itoa(strings.Count(s.logs.String(), "authorizer call node"))
	}
	allow := http.Header{"Authorization": {"allow"}}

	r := s.send("GET", "/simple", "", allow)
	if r.status != 200 {
		t.Fatalf("allowed: %d %s\n%s", r.status, r.body, s.logs)
	}
	var ev map[string]any
	s.must(json.Unmarshal([]byte(r.body), &ev))
	if got, _ := json.Marshal(ev["requestContext"].(map[string]any)["authorizer"]); string(got) != `{"lambda":{"call":1,"user":"u-allow"}}` {
		t.Errorf("the integration saw the authorizer as %s", got)
	}
	if r := s.send("GET", "/simple", "", allow); r.status != 200 || calls() != "1" {
		t.Fatalf("cached: %d, %s calls", r.status, calls())
	}
	if r := s.send("GET", "/simple", "", http.Header{"Authorization": {"deny"}}); r.status != 403 || r.body != `{"message":"Forbidden"}` || calls() != "2" {
		t.Fatalf("denied: %d %s, %s calls", r.status, r.body, calls())
	}
	if r := s.send("GET", "/simple", "", nil); r.status != 401 || r.body != `{"message":"Unauthorized"}` || calls() != "2" {
		t.Fatalf("no identity: %d %s, %s calls", r.status, r.body, calls())
	}
	s.srv.Advance(301 * time.Second)
	if r := s.send("GET", "/simple", "", allow); r.status != 200 || calls() != "3" {
		t.Fatalf("past the TTL: %d, %s calls", r.status, calls())
	}

	if r := s.send("GET", "/policy", "", allow); r.status != 200 {
		t.Fatalf("policy allows: %d %s", r.status, r.body)
	}
	if r := s.send("GET", "/policy", "", http.Header{"Authorization": {"deny"}}); r.status != 403 {
		t.Fatalf("policy denies: %d %s", r.status, r.body)
	}
	if r := s.send("GET", "/locked", "", allow); r.status != 500 || r.body != `{"message":"Internal Server Error"}` {
		t.Fatalf("authorizer without permission: %d %s", r.status, r.body)
	}
	if !strings.Contains(s.logs.String(), "permission denied") {
		t.Errorf("no permission error in the log:\n%s", s.logs)
	}
}

// lambdaDocument is an HTTP API definition with a Lambda proxy route
// guarded by a Lambda authorizer.
const lambdaDocument = `openapi: "3.0.1"
info:
  title: orders
  version: "1"
paths:
  /orders/{id}:
    get:
      security:
      - gate: []
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:orders/invocations
        payloadFormatVersion: "2.0"
components:
  securitySchemes:
    gate:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: $request.header.Authorization, $context.routeKey
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:gate/invocations
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 120
        enableSimpleResponses: true
`

// A definition's Lambda authorizer and proxy integration are imported as
// CreateAuthorizer and CreateIntegration make them, the route CUSTOM; the
// export imports again to the same API.
func TestHTTPAPILambdaOpenAPI(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	ctx := context.Background()
	imported, err := gw.ImportApi(ctx, &apigatewayv2.ImportApiInput{Body: aws.String(lambdaDocument), FailOnWarnings: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	auths, err := gw.GetAuthorizers(ctx, &apigatewayv2.GetAuthorizersInput{ApiId: imported.ApiId})
	if err != nil || len(auths.Items) != 1 {
		t.Fatalf("authorizers %+v, %v", auths, err)
	}
	a := auths.Items[0]
	if a.AuthorizerType != v2types.AuthorizerTypeRequest || aws.ToString(a.Name) != "gate" || aws.ToInt32(a.AuthorizerResultTtlInSeconds) != 120 ||
		!aws.ToBool(a.EnableSimpleResponses) || aws.ToString(a.AuthorizerPayloadFormatVersion) != "2.0" ||
		fmt.Sprint(a.IdentitySource) != "[$request.header.Authorization $context.routeKey]" || !strings.HasSuffix(aws.ToString(a.AuthorizerUri), ":function:gate/invocations") {
		t.Fatalf("imported authorizer %+v", a)
	}
	routes, err := gw.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: imported.ApiId})
	if err != nil || len(routes.Items) != 1 || routes.Items[0].AuthorizationType != v2types.AuthorizationTypeCustom ||
		aws.ToString(routes.Items[0].AuthorizerId) != aws.ToString(a.AuthorizerId) {
		t.Fatalf("routes %+v, %v", routes, err)
	}
	exported := exportAPI(t, gw, imported.ApiId, "JSON", true, "")
	var doc map[string]any
	if err := json.Unmarshal(exported, &doc); err != nil {
		t.Fatal(err)
	}
	scheme := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)["gate"].(map[string]any)
	if scheme["type"] != "apiKey" || scheme["name"] != "Authorization" || scheme["in"] != "header" || scheme["flows"] != nil {
		t.Fatalf("exported scheme %v", scheme)
	}
	again, err := gw.ImportApi(ctx, &apigatewayv2.ImportApiInput{Body: aws.String(string(exported)), FailOnWarnings: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if re := exportAPI(t, gw, again.ApiId, "JSON", true, ""); !sameDocument(t, re, exported) {
		t.Fatalf("round trip exports\n%s\nwant\n%s", re, exported)
	}
}

// A JWT route's claims and scopes reach a Lambda integration as AWS
// hands them on: 2.0's requestContext.authorizer.jwt, 1.0's
// requestContext.authorizer, each claim as text.
func TestHTTPAPILambdaJWTClaims(t *testing.T) {
	lambdatest.RequireNode(t)
	s := newLambdaStack(t)
	ctx := context.Background()
	iss := oidctest.Start(t)
	echo := s.function("echo", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, `exports.handler = async (event) => ({statusCode: 200, body: JSON.stringify(event.requestContext.authorizer)});`), nil)
	s.srv.Advance(gatehouse.DefaultFunctionDelay)
	s.allow("echo", s.executeArn("*"))
	au, err := s.gw.CreateAuthorizer(ctx, &apigatewayv2.CreateAuthorizerInput{ApiId: aws.String(s.apiID), Name: aws.String("jwt"),
		AuthorizerType: v2types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &v2types.JWTConfiguration{Issuer: aws.String(iss.URL), Audience: []string{"app"}}})
	s.must(err)
	for key, format := range map[string]string{"GET /v2": "2.0", "GET /v1": "1.0"} {
		integ, err := s.gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: aws.String(s.apiID),
			IntegrationType: v2types.IntegrationTypeAwsProxy, PayloadFormatVersion: aws.String(format), IntegrationUri: aws.String(echo)})
		s.must(err)
		_, err = s.gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(s.apiID), RouteKey: aws.String(key),
			Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId)), AuthorizationType: v2types.AuthorizationTypeJwt, AuthorizerId: au.AuthorizerId})
		s.must(err)
	}
	iss.WaitKeySet(t)
	now := s.srv.Clock.Now().Unix()
	token := http.Header{"Authorization": {"Bearer " + iss.Sign(t, map[string]any{"iss": iss.URL, "aud": "app", "sub": "u1",
		"iat": now - 5, "exp": now + 600, "scope": "read write", "groups": []string{"a", "b"}})}}
	claims := fmt.Sprintf(`"claims":{"aud":"app","exp":"%d","groups":"[a b]","iat":"%d","iss":"%s","scope":"read write","sub":"u1"},"scopes":["read","write"]`, now+600, now-5, iss.URL)
	if r := s.send("GET", "/v2", "", token); r.status != 200 || r.body != `{"jwt":{`+claims+`}}` {
		t.Errorf("2.0: %d %s", r.status, r.body)
	}
	if r := s.send("GET", "/v1", "", token); r.status != 200 || r.body != `{`+claims+`}` {
		t.Errorf("1.0: %d %s", r.status, r.body)
	}
}

// A Lambda integration on an AWS_IAM route learns who signed the request,
// as AWS tells it: 2.0's requestContext.authorizer.iam, 1.0's
// requestContext.identity. A key stands for its account's root user.
func TestHTTPAPILambdaIAMIdentity(t *testing.T) {
	lambdatest.RequireNode(t)
	s := newLambdaStack(t)
	ctx := context.Background()
	fn := s.function("who", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t,
		`exports.handler = async (e) => ({statusCode: 200, body: JSON.stringify(e.version === "2.0" ? e.requestContext.authorizer : e.requestContext.identity)});`), nil)
	s.srv.Advance(gatehouse.DefaultFunctionDelay)
	s.allow("who", s.executeArn("*"))
	for key, format := range map[string]string{"GET /v2": "2.0", "GET /v1": "1.0"} {
		integ, err := s.gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: aws.String(s.apiID),
			IntegrationType: v2types.IntegrationTypeAwsProxy, PayloadFormatVersion: aws.String(format), IntegrationUri: aws.String(fn)})
		s.must(err)
		_, err = s.gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(s.apiID), RouteKey: aws.String(key),
			Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId)), AuthorizationType: v2types.AuthorizationTypeAwsIam})
		s.must(err)
	}
	signed := func(path string) reply {
		t.Helper()
		req, _ := http.NewRequest("GET", s.srv.URL()+path, nil)
		req.Host = s.apiID + ".execute-api.localhost"
		sum := sha256.Sum256(nil)
		s.must(v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: gatehouse.DefaultAccessKeyID, SecretAccessKey: gatehouse.DefaultSecretKey},
			req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()))
		resp, err := http.DefaultClient.Do(req)
		s.must(err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{resp.StatusCode, resp.Header, string(b)}
	}
	const account = "000000000000"
	if r := signed("/v2"); r.status != 200 || r.body != `{"iam":{"accessKey":"`+gatehouse.DefaultAccessKeyID+`","accountId":"`+account+
		`","callerId":"`+account+`","cognitoIdentity":null,"principalOrgId":null,"userArn":"arn:aws:iam::`+account+`:root","userId":"`+account+`"}}` {
		t.Errorf("2.0: %d %s\n%s", r.status, r.body, s.logs)
	}
	var identity map[string]any
	r := signed("/v1")
	s.must(json.Unmarshal([]byte(r.body), &identity))
	for k, want := range map[string]any{"accessKey": gatehouse.DefaultAccessKeyID, "accountId": account, "caller": account, "user": account,
		"userArn": "arn:aws:iam::" + account + ":root", "principalOrgId": nil, "cognitoIdentityId": nil} {
		if got, ok := identity[k]; !ok || got != want {
			t.Errorf("1.0 identity.%s = %v, want %v (%s)", k, got, want, r.body)
		}
	}
	if r := s.send("GET", "/v2", "", nil); r.status != 403 {
		t.Errorf("unsigned: %d %s", r.status, r.body)
	}
}

// Behind a custom domain, a Lambda integration sees the path as the
// client sent it, the API mapping's key included, as AWS shows it: 2.0's
// rawPath and requestContext.http.path, 1.0's path and
// requestContext.path. Routes match the path without the key, and the
// access log shows the key as $context.customDomain.basePathMatched.
func TestHTTPAPILambdaBehindCustomDomain(t *testing.T) {
	lambdatest.RequireNode(t)
	s := newLambdaStack(t)
	ctx := context.Background()
	echo := s.function("echo", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t,
		`exports.handler = async (e) => ({statusCode: 200, body: JSON.stringify(e)});`), nil)
	s.srv.Advance(gatehouse.DefaultFunctionDelay)
	s.allow("echo", s.executeArn("*"))
	s.route("GET /items/{id}", echo, "2.0", "")
	s.route("GET /v1/items/{id}", echo, "1.0", "")
	_, err := s.gw.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: aws.String(s.apiID), StageName: aws.String("$default"),
		AccessLogSettings: &v2types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:access"),
			Format: aws.String("$context.requestId path=$context.path key=$context.customDomain.basePathMatched route=$context.routeKey")}})
	s.must(err)
	_, err = s.gw.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("api.example.com"),
		DomainNameConfigurations: []v2types.DomainNameConfiguration{{CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/x")}}})
	s.must(err)
	_, err = s.gw.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"),
		ApiId: aws.String(s.apiID), Stage: aws.String("$default"), ApiMappingKey: aws.String("shop/orders")})
	s.must(err)
	get := func(path string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("GET", s.srv.URL()+path, nil)
		req.Host = "api.example.com"
		resp, err := http.DefaultClient.Do(req)
		s.must(err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s\n%s", path, resp.StatusCode, b, s.logs)
		}
		var ev map[string]any
		s.must(json.Unmarshal(b, &ev))
		return ev
	}

	v2 := get("/shop/orders/items/7")
	rc := v2["requestContext"].(map[string]any)
	if v2["rawPath"] != "/shop/orders/items/7" || rc["http"].(map[string]any)["path"] != "/shop/orders/items/7" ||
		v2["routeKey"] != "GET /items/{id}" || v2["pathParameters"].(map[string]any)["id"] != "7" ||
		rc["domainName"] != "api.example.com" || rc["domainPrefix"] != "api" || rc["stage"] != "$default" {
		t.Errorf("2.0 event behind the domain: %v", v2)
	}
	v1 := get("/shop/orders/v1/items/8")
	rc = v1["requestContext"].(map[string]any)
	if v1["path"] != "/shop/orders/v1/items/8" || rc["path"] != "/shop/orders/v1/items/8" || v1["resource"] != "/v1/items/{id}" ||
		rc["resourcePath"] != "/v1/items/{id}" || v1["pathParameters"].(map[string]any)["id"] != "8" || rc["domainName"] != "api.example.com" {
		t.Errorf("1.0 event behind the domain: %v", v1)
	}
	for _, want := range []string{"path=/shop/orders/items/7 key=shop/orders route=GET /items/{id}", "path=/shop/orders/v1/items/8 key=shop/orders"} {
		if !strings.Contains(s.logs.String(), want) {
			t.Errorf("the access log lacks %q:\n%s", want, s.logs)
		}
	}
	// At the invoke URL the same routes show no key.
	if r := s.send("GET", "/items/9", "", nil); r.status != 200 || !strings.Contains(r.body, `"rawPath":"/items/9"`) {
		t.Errorf("invoke URL: %d %s", r.status, r.body)
	}
	if !strings.Contains(s.logs.String(), "path=/items/9 key=- ") {
		t.Errorf("the invoke URL's access log line:\n%s", s.logs)
	}
}

// The access log of a stage with a Lambda authorizer and a Lambda
// integration prints the authorizer's decision and latency, the
// function's own status beside Lambda's, and Lambda's request id.
func TestHTTPAPILambdaAccessLogVariables(t *testing.T) {
	lambdatest.RequireNode(t)
	s := newLambdaStack(t)
	ctx := context.Background()
	created := s.function("created", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t,
		`exports.handler = async () => ({statusCode: 201, body: "made"});`), nil)
	s.function("gate", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t,
		`exports.handler = async (e) => ({isAuthorized: e.headers.authorization === "allow"});`), nil)
	s.srv.Advance(gatehouse.DefaultFunctionDelay)
	s.allow("created", s.executeArn("*"))
	au, err := s.gw.CreateAuthorizer(ctx, &apigatewayv2.CreateAuthorizerInput{ApiId: aws.String(s.apiID), Name: aws.String("gate"),
		AuthorizerType: v2types.AuthorizerTypeRequest, IdentitySource: []string{"$request.header.Authorization"},
		AuthorizerPayloadFormatVersion: aws.String("2.0"), EnableSimpleResponses: aws.Bool(true),
		AuthorizerUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:gate/invocations")})
	s.must(err)
	s.allow("gate", s.executeArn("authorizers/"+aws.ToString(au.AuthorizerId)))
	s.route("POST /things", created, "2.0", aws.ToString(au.AuthorizerId))
	_, err = s.gw.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: aws.String(s.apiID), StageName: aws.String("$default"),
		AccessLogSettings: &v2types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:access"),
			Format: aws.String("$context.requestId auth=$context.authorizer.status/$context.authorizer.latency/$context.authorizer.error " +
				"fn=$context.integration.status lambda=$context.integrationStatus/$context.integration.integrationStatus rid=$context.integration.requestId/$context.awsEndpointRequestId end")}})
	s.must(err)

	if r := s.send("POST", "/things", "", http.Header{"Authorization": {"allow"}}); r.status != 201 || r.body != "made" {
		t.Fatalf("allowed: %d %s\n%s", r.status, r.body, s.logs)
	}
	if r := s.send("POST", "/things", "", http.Header{"Authorization": {"deny"}}); r.status != 403 {
		t.Fatalf("denied: %d %s", r.status, r.body)
	}
	if r := s.send("POST", "/things", "", nil); r.status != 401 {
		t.Fatalf("no identity: %d %s", r.status, r.body)
	}
	logs := s.logs.String()
	allowed := regexp.MustCompile(`auth=200/0/- fn=201 lambda=200/200 rid=([0-9a-f-]{36})/([0-9a-f-]{36}) end`).FindStringSubmatch(logs)
	if allowed == nil || allowed[1] != allowed[2] {
		t.Errorf("no line for the allowed request:\n%s", logs)
	}
	for _, want := range []string{"auth=403/0/the authorizer denied the request fn=- lambda=-/- rid=-/- end",
		"auth=401/0/an identity source is missing fn=- lambda=-/- rid=-/- end"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the access log lacks %q:\n%s", want, logs)
		}
	}
}

// A Lambda authorizer's cached answers outlive changes to the rest of the
// API and to the authorizer's name, and go when its own configuration
// changes; they still expire by the TTL on the server's clock.
func TestHTTPAPILambdaAuthorizerCacheAcrossChanges(t *testing.T) {
	lambdatest.RequireNode(t)
	s := newLambdaStack(t)
	ctx := context.Background()
	echo := s.function("echo", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, nodeEcho), nil)
	s.function("auth-node", ltypes.RuntimeNodejs20x, "index.handler", lambdatest.NodeFunction(t, nodeAuthorizer), map[string]string{"AUTHORIZER": "node"})
	s.srv.Advance(gatehouse.DefaultFunctionDelay)
	s.allow("echo", s.executeArn("*"))
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth-node/invocations"
	au, err := s.gw.CreateAuthorizer(ctx, &apigatewayv2.CreateAuthorizerInput{ApiId: aws.String(s.apiID), Name: aws.String("gate"),
		AuthorizerType: v2types.AuthorizerTypeRequest, IdentitySource: []string{"$request.header.Authorization"},
		AuthorizerPayloadFormatVersion: aws.String("2.0"), EnableSimpleResponses: aws.Bool(true), AuthorizerUri: aws.String(uri),
		AuthorizerResultTtlInSeconds: aws.Int32(300)})
	s.must(err)
	s.allow("auth-node", s.executeArn("authorizers/"+aws.ToString(au.AuthorizerId)))
	s.route("GET /guarded", echo, "2.0", aws.ToString(au.AuthorizerId))
	calls := func() int { return strings.Count(s.logs.String(), "authorizer call node") }
	allow := http.Header{"Authorization": {"allow"}}
	ask := func(what string, wantCalls int) {
		t.Helper()
		if r := s.send("GET", "/guarded", "", allow); r.status != 200 || calls() != wantCalls {
			t.Fatalf("%s: %d, %d authorizer calls, want %d\n%s", what, r.status, calls(), wantCalls, s.logs)
		}
	}
	ask("first", 1)
	ask("cached", 1)

	// Another route, and the authorizer's name: the answer stays.
	s.route("GET /other", echo, "2.0", "")
	if r := s.send("GET", "/other", "", nil); r.status != 200 {
		t.Fatalf("the new route: %d %s", r.status, r.body)
	}
	ask("after an unrelated route", 1)
	_, err = s.gw.UpdateAuthorizer(ctx, &apigatewayv2.UpdateAuthorizerInput{ApiId: aws.String(s.apiID), AuthorizerId: au.AuthorizerId, Name: aws.String("renamed")})
	s.must(err)
	ask("after a rename", 1)

	// Its TTL still counts on the server's clock.
	s.srv.Advance(301 * time.Second)
	ask("past the TTL", 2)

	// Its own configuration: the answers go.
	_, err = s.gw.UpdateAuthorizer(ctx, &apigatewayv2.UpdateAuthorizerInput{ApiId: aws.String(s.apiID), AuthorizerId: au.AuthorizerId,
		AuthorizerResultTtlInSeconds: aws.Int32(600)})
	s.must(err)
	ask("after a new TTL", 3)
	ask("cached again", 3)
	_, err = s.gw.UpdateAuthorizer(ctx, &apigatewayv2.UpdateAuthorizerInput{ApiId: aws.String(s.apiID), AuthorizerId: au.AuthorizerId,
		IdentitySource: []string{"$request.header.Authorization", "$context.routeKey"}})
	s.must(err)
	ask("after new identity sources", 4)
}
