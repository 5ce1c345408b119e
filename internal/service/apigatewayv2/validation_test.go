package apigatewayv2_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/smithy-go"
)

// failure is one call that must fail with a code and a message part.
type failure struct {
	name, code, msg string
	call            func() error
}

func (f *fixture) failAll(t *testing.T, cases []failure) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { f.fails(t, c.code, c.msg, c.call) })
	}
}

func TestApiValidation(t *testing.T) {
	f := start(t)
	create := func(in gw.CreateApiInput) func() error {
		return func() error { _, err := f.gw.CreateApi(ctx, &in); return err }
	}
	api := f.api(t, "valid")
	f.failAll(t, []failure{
		{"websocket", "BadRequestException", "protocolType WEBSOCKET is not supported",
			create(gw.CreateApiInput{Name: aws.String("ws"), ProtocolType: gwtypes.ProtocolTypeWebsocket})},
		{"unknown protocol", "BadRequestException", "Invalid protocolType",
			create(gw.CreateApiInput{Name: aws.String("x"), ProtocolType: "GRPC"})},
		{"empty name", "BadRequestException", "Invalid API name",
			create(gw.CreateApiInput{Name: aws.String(""), ProtocolType: gwtypes.ProtocolTypeHttp})},
		{"route selection", "BadRequestException", "Invalid routeSelectionExpression",
			create(gw.CreateApiInput{Name: aws.String("x"), ProtocolType: gwtypes.ProtocolTypeHttp, RouteSelectionExpression: aws.String("$request.body.action")})},
		{"quick create route key without target", "BadRequestException", "quick create",
			create(gw.CreateApiInput{Name: aws.String("x"), ProtocolType: gwtypes.ProtocolTypeHttp, RouteKey: aws.String("GET /x")})},
		{"cors max age", "BadRequestException", "maxAge",
			create(gw.CreateApiInput{Name: aws.String("x"), ProtocolType: gwtypes.ProtocolTypeHttp, CorsConfiguration: &gwtypes.Cors{MaxAge: aws.Int32(90000)}})},
		{"reserved tag", "BadRequestException", "aws:",
			create(gw.CreateApiInput{Name: aws.String("x"), ProtocolType: gwtypes.ProtocolTypeHttp, Tags: map[string]string{"aws:cloudformation": "x"}})},
		{"unknown api", "NotFoundException", "Invalid API identifier specified 000000000000:nosuchapi0", func() error {
			_, err := f.gw.GetApi(ctx, &gw.GetApiInput{ApiId: aws.String("nosuchapi0")})
			return err
		}},
		{"update unknown api", "NotFoundException", "Invalid API identifier specified", func() error {
			_, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: aws.String("nosuchapi0"), Name: aws.String("x")})
			return err
		}},
		{"update bad name", "BadRequestException", "Invalid API name", func() error {
			_, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: aws.String(api), Name: aws.String("")})
			return err
		}},
		{"bad maxResults", "BadRequestException", "maxResults", func() error {
			_, err := f.gw.GetApis(ctx, &gw.GetApisInput{MaxResults: aws.String("many")})
			return err
		}},
	})
}

func TestPaging(t *testing.T) {
	f := start(t)
	want := map[string]bool{}
	for range 5 {
		want[f.api(t, "paged")] = true
	}
	var token *string
	for pages := 0; ; pages++ {
		out, err := f.gw.GetApis(ctx, &gw.GetApisInput{MaxResults: aws.String("2"), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Items {
			if !want[aws.ToString(a.ApiId)] {
				t.Fatalf("page %d repeats or invents %s", pages, aws.ToString(a.ApiId))
			}
			delete(want, aws.ToString(a.ApiId))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(want) != 0 {
		t.Fatalf("paging missed %v", want)
	}
}

func TestRouteValidation(t *testing.T) {
	f := start(t)
	api := f.api(t, "routes")
	integ := f.publicIntegration(t, api)
	f.route(t, api, "GET /pets/{petId}", integ)
	f.route(t, api, "ANY /{proxy+}", integ)
	f.route(t, api, "$default", "")
	create := func(key, target string) func() error {
		return func() error {
			in := &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String(key)}
			if target != "" {
				in.Target = aws.String(target)
			}
			_, err := f.gw.CreateRoute(ctx, in)
			return err
		}
	}
	bad := func(name, key, msg string) failure {
		return failure{name, "BadRequestException", msg, create(key, "")}
	}
	f.failAll(t, []failure{
		bad("no path", "GET", "Invalid route key"),
		bad("lowercase method", "get /pets", "Invalid route key"),
		bad("unknown method", "FETCH /pets", "Invalid route key"),
		bad("relative path", "GET pets", "must start with /"),
		bad("trailing slash", "GET /pets/", "trailing /"),
		bad("empty segment", "GET /pets//dogs", "empty segment"),
		bad("greedy not last", "GET /{proxy+}/x", "must be the last segment"),
		bad("repeated variable", "GET /a/{id}/b/{id}", "appears more than once"),
		bad("mixed segment", "GET /a{b}", "character"),
		bad("empty variable", "GET /a/{}", "not a valid path variable"),
		bad("websocket key", "$connect", "only special route key"),
		bad("space in path", "GET /a b", "character"),
		{"duplicate key", "ConflictException", `The API already has a route with key "GET /pets/{petId}".`, create("GET /pets/{petId}", "")},
		{"duplicate default", "ConflictException", "$default", create("$default", "")},
		{"conflicting variable", "ConflictException",
			`The provided route key "POST /pets/{id}/toys" has a conflicting variable on the same hierarchical level as "GET /pets/{petId}"`,
			create("POST /pets/{id}/toys", "")},
		{"conflicting greedy", "ConflictException", "conflicting variable", create("GET /{path+}", "")},
		{"unknown integration", "BadRequestException", "has no integration nosuch1", create("GET /x", "integrations/nosuch1")},
		{"malformed target", "BadRequestException", "Invalid target", create("GET /x", "lambda/abc")},
		{"jwt", "BadRequestException", "Setting the authorization type to JWT requires a valid JWT authorizer.", func() error {
			_, err := f.gw.CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String("GET /jwt"), AuthorizationType: gwtypes.AuthorizationTypeJwt})
			return err
		}},
		{"unknown api", "NotFoundException", "Invalid API identifier specified", func() error {
			_, err := f.gw.CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String("nosuchapi0"), RouteKey: aws.String("GET /")})
			return err
		}},
		{"unknown route", "NotFoundException", "Invalid Route identifier specified nosuch1", func() error {
			_, err := f.gw.GetRoute(ctx, &gw.GetRouteInput{ApiId: aws.String(api), RouteId: aws.String("nosuch1")})
			return err
		}},
	})
	// The same variable name at the same level, a greedy variable beside a
	// plain one, and a static segment beside a variable are all fine.
	for _, key := range []string{"DELETE /pets/{petId}", "GET /pets/{proxy+}", "GET /pets/dog/{id}", "GET /", "ANY /pets"} {
		f.route(t, api, key, integ)
	}
}

// TestIntegrationValidation covers the private integration's rules: the
// link, the listener or Cloud Map service, and the HTTP_PROXY settings.
func TestIntegrationValidation(t *testing.T) {
	f := start(t)
	n := f.network(t, "10.0")
	lb, albListener := f.balancer(t, n, "alb", elbtypes.LoadBalancerTypeEnumApplication, elbtypes.ProtocolEnumHttp, 80)
	_, nlbListener := f.balancer(t, n, "nlb", elbtypes.LoadBalancerTypeEnumNetwork, elbtypes.ProtocolEnumTcp, 80)
	link := f.link(t, n)
	api := f.api(t, "integrations")

	sdc := f.srv.ServiceDiscovery()
	ns, err := sdc.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("internal")})
	if err != nil {
		t.Fatal(err)
	}
	op, err := sdc.GetOperation(ctx, &sd.GetOperationInput{OperationId: ns.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := sdc.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("orders"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	if err != nil {
		t.Fatal(err)
	}
	cloudMap := aws.ToString(svc.Service.Arn)

	private := func(uri string) gw.CreateIntegrationInput {
		return gw.CreateIntegrationInput{ApiId: aws.String(api), IntegrationType: gwtypes.IntegrationTypeHttpProxy,
			ConnectionType: gwtypes.ConnectionTypeVpcLink, ConnectionId: aws.String(link), IntegrationUri: aws.String(uri),
			IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")}
	}
	// Every kind of target the docs list is accepted.
	for _, uri := range []string{albListener, nlbListener, cloudMap, cloudMap + "?stage=prod&deployment=green"} {
		in := private(uri)
		if _, err := f.gw.CreateIntegration(ctx, &in); err != nil {
			t.Fatalf("CreateIntegration(%s): %v", uri, err)
		}
	}
	tls := private(albListener)
	tls.TlsConfig = &gwtypes.TlsConfigInput{ServerNameToVerify: aws.String("app.internal")}
	out, err := f.gw.CreateIntegration(ctx, &tls)
	if err != nil || aws.ToString(out.TlsConfig.ServerNameToVerify) != "app.internal" {
		t.Fatalf("CreateIntegration(tlsConfig) = %+v, %v", out, err)
	}

	create := func(in gw.CreateIntegrationInput) func() error {
		return func() error { _, err := f.gw.CreateIntegration(ctx, &in); return err }
	}
	with := func(uri string, change func(*gw.CreateIntegrationInput)) func() error {
		in := private(uri)
		change(&in)
		return create(in)
	}
	const badURI = "For VpcLink VPC_LINK, integration uri should be a valid ELB listener ARN or a valid Cloud Map service ARN."
	public := gw.CreateIntegrationInput{ApiId: aws.String(api), IntegrationType: gwtypes.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("GET"), PayloadFormatVersion: aws.String("1.0")}
	publicTo := func(uri string) func() error {
		in := public
		in.IntegrationUri = aws.String(uri)
		return create(in)
	}
	f.failAll(t, []failure{
		{"load balancer not listener", "BadRequestException", badURI, create(private(lb))},
		{"unknown listener", "BadRequestException", badURI, create(private(albListener + "0"))},
		{"url through a link", "BadRequestException", badURI, create(private("http://internal.example.com"))},
		{"unknown cloud map service", "BadRequestException", badURI, create(private("arn:aws:servicediscovery:us-east-1:000000000000:service/srv-nosuchservice000"))},
		{"unknown link", "NotFoundException", "Invalid VpcLink identifier specified nolink", with(albListener, func(in *gw.CreateIntegrationInput) { in.ConnectionId = aws.String("nolink") })},
		{"no link", "BadRequestException", "connectionId is required", with(albListener, func(in *gw.CreateIntegrationInput) { in.ConnectionId = nil })},
		{"no payload version", "BadRequestException", "payloadFormatVersion", with(albListener, func(in *gw.CreateIntegrationInput) { in.PayloadFormatVersion = nil })},
		{"payload 2.0", "BadRequestException", "payloadFormatVersion", with(albListener, func(in *gw.CreateIntegrationInput) { in.PayloadFormatVersion = aws.String("2.0") })},
		{"no method", "BadRequestException", "integrationMethod", with(albListener, func(in *gw.CreateIntegrationInput) { in.IntegrationMethod = nil })},
		{"timeout too short", "BadRequestException", "between 50 and 30000", with(albListener, func(in *gw.CreateIntegrationInput) { in.TimeoutInMillis = aws.Int32(49) })},
		{"timeout too long", "BadRequestException", "between 50 and 30000", with(albListener, func(in *gw.CreateIntegrationInput) { in.TimeoutInMillis = aws.Int32(30001) })},
		{"websocket type", "BadRequestException", "not supported for HTTP APIs", with(albListener, func(in *gw.CreateIntegrationInput) { in.IntegrationType = gwtypes.IntegrationTypeHttp })},
		{"mock", "BadRequestException", "not supported for HTTP APIs", with(albListener, func(in *gw.CreateIntegrationInput) { in.IntegrationType = gwtypes.IntegrationTypeMock })},
		{"bad connection type", "BadRequestException", "Invalid connectionType", with(albListener, func(in *gw.CreateIntegrationInput) { in.ConnectionType = "PRIVATE" })},
		{"reserved header", "BadRequestException", "reserved", with(albListener, func(in *gw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"overwrite:header.X-Forwarded-For": "1.2.3.4"}
		})},
		{"reserved prefix", "BadRequestException", "reserved", with(albListener, func(in *gw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"append:header.x-amzn-trace-id": "x"}
		})},
		{"bad mapping action", "BadRequestException", "append:, overwrite: or remove:", with(albListener, func(in *gw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"set:header.a": "x"}
		})},
		{"bad mapping target", "BadRequestException", "querystring.NAME", with(albListener, func(in *gw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"overwrite:body.a": "x"}
		})},
		{"response status", "BadRequestException", "status code from 200 to 599", with(albListener, func(in *gw.CreateIntegrationInput) {
			in.ResponseParameters = map[string]map[string]string{"99": {"overwrite:statuscode": "200"}}
		})},
		{"response querystring", "BadRequestException", "header.NAME", with(albListener, func(in *gw.CreateIntegrationInput) {
			in.ResponseParameters = map[string]map[string]string{"200": {"overwrite:querystring.a": "x"}}
		})},
		{"public bad url", "BadRequestException", "Invalid HTTP endpoint specified for URI", publicTo("ftp://example.com")},
		{"public no url", "BadRequestException", "Invalid HTTP endpoint specified for URI", publicTo("")},
		{"public with link", "BadRequestException", "connectionId can only be set", func() error {
			in := public
			in.IntegrationUri, in.ConnectionId = aws.String("http://example.com"), aws.String(link)
			return create(in)()
		}},
		{"public tls", "BadRequestException", "tlsConfig applies only", func() error {
			in := public
			in.IntegrationUri, in.TlsConfig = aws.String("https://example.com"), &gwtypes.TlsConfigInput{ServerNameToVerify: aws.String("x")}
			return create(in)()
		}},
		{"unknown integration", "NotFoundException", "Invalid Integration identifier specified nosuch1", func() error {
			_, err := f.gw.GetIntegration(ctx, &gw.GetIntegrationInput{ApiId: aws.String(api), IntegrationId: aws.String("nosuch1")})
			return err
		}},
	})

	// An update is checked as a whole: turning an integration private
	// without a listener fails and leaves it as it was.
	pub, err := f.gw.CreateIntegration(ctx, &gw.CreateIntegrationInput{ApiId: aws.String(api), IntegrationType: gwtypes.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("GET"), IntegrationUri: aws.String("https://example.com"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", badURI, func() error {
		_, err := f.gw.UpdateIntegration(ctx, &gw.UpdateIntegrationInput{ApiId: aws.String(api), IntegrationId: pub.IntegrationId,
			ConnectionType: gwtypes.ConnectionTypeVpcLink, ConnectionId: aws.String(link)})
		return err
	})
	moved, err := f.gw.UpdateIntegration(ctx, &gw.UpdateIntegrationInput{ApiId: aws.String(api), IntegrationId: pub.IntegrationId,
		ConnectionType: gwtypes.ConnectionTypeVpcLink, ConnectionId: aws.String(link), IntegrationUri: aws.String(nlbListener)})
	if err != nil || moved.ConnectionType != gwtypes.ConnectionTypeVpcLink || aws.ToString(moved.ConnectionId) != link {
		t.Fatalf("UpdateIntegration to private = %+v, %v", moved, err)
	}
	back, err := f.gw.UpdateIntegration(ctx, &gw.UpdateIntegrationInput{ApiId: aws.String(api), IntegrationId: pub.IntegrationId,
		ConnectionType: gwtypes.ConnectionTypeInternet, IntegrationUri: aws.String("https://example.com")})
	if err != nil || back.ConnectionId != nil {
		t.Fatalf("UpdateIntegration back to public = %+v, %v", back, err)
	}

	// An integration (without routes) still holds the link.
	f.fails(t, "BadRequestException", "Cannot delete vpc link. Vpc link '"+link+"', is referenced in [ANY:", func() error {
		_, err := f.gw.DeleteVpcLink(ctx, &gw.DeleteVpcLinkInput{VpcLinkId: aws.String(link)})
		return err
	})
}

func TestStageValidation(t *testing.T) {
	f := start(t)
	api := f.api(t, "stages")
	if _, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	create := func(in gw.CreateStageInput) func() error {
		in.ApiId = aws.String(api)
		return func() error { _, err := f.gw.CreateStage(ctx, &in); return err }
	}
	f.failAll(t, []failure{
		{"bad name", "BadRequestException", "Invalid stageName", create(gw.CreateStageInput{StageName: aws.String("my stage")})},
		{"no name", "BadRequestException", "Invalid stageName", create(gw.CreateStageInput{StageName: aws.String("")})},
		{"duplicate", "ConflictException", "Stage prod already exists", create(gw.CreateStageInput{StageName: aws.String("prod")})},
		{"auto with deployment", "BadRequestException", "autoDeploy", create(gw.CreateStageInput{StageName: aws.String("dev"), AutoDeploy: aws.Bool(true), DeploymentId: aws.String("abc123")})},
		{"unknown deployment", "NotFoundException", "Invalid Deployment identifier specified abc123", create(gw.CreateStageInput{StageName: aws.String("dev"), DeploymentId: aws.String("abc123")})},
		{"execution logs", "BadRequestException", "Execution logs are not supported on protocolType HTTP",
			create(gw.CreateStageInput{StageName: aws.String("dev"), DefaultRouteSettings: &gwtypes.RouteSettings{LoggingLevel: gwtypes.LoggingLevelInfo}})},
		{"negative burst", "BadRequestException", "throttlingBurstLimit",
			create(gw.CreateStageInput{StageName: aws.String("dev"), DefaultRouteSettings: &gwtypes.RouteSettings{ThrottlingBurstLimit: aws.Int32(-1)}})},
		{"bad route settings key", "BadRequestException", "Invalid route key",
			create(gw.CreateStageInput{StageName: aws.String("dev"), RouteSettings: map[string]gwtypes.RouteSettings{"pets": {}}})},
		{"bad variable", "BadRequestException", "stage variable",
			create(gw.CreateStageInput{StageName: aws.String("dev"), StageVariables: map[string]string{"url": "has space"}})},
		{"unknown stage", "NotFoundException", "Invalid stage identifier specified dev", func() error {
			_, err := f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("dev"), Description: aws.String("x")})
			return err
		}},
		{"deploy to unknown stage", "NotFoundException", "dev", func() error {
			_, err := f.gw.CreateDeployment(ctx, &gw.CreateDeploymentInput{ApiId: aws.String(api), StageName: aws.String("dev")})
			return err
		}},
	})
}

func TestVpcLinkValidation(t *testing.T) {
	f := start(t)
	n := f.network(t, "10.0")
	other := f.network(t, "10.1")
	create := func(in gw.CreateVpcLinkInput) func() error {
		return func() error { _, err := f.gw.CreateVpcLink(ctx, &in); return err }
	}
	f.failAll(t, []failure{
		{"no name", "BadRequestException", "name is required", func() error {
			return f.raw(t, http.MethodPost, "/v2/vpclinks", map[string]any{"subnetIds": []string{n.subnetA}})
		}},
		{"long name", "BadRequestException", "1 to 128", create(gw.CreateVpcLinkInput{Name: aws.String(string(make([]byte, 129))), SubnetIds: []string{n.subnetA}})},
		{"no subnets", "BadRequestException", "subnetIds is required", create(gw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{}})},
		{"unknown subnet", "BadRequestException", "Subnet 'subnet-0123456789abcdef0' does not exist.",
			create(gw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{n.subnetA, "subnet-0123456789abcdef0"}})},
		{"two VPCs", "BadRequestException", "must all be in one VPC",
			create(gw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{n.subnetA, other.subnetA}})},
		{"unknown group", "BadRequestException", "Security group 'sg-0123456789abcdef0' does not exist in VPC",
			create(gw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{n.subnetA}, SecurityGroupIds: []string{"sg-0123456789abcdef0"}})},
		{"group of another VPC", "BadRequestException", "Security group '" + other.linkSG + "' does not exist in VPC '" + n.vpc + "'",
			create(gw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{n.subnetA}, SecurityGroupIds: []string{other.linkSG}})},
		{"unknown link", "NotFoundException", "Invalid VpcLink identifier specified nolink", func() error {
			_, err := f.gw.GetVpcLink(ctx, &gw.GetVpcLinkInput{VpcLinkId: aws.String("nolink")})
			return err
		}},
		{"delete unknown link", "NotFoundException", "Invalid VpcLink identifier specified nolink", func() error {
			_, err := f.gw.DeleteVpcLink(ctx, &gw.DeleteVpcLinkInput{VpcLinkId: aws.String("nolink")})
			return err
		}},
	})

	// Without groups a link gets its VPC's default group; repeated subnets
	// count once.
	vpcs, err := f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{n.vpc}})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: nil})
	if err != nil {
		t.Fatal(err)
	}
	var defaultGroup string
	for _, g := range groups.SecurityGroups {
		if aws.ToString(g.VpcId) == aws.ToString(vpcs.Vpcs[0].VpcId) && aws.ToString(g.GroupName) == "default" {
			defaultGroup = aws.ToString(g.GroupId)
		}
	}
	l, err := f.gw.CreateVpcLink(ctx, &gw.CreateVpcLinkInput{Name: aws.String("plain"), SubnetIds: []string{n.subnetA, n.subnetA}})
	if err != nil || len(l.SubnetIds) != 1 || len(l.SecurityGroupIds) != 1 || l.SecurityGroupIds[0] != defaultGroup {
		t.Fatalf("CreateVpcLink without groups = %+v, %v (default group %s)", l, err, defaultGroup)
	}
}

// TestUpdateVpcLinkRenamesOnly: the SDK's UpdateVpcLinkInput has no subnet
// or group members at all; a raw PATCH that sends them anyway renames the
// link and leaves its network as it was.
func TestUpdateVpcLinkRenamesOnly(t *testing.T) {
	f := start(t)
	n := f.network(t, "10.0")
	id := f.link(t, n)
	if err := f.raw(t, http.MethodPatch, "/v2/vpclinks/"+id,
		map[string]any{"name": "renamed", "subnetIds": []string{n.subnetB}, "securityGroupIds": []string{n.albSG}}); err != nil {
		t.Fatalf("raw UpdateVpcLink: %v", err)
	}
	got, err := f.gw.GetVpcLink(ctx, &gw.GetVpcLinkInput{VpcLinkId: aws.String(id)})
	if err != nil || aws.ToString(got.Name) != "renamed" || len(got.SubnetIds) != 2 || got.SubnetIds[0] != n.subnetA ||
		len(got.SecurityGroupIds) != 1 || got.SecurityGroupIds[0] != n.linkSG {
		t.Fatalf("after raw PATCH: %+v, %v", got, err)
	}
	f.fails(t, "BadRequestException", "Invalid VPC link name", func() error {
		_, err := f.gw.UpdateVpcLink(ctx, &gw.UpdateVpcLinkInput{VpcLinkId: aws.String(id), Name: aws.String("")})
		return err
	})
}

func TestTags(t *testing.T) {
	f := start(t)
	n := f.network(t, "10.0")
	link := f.link(t, n)
	api := f.api(t, "tagged")
	if _, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("$default"),
		Tags: map[string]string{"tier": "edge"}}); err != nil {
		t.Fatal(err)
	}
	arns := map[string]string{
		"api":   "arn:aws:apigateway:us-east-1::/apis/" + api,
		"stage": "arn:aws:apigateway:us-east-1::/apis/" + api + "/stages/$default",
		"link":  "arn:aws:apigateway:us-east-1::/vpclinks/" + link,
	}
	for what, arn := range arns {
		if _, err := f.gw.TagResource(ctx, &gw.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": what, "keep": "1"}}); err != nil {
			t.Fatalf("TagResource(%s): %v", what, err)
		}
		if _, err := f.gw.UntagResource(ctx, &gw.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"keep"}}); err != nil {
			t.Fatalf("UntagResource(%s): %v", what, err)
		}
		got, err := f.gw.GetTags(ctx, &gw.GetTagsInput{ResourceArn: aws.String(arn)})
		if err != nil || got.Tags["team"] != what || got.Tags["keep"] != "" {
			t.Fatalf("GetTags(%s) = %+v, %v", what, got, err)
		}
	}
	if got := f.stage(t, api, "$default"); got.Tags["tier"] != "edge" || got.Tags["team"] != "stage" {
		t.Fatalf("stage tags = %v", got.Tags)
	}
	f.failAll(t, []failure{
		{"not an apigateway arn", "BadRequestException", "Invalid resource ARN specified", func() error {
			_, err := f.gw.GetTags(ctx, &gw.GetTagsInput{ResourceArn: aws.String("arn:aws:ec2:us-east-1:000000000000:vpc/vpc-1")})
			return err
		}},
		{"unknown api", "NotFoundException", "Invalid API identifier specified", func() error {
			_, err := f.gw.TagResource(ctx, &gw.TagResourceInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apis/nosuchapi0"), Tags: map[string]string{"a": "b"}})
			return err
		}},
		{"unknown link", "NotFoundException", "Invalid VpcLink identifier specified", func() error {
			_, err := f.gw.TagResource(ctx, &gw.TagResourceInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/vpclinks/nolink"), Tags: map[string]string{"a": "b"}})
			return err
		}},
		{"reserved key", "BadRequestException", "aws:", func() error {
			_, err := f.gw.TagResource(ctx, &gw.TagResourceInput{ResourceArn: aws.String(arns["api"]), Tags: map[string]string{"aws:x": "b"}})
			return err
		}},
	})
}

// raw sends a JSON request the SDK would refuse to build, unsigned, and
// returns the AWS error it answers, or nil for a 2xx.
func (f *fixture) raw(t *testing.T, method, path string, body any) error {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, f.srv.URL()+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var msg struct {
		Message string `json:"message"`
	}
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &msg)
	return &smithy.GenericAPIError{Code: resp.Header.Get("X-Amzn-Errortype"), Message: msg.Message}
}
