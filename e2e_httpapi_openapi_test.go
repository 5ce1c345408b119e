package gatehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"gopkg.in/yaml.v3"

	"gatehouse"
	"gatehouse/internal/dataplane/jwtauth/oidctest"
	"gatehouse/internal/servertest"
)

// privateListener builds a VPC, an internal ALB admitting a VPC link's
// group, one real backend behind it, and the link, AVAILABLE. It answers
// the link's id and the listener's ARN.
func privateListener(t *testing.T, srv *servertest.Server) (linkID, listenerARN string) {
	t.Helper()
	ctx := context.Background()
	e, lb, gw := srv.EC2(), srv.ELBv2(), srv.APIGatewayV2()
	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	restMust(t, err)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))})
		restMust(t, err)
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	linkSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("vpclink"), Description: aws.String("link"), VpcId: vpc.Vpc.VpcId})
	restMust(t, err)
	albSG, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: vpc.Vpc.VpcId})
	restMust(t, err)
	_, err = e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: linkSG.GroupId}}}}})
	restMust(t, err)
	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tasks"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: vpc.Vpc.VpcId, TargetType: elbtypes.TargetTypeEnumIp})
	restMust(t, err)
	ownAddrs(t, e, aws.ToString(vpc.Vpc.VpcId), "10.0.1.10")
	_, err = lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn,
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.10"), Port: aws.Int32(echoBackend(t, "task-1"))}}})
	restMust(t, err)
	alb, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("pets"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: subnets, SecurityGroups: []string{aws.ToString(albSG.GroupId)}})
	restMust(t, err)
	listener, err := lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	restMust(t, err)
	link, err := gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: subnets, SecurityGroupIds: []string{aws.ToString(linkSG.GroupId)}})
	restMust(t, err)
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	return aws.ToString(link.VpcLinkId), aws.ToString(listener.Listeners[0].ListenerArn)
}

// petsDocument is an HTTP API's OpenAPI 3 definition as a team would keep
// it: a shared private integration to an ALB listener, a JWT authorizer,
// CORS, and a $default route with a parameter mapping.
func petsDocument(issuer, link, listener string) string {
	return `openapi: "3.0.1"
info:
  title: pets
  version: "2024-01-01"
  description: the pet store
x-amazon-apigateway-importexport-version: "1.0"
x-amazon-apigateway-cors:
  allowOrigins: ["https://app.example.com"]
  allowMethods: [GET, POST]
  allowHeaders: [Authorization]
  maxAge: 300
paths:
  /pets/{id}:
    get:
      operationId: getPet
      security:
      - oidc: [pets.read]
      x-amazon-apigateway-integration:
        $ref: '#/components/x-amazon-apigateway-integrations/alb'
  /pets:
    post:
      x-amazon-apigateway-integration:
        $ref: '#/components/x-amazon-apigateway-integrations/alb'
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        connectionType: VPC_LINK
        connectionId: ` + link + `
        uri: ` + listener + `
        payloadFormatVersion: "1.0"
        timeoutInMillis: 3000
        requestParameters:
          overwrite:header.X-From: imported
components:
  securitySchemes:
    oidc:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: ` + issuer + `
          audience: [pets-client]
  x-amazon-apigateway-integrations:
    alb:
      type: http_proxy
      httpMethod: ANY
      connectionType: VPC_LINK
      connectionId: ` + link + `
      uri: ` + listener + `
      payloadFormatVersion: "1.0"
      timeoutInMillis: 5000
`
}

// describeAPI renders what an HTTP API holds, with ids replaced by what
// they name, so that two APIs built alike compare equal.
func describeAPI(t *testing.T, gw *apigatewayv2.Client, id *string) string {
	t.Helper()
	a, err := gw.GetApi(restCtx, &apigatewayv2.GetApiInput{ApiId: id})
	restMust(t, err)
	routes, err := gw.GetRoutes(restCtx, &apigatewayv2.GetRoutesInput{ApiId: id})
	restMust(t, err)
	integs, err := gw.GetIntegrations(restCtx, &apigatewayv2.GetIntegrationsInput{ApiId: id})
	restMust(t, err)
	auths, err := gw.GetAuthorizers(restCtx, &apigatewayv2.GetAuthorizersInput{ApiId: id})
	restMust(t, err)
	integ := map[string]string{}
	for _, i := range integs.Items {
		integ["integrations/"+aws.ToString(i.IntegrationId)] = fmt.Sprintf("%s %s %s %s %s %s %d %v",
			i.IntegrationType, aws.ToString(i.IntegrationMethod), i.ConnectionType, aws.ToString(i.ConnectionId),
			aws.ToString(i.IntegrationUri), aws.ToString(i.PayloadFormatVersion), aws.ToInt32(i.TimeoutInMillis), i.RequestParameters)
	}
	auth := map[string]string{}
	var lines []string
	for _, au := range auths.Items {
		auth[aws.ToString(au.AuthorizerId)] = aws.ToString(au.Name)
		lines = append(lines, fmt.Sprintf("authorizer %s %s %v %s %v", aws.ToString(au.Name), au.AuthorizerType, au.IdentitySource,
			aws.ToString(au.JwtConfiguration.Issuer), au.JwtConfiguration.Audience))
	}
	users := map[string]int{}
	for _, r := range routes.Items {
		users[aws.ToString(r.Target)]++
		lines = append(lines, fmt.Sprintf("route %s %s %s %v %s -> %s", aws.ToString(r.RouteKey), r.AuthorizationType,
			auth[aws.ToString(r.AuthorizerId)], r.AuthorizationScopes, aws.ToString(r.OperationName), integ[aws.ToString(r.Target)]))
	}
	// How integrations are shared is part of the API.
	for target, n := range users {
		lines = append(lines, fmt.Sprintf("integration %s used %d", integ[target], n))
	}
	slices.Sort(lines)
	c, _ := json.Marshal(a.CorsConfiguration)
	return fmt.Sprintf("%s %q %s\ncors %s\n%s", aws.ToString(a.Name), aws.ToString(a.Description), aws.ToString(a.Version), c, strings.Join(lines, "\n"))
}

func exportAPI(t *testing.T, gw *apigatewayv2.Client, id *string, output string, ext bool, stage string) []byte {
	t.Helper()
	in := &apigatewayv2.ExportApiInput{ApiId: id, Specification: aws.String("OAS30"), OutputType: aws.String(output), IncludeExtensions: aws.Bool(ext)}
	if stage != "" {
		in.StageName = aws.String(stage)
	}
	out, err := gw.ExportApi(restCtx, in)
	restMust(t, err)
	return out.Body
}

func badRequest(t *testing.T, err error, code string) string {
	t.Helper()
	var ae interface{ ErrorCode() string }
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return err.Error()
}

// TestHTTPAPIOpenAPI imports a real OpenAPI 3 definition, serves traffic
// through what it made (a VPC link to an ALB listener with a real backend,
// a JWT authorizer, CORS), exports it as JSON and YAML, imports the export
// again to the same API, reimports, and shows that bad documents change
// nothing.
func TestHTTPAPIOpenAPI(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	iss := oidctest.Start(t)
	link, listener := privateListener(t, srv)
	doc := petsDocument(iss.URL, link, listener)

	imported, err := gw.ImportApi(restCtx, &apigatewayv2.ImportApiInput{Body: aws.String(doc), FailOnWarnings: aws.Bool(true)})
	restMust(t, err)
	if aws.ToString(imported.Name) != "pets" || aws.ToString(imported.Version) != "2024-01-01" || len(imported.Warnings) != 0 ||
		imported.CorsConfiguration == nil || imported.CorsConfiguration.AllowOrigins[0] != "https://app.example.com" {
		t.Fatalf("imported: %+v", imported)
	}
	id := imported.ApiId
	_, err = gw.CreateStage(restCtx, &apigatewayv2.CreateStageInput{ApiId: id, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	restMust(t, err)
	iss.WaitKeySet(t)

	call := func(method, path string, h http.Header) (int, http.Header, map[string]any) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL()+path, nil)
		req.Host = aws.ToString(id) + ".execute-api.localhost"
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var got map[string]any
		json.Unmarshal(b, &got)
		return resp.StatusCode, resp.Header, got
	}
	now := srv.Clock.Now().Unix()
	token := func(scope string) http.Header {
		return http.Header{"Authorization": {"Bearer " + iss.Sign(t, map[string]any{"iss": iss.URL, "aud": "pets-client", "sub": "u1",
			"iat": now - 5, "exp": now + 600, "scope": scope})}}
	}
	if status, _, _ := call("GET", "/pets/1", nil); status != 401 {
		t.Fatalf("GET /pets/1 without a token: %d", status)
	}
	if status, _, _ := call("GET", "/pets/1", token("openid")); status != 403 {
		t.Fatalf("GET /pets/1 without the scope: %d", status)
	}
	if status, _, got := call("GET", "/pets/1", token("pets.read")); status != 200 || got["backend"] != "task-1" || got["path"] != "/pets/1" {
		t.Fatalf("GET /pets/1 through the link: %d %v", status, got)
	}
	if status, _, got := call("POST", "/pets", nil); status != 200 || got["path"] != "/pets" {
		t.Fatalf("POST /pets: %d %v", status, got)
	}
	status, _, got := call("GET", "/elsewhere", nil)
	if hdr, _ := got["header"].(map[string]any); status != 200 || fmt.Sprint(hdr["X-From"]) != "[imported]" {
		t.Fatalf("$default route with its mapping: %d %v", status, got)
	}
	// The $default route takes the preflight, as on AWS; its answer
	// carries the document's CORS headers.
	status, h, _ := call("OPTIONS", "/pets/1", http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET"}})
	if status != 200 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Get("Access-Control-Max-Age") != "300" {
		t.Fatalf("preflight: %d %v", status, h)
	}
	want := describeAPI(t, gw, id)

	// Exports: JSON and YAML, with and without the extensions.
	js := exportAPI(t, gw, id, "JSON", true, "")
	var exported map[string]any
	if err := json.Unmarshal(js, &exported); err != nil {
		t.Fatalf("JSON export: %v\n%s", err, js)
	}
	comps, _ := exported["components"].(map[string]any)
	if exported["openapi"] != "3.0.1" || exported["x-amazon-apigateway-importexport-version"] != "1.0" || exported["x-amazon-apigateway-cors"] == nil ||
		len(comps["x-amazon-apigateway-integrations"].(map[string]any)) != 1 {
		t.Fatalf("JSON export:\n%s", js)
	}
	ym := exportAPI(t, gw, id, "YAML", true, "")
	var fromYAML map[string]any
	if err := yaml.Unmarshal(ym, &fromYAML); err != nil || fromYAML["openapi"] != "3.0.1" || json.Valid(ym) {
		t.Fatalf("YAML export (%v):\n%s", err, ym)
	}
	plain := exportAPI(t, gw, id, "JSON", false, "")
	// ANY routes have no other form than the extension, so it stays.
	if strings.Count(string(plain), "x-amazon-apigateway") != strings.Count(string(plain), "x-amazon-apigateway-any-method") ||
		!strings.Contains(string(plain), `"/pets/{id}"`) {
		t.Fatalf("export without extensions:\n%s", plain)
	}
	if staged := exportAPI(t, gw, id, "YAML", true, "$default"); string(staged) != string(ym) {
		t.Fatalf("the stage's deployment exports as the API:\n%s\n---\n%s", staged, ym)
	}

	// Import -> export -> import gives the same API, from either format.
	for name, body := range map[string][]byte{"JSON": js, "YAML": ym} {
		again, err := gw.ImportApi(restCtx, &apigatewayv2.ImportApiInput{Body: aws.String(string(body)), FailOnWarnings: aws.Bool(true)})
		restMust(t, err)
		if got := describeAPI(t, gw, again.ApiId); got != want {
			t.Fatalf("%s round trip:\n%s\nwant\n%s", name, got, want)
		}
		if re := exportAPI(t, gw, again.ApiId, "JSON", true, ""); !sameDocument(t, re, js) {
			t.Fatalf("%s round trip exports\n%s\nwant\n%s", name, re, js)
		}
	}

	// Bad documents change nothing, on import or reimport.
	apis, err := gw.GetApis(restCtx, &apigatewayv2.GetApisInput{})
	restMust(t, err)
	bad := map[string]struct{ body, code string }{
		"not YAML":                        {"{{{", "BadRequestException"},
		"OpenAPI 2":                       {"swagger: \"2.0\"\ninfo: {title: x}\n", "BadRequestException"},
		"no title":                        {"openapi: 3.0.1\ninfo: {version: x}\npaths: {}\n", "BadRequestException"},
		"unknown VPC link":                {strings.ReplaceAll(doc, "connectionId: "+link, "connectionId: nolink"), "NotFoundException"},
		"dangling $ref":                   {strings.Replace(doc, "integrations/alb'", "integrations/none'", 1), "BadRequestException"},
		"bad route key":                   {strings.Replace(doc, "/pets:", "/pets/:", 1), "BadRequestException"},
		"bad CORS":                        {strings.Replace(doc, "maxAge: 300", "maxAge: 999999", 1), "BadRequestException"},
		"bad mapping":                     {strings.Replace(doc, "overwrite:header.X-From", "overwrite:nowhere.X-From", 1), "BadRequestException"},
		"Lambda authorizer without a URI": {strings.Replace(doc, "type: jwt", "type: request", 1), "BadRequestException"},
	}
	for name, b := range bad {
		_, err := gw.ImportApi(restCtx, &apigatewayv2.ImportApiInput{Body: aws.String(b.body)})
		if err == nil {
			t.Fatalf("%s: imported", name)
		}
		badRequest(t, err, b.code)
		_, err = gw.ReimportApi(restCtx, &apigatewayv2.ReimportApiInput{ApiId: id, Body: aws.String(b.body)})
		if msg := badRequest(t, err, b.code); testing.Verbose() {
			t.Logf("%s: %s", name, msg)
		}
	}
	after, err := gw.GetApis(restCtx, &apigatewayv2.GetApisInput{})
	restMust(t, err)
	if len(after.Items) != len(apis.Items) {
		t.Fatalf("bad imports made APIs: %d, was %d", len(after.Items), len(apis.Items))
	}
	if got := describeAPI(t, gw, id); got != want {
		t.Fatalf("bad reimports changed the API:\n%s\nwant\n%s", got, want)
	}

	// failOnWarnings: a warning refuses the import when true; when false
	// the import goes ahead and answers it.
	warned := strings.Replace(doc, "      timeoutInMillis: 5000\n", "      timeoutInMillis: 5000\n      cacheKeyParameters: []\n", 1)
	_, err = gw.ImportApi(restCtx, &apigatewayv2.ImportApiInput{Body: aws.String(warned), FailOnWarnings: aws.Bool(true)})
	if msg := badRequest(t, err, "BadRequestException"); !strings.Contains(msg, "cacheKeyParameters is unexpected") {
		t.Fatalf("failOnWarnings: %s", msg)
	}
	ok, err := gw.ImportApi(restCtx, &apigatewayv2.ImportApiInput{Body: aws.String(warned), FailOnWarnings: aws.Bool(false)})
	restMust(t, err)
	if len(ok.Warnings) != 1 || !strings.Contains(ok.Warnings[0], "cacheKeyParameters is unexpected") {
		t.Fatalf("warnings: %q", ok.Warnings)
	}
	if got := describeAPI(t, gw, ok.ApiId); got != want {
		t.Fatalf("imported with a warning:\n%s\nwant\n%s", got, want)
	}

	// Reimport replaces the routes, keeps the id and the stage, and the
	// stage's automatic deployment serves the new definition at once.
	next := `openapi: 3.0.1
info: {title: pets-v2, version: "2"}
servers:
- url: https://api.example.com/{basePath}
  variables:
    basePath: {default: /v2}
paths:
  /pets/{id}:
    get:
      x-amazon-apigateway-integration:
        type: HTTP_PROXY
        httpMethod: GET
        connectionType: VPC_LINK
        connectionId: ` + link + `
        integrationUri: ` + listener + `
        payloadFormatVersion: "1.0"
`
	re, err := gw.ReimportApi(restCtx, &apigatewayv2.ReimportApiInput{ApiId: id, Body: aws.String(next), Basepath: aws.String("prepend")})
	restMust(t, err)
	if aws.ToString(re.ApiId) != aws.ToString(id) || aws.ToString(re.Name) != "pets-v2" || re.CorsConfiguration != nil {
		t.Fatalf("reimported: %+v", re)
	}
	if status, _, got := call("GET", "/v2/pets/1", nil); status != 200 || got["path"] != "/v2/pets/1" {
		t.Fatalf("reimported route: %d %v", status, got)
	}
	if status, _, _ := call("POST", "/pets", nil); status != 404 {
		t.Fatalf("a route the reimport dropped: %d", status)
	}
	stages, err := gw.GetStages(restCtx, &apigatewayv2.GetStagesInput{ApiId: id})
	restMust(t, err)
	auths, err := gw.GetAuthorizers(restCtx, &apigatewayv2.GetAuthorizersInput{ApiId: id})
	restMust(t, err)
	if len(stages.Items) != 1 || len(auths.Items) != 0 {
		t.Fatalf("after reimport: %d stages, %d authorizers", len(stages.Items), len(auths.Items))
	}
	for mode, want := range map[string]string{"ignore": "GET /pets/{id}", "split": "GET /pets/{id}"} {
		_, err := gw.ReimportApi(restCtx, &apigatewayv2.ReimportApiInput{ApiId: id, Body: aws.String(next), Basepath: aws.String(mode)})
		restMust(t, err)
		routes, err := gw.GetRoutes(restCtx, &apigatewayv2.GetRoutesInput{ApiId: id})
		restMust(t, err)
		if len(routes.Items) != 1 || aws.ToString(routes.Items[0].RouteKey) != want {
			t.Fatalf("basepath %s: %+v", mode, routes.Items)
		}
	}
}

// sameDocument compares two JSON documents as values.
func sameDocument(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	// The servers name each API's own endpoint.
	strip := func(v any) string {
		m := v.(map[string]any)
		delete(m, "servers")
		s, _ := json.Marshal(m)
		return string(s)
	}
	return strip(x) == strip(y)
}

// TestHTTPAPIOpenAPIStack makes an HTTP API from a CloudFormation Body, the
// template's Name over the document's title, updates it by a new Body
// (ReimportApi: same id, the stage kept), and rolls back an update whose
// Body is refused, leaving the API as it was.
func TestHTTPAPIOpenAPIStack(t *testing.T) {
	srv := servertest.Start(t)
	c, gw := srv.CloudFormation(), srv.APIGatewayV2()
	backend := echoBackend(t, "web")
	template := func(paths string) string {
		return fmt.Sprintf(`Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: from-template
      Tags: {app: pets}
      Body:
        openapi: 3.0.1
        info: {title: from-document, version: "1"}
        x-amazon-apigateway-cors: {allowOrigins: ["https://app.example.com"]}
        paths:
%s
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
Outputs:
  ApiId:
    Value: !Ref Api
`, paths)
	}
	route := func(path, uri string) string {
		return fmt.Sprintf(`          %s:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "%s", payloadFormatVersion: "1.0"}
`, path, uri)
	}
	uri := fmt.Sprintf("http://127.0.0.1:%d/{proxy}", backend)
	one := template(route("/a/{proxy}", uri))
	if _, err := c.CreateStack(restCtx, &cfn.CreateStackInput{StackName: aws.String("oas"), TemplateBody: aws.String(one)}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "oas")
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "oas"))
	}
	id := outputsOf(st)["ApiId"]
	api, err := gw.GetApi(restCtx, &apigatewayv2.GetApiInput{ApiId: aws.String(id)})
	restMust(t, err)
	if aws.ToString(api.Name) != "from-template" || api.CorsConfiguration == nil || api.Tags["app"] != "pets" {
		t.Fatalf("API from Body: %+v", api)
	}
	if a := invoke(t, srv, id, "/a/x"); a.status != 200 || a.path != "/x" {
		t.Fatalf("route from Body: %d %s", a.status, a.body)
	}

	two := template(route("/a/{proxy}", uri) + route("/b/{proxy}", uri))
	if _, err := c.UpdateStack(restCtx, &cfn.UpdateStackInput{StackName: aws.String("oas"), TemplateBody: aws.String(two)}); err != nil {
		t.Fatal(err)
	}
	if st = waitSettled(t, c, "oas"); st.StackStatus != cfntypes.StackStatusUpdateComplete || outputsOf(st)["ApiId"] != id {
		t.Fatalf("update: %s %v\n%s", st.StackStatus, outputsOf(st), eventLines(t, c, "oas"))
	}
	if a := invoke(t, srv, id, "/b/y"); a.status != 200 || a.path != "/y" {
		t.Fatalf("route the new Body added: %d %s", a.status, a.body)
	}
	want := describeAPI(t, gw, aws.String(id))

	bad := template(route("/a/{proxy}", "not a url"))
	if _, err := c.UpdateStack(restCtx, &cfn.UpdateStackInput{StackName: aws.String("oas"), TemplateBody: aws.String(bad)}); err != nil {
		t.Fatal(err)
	}
	if st = waitSettled(t, c, "oas"); st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("bad Body: %s\n%s", st.StackStatus, eventLines(t, c, "oas"))
	}
	if got := describeAPI(t, gw, aws.String(id)); got != want {
		t.Fatalf("after the rollback:\n%s\nwant\n%s", got, want)
	}
	if a := invoke(t, srv, id, "/b/y"); a.status != 200 {
		t.Fatalf("after the rollback: %d %s", a.status, a.body)
	}
}
