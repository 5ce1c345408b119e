package provision_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/stack"
)

func (r *gwRig) update(typ string, cur stack.Created, old, new map[string]any) stack.Created {
	r.t.Helper()
	c, err := r.sdk.Update(r.ctx, r.target(typ, "X"), cur, old, new)
	if err != nil {
		r.t.Fatalf("update %s %s: %v", typ, cur.Ref, err)
	}
	return c
}

// with copies p, setting the even arguments to the odd ones that follow
// (nil removes).
func with(p map[string]any, kv ...any) map[string]any {
	out := maps.Clone(p)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestUpdateHTTPAPIInPlace(t *testing.T) {
	r := newGWRig(t)
	h := r.httpAPI()
	api := aws.String(h.api.Ref)

	// Api: renamed, described, its endpoint turned off; then the
	// description dropped again.
	p := with(h.apiP, "Name", "pets-v2", "Description", "all the pets", "DisableExecuteApiEndpoint", "true")
	c := r.update("AWS::ApiGatewayV2::Api", h.api, h.apiP, p)
	if c.Ref != h.api.Ref || c.Attrs["ApiEndpoint"] == "" {
		t.Errorf("Api update answered %+v", c)
	}
	got, err := r.v2.GetApi(r.ctx, &apigatewayv2.GetApiInput{ApiId: api})
	if err != nil || aws.ToString(got.Name) != "pets-v2" || aws.ToString(got.Description) != "all the pets" || !aws.ToBool(got.DisableExecuteApiEndpoint) {
		t.Fatalf("API after update: %+v %v", got, err)
	}
	r.update("AWS::ApiGatewayV2::Api", c, p, with(p, "Description", nil))
	if got, _ := r.v2.GetApi(r.ctx, &apigatewayv2.GetApiInput{ApiId: api}); aws.ToString(got.Description) != "" {
		t.Errorf("dropped description is still %q", aws.ToString(got.Description))
	}
	// CORS on, then dropped: UpdateApi cannot remove it, so the
	// updater calls DeleteCorsConfiguration.
	p = with(p, "Description", nil)
	pc := with(p, "CorsConfiguration", map[string]any{"AllowOrigins": []any{"https://app.example"}, "MaxAge": 60})
	r.update("AWS::ApiGatewayV2::Api", c, p, pc)
	if got, _ := r.v2.GetApi(r.ctx, &apigatewayv2.GetApiInput{ApiId: api}); got.CorsConfiguration == nil || aws.ToInt32(got.CorsConfiguration.MaxAge) != 60 {
		t.Fatalf("CORS after update: %+v", got.CorsConfiguration)
	}
	r.update("AWS::ApiGatewayV2::Api", c, pc, with(pc, "CorsConfiguration", nil))
	if got, _ := r.v2.GetApi(r.ctx, &apigatewayv2.GetApiInput{ApiId: api}); got.CorsConfiguration != nil {
		t.Errorf("dropped CORS configuration is still %+v", got.CorsConfiguration)
	}

	// Integration: a new URI, a timeout, request parameters; then one
	// parameter and the timeout dropped.
	ip := with(h.integP, "IntegrationUri", "http://other.example.com/pets", "TimeoutInMillis", 5000,
		"RequestParameters", map[string]any{"overwrite:header.x-a": "a", "overwrite:header.x-b": "b"})
	r.update("AWS::ApiGatewayV2::Integration", h.integ, h.integP, ip)
	ip2 := with(ip, "TimeoutInMillis", nil, "RequestParameters", map[string]any{"overwrite:header.x-a": "a2"})
	r.update("AWS::ApiGatewayV2::Integration", h.integ, ip, ip2)
	integ, err := r.v2.GetIntegration(r.ctx, &apigatewayv2.GetIntegrationInput{ApiId: api, IntegrationId: aws.String(h.integ.Ref)})
	if err != nil || aws.ToString(integ.IntegrationUri) != "http://other.example.com/pets" || aws.ToInt32(integ.TimeoutInMillis) != 30000 ||
		len(integ.RequestParameters) != 1 || integ.RequestParameters["overwrite:header.x-a"] != "a2" {
		t.Fatalf("integration after updates: uri %s timeout %d params %v (%v)", aws.ToString(integ.IntegrationUri),
			aws.ToInt32(integ.TimeoutInMillis), integ.RequestParameters, err)
	}

	// Route: a new key, then its target dropped.
	rp := with(h.routeP, "RouteKey", "GET /pets/{id}", "AuthorizationType", "AWS_IAM")
	r.update("AWS::ApiGatewayV2::Route", h.route, h.routeP, rp)
	r.update("AWS::ApiGatewayV2::Route", h.route, rp, with(rp, "Target", nil, "AuthorizationType", nil))
	route, err := r.v2.GetRoute(r.ctx, &apigatewayv2.GetRouteInput{ApiId: api, RouteId: aws.String(h.route.Ref)})
	if err != nil || aws.ToString(route.RouteKey) != "GET /pets/{id}" || aws.ToString(route.Target) != "" || route.AuthorizationType != "NONE" {
		t.Fatalf("route after updates: %+v %v", route, err)
	}

	// Stage: variables, throttling, route settings and access logs on,
	// then mostly off again, and a new deployment.
	sp := with(h.stageP, "Description", "production", "StageVariables", map[string]any{"color": "blue", "size": "l"},
		"DefaultRouteSettings", map[string]any{"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5},
		"RouteSettings", map[string]any{"GET /pets": map[string]any{"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 1}},
		"AccessLogSettings", map[string]any{"DestinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:access", "Format": "$context.requestId"})
	r.update("AWS::ApiGatewayV2::Stage", h.stage, h.stageP, sp)
	st, err := r.v2.GetStage(r.ctx, &apigatewayv2.GetStageInput{ApiId: api, StageName: aws.String("prod")})
	if err != nil || st.StageVariables["size"] != "l" || st.AccessLogSettings == nil || len(st.RouteSettings) != 1 ||
		st.DefaultRouteSettings == nil || aws.ToInt32(st.DefaultRouteSettings.ThrottlingBurstLimit) != 10 {
		t.Fatalf("stage after update: %+v %v", st, err)
	}
	d2p := map[string]any{"ApiId": h.api.Ref}
	d2 := r.create("AWS::ApiGatewayV2::Deployment", "Deployment2", d2p)
	sp2 := with(sp, "Description", nil, "StageVariables", map[string]any{"color": "green"}, "DefaultRouteSettings", nil,
		"RouteSettings", nil, "AccessLogSettings", nil, "DeploymentId", d2.Ref)
	r.update("AWS::ApiGatewayV2::Stage", h.stage, sp, sp2)
	st, err = r.v2.GetStage(r.ctx, &apigatewayv2.GetStageInput{ApiId: api, StageName: aws.String("prod")})
	if err != nil || aws.ToString(st.Description) != "" || len(st.StageVariables) != 1 || st.StageVariables["color"] != "green" ||
		st.AccessLogSettings != nil || len(st.RouteSettings) != 0 || aws.ToString(st.DeploymentId) != d2.Ref ||
		(st.DefaultRouteSettings != nil && aws.ToInt32(st.DefaultRouteSettings.ThrottlingBurstLimit) != 0) {
		t.Fatalf("stage after the second update: %+v %v", st, err)
	}
	// Stage and API changes done, the old deployment can go.
	r.del("AWS::ApiGatewayV2::Deployment", h.deploy, h.deployP)

	// Deployment: a description cannot change here, and says so.
	_, err = r.sdk.Update(r.ctx, r.target("AWS::ApiGatewayV2::Deployment", "D"), d2, d2p, with(d2p, "Description", "x"))
	if err == nil || !strings.Contains(err.Error(), "Description") {
		t.Errorf("changing a deployment's description: %v", err)
	}
	// Pointing a stage at a deployment by StageName.
	d3 := r.create("AWS::ApiGatewayV2::Deployment", "Deployment3", d2p)
	r.update("AWS::ApiGatewayV2::Deployment", d3, d2p, with(d2p, "StageName", "prod"))
	if st, _ := r.v2.GetStage(r.ctx, &apigatewayv2.GetStageInput{ApiId: api, StageName: aws.String("prod")}); aws.ToString(st.DeploymentId) != d3.Ref {
		t.Errorf("stage serves %s after the deployment named it, want %s", aws.ToString(st.DeploymentId), d3.Ref)
	}

	// A create-only or unknown property is refused by name.
	_, err = r.sdk.Update(r.ctx, r.target("AWS::ApiGatewayV2::Api", "Api"), c, p, with(p, "BasePath", "ignore"))
	if err == nil || !strings.Contains(err.Error(), "BasePath") {
		t.Errorf("BasePath: %v", err)
	}
}

func TestUpdateVpcLinkV2Name(t *testing.T) {
	r := newGWRig(t, servertestLinksAtOnce()...)
	_, subnets := r.nlb()
	p := map[string]any{"Name": "one", "SubnetIds": []any{subnets[0], subnets[1]}}
	c := r.create("AWS::ApiGatewayV2::VpcLink", "Link", p)
	r.update("AWS::ApiGatewayV2::VpcLink", c, p, with(p, "Name", "two"))
	got, err := r.v2.GetVpcLink(r.ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: aws.String(c.Ref)})
	if err != nil || aws.ToString(got.Name) != "two" {
		t.Fatalf("link after rename: %+v %v", got, err)
	}
	r.del("AWS::ApiGatewayV2::VpcLink", c, p)
}

func TestUpdateRESTAPIInPlace(t *testing.T) {
	r := newGWRig(t)
	x := r.restAPI()
	api := aws.String(x.api.Ref)

	// RestApi: name, description, binary types, endpoint type.
	p := with(x.apiP, "Name", "pets-v2", "Description", "all the pets", "BinaryMediaTypes", []any{"image/png", "application/octet-stream"},
		"EndpointConfiguration", map[string]any{"Types": []any{"REGIONAL"}}, "ApiKeySourceType", "AUTHORIZER")
	r.update("AWS::ApiGateway::RestApi", x.api, x.apiP, p)
	p2 := with(p, "BinaryMediaTypes", []any{"image/png"}, "Description", nil, "ApiKeySourceType", nil)
	r.update("AWS::ApiGateway::RestApi", x.api, p, p2)
	got, err := r.gw.GetRestApi(r.ctx, &apigateway.GetRestApiInput{RestApiId: api})
	if err != nil || aws.ToString(got.Name) != "pets-v2" || aws.ToString(got.Description) != "" || len(got.BinaryMediaTypes) != 1 ||
		got.BinaryMediaTypes[0] != "image/png" || got.EndpointConfiguration == nil || got.EndpointConfiguration.Types[0] != "REGIONAL" ||
		got.ApiKeySource != "HEADER" {
		t.Fatalf("REST API after updates: %+v %v", got, err)
	}

	_, err = r.sdk.Update(r.ctx, r.target("AWS::ApiGateway::RestApi", "Api"), x.api, p2,
		with(p2, "EndpointConfiguration", map[string]any{"Types": []any{"REGIONAL"}, "IpAddressType": "dualstack"}))
	if err == nil || !strings.Contains(err.Error(), "EndpointConfiguration.IpAddressType") {
		t.Errorf("changing the endpoint's address type: %v", err)
	}

	// Resource: nothing of it changes in place.
	if _, err := r.sdk.Update(r.ctx, r.target("AWS::ApiGateway::Resource", "R"), x.res, x.resP, with(x.resP, "PathPart", "cats")); err == nil {
		t.Error("a resource's PathPart changed in place")
	}

	// Method: a request parameter, a method response, an HTTP integration
	// instead of the mock.
	mp := with(x.methodP, "RequestParameters", map[string]any{"method.request.querystring.q": false},
		"MethodResponses", []any{map[string]any{"StatusCode": "200"}},
		"Integration", map[string]any{"Type": "HTTP_PROXY", "IntegrationHttpMethod": "GET", "Uri": "http://backend.example.com/pets",
			"TimeoutInMillis": 1000})
	c := r.update("AWS::ApiGateway::Method", x.method, x.methodP, mp)
	if c.Ref != x.method.Ref {
		t.Errorf("method Ref %q after update, was %q", c.Ref, x.method.Ref)
	}
	m, err := r.gw.GetMethod(r.ctx, &apigateway.GetMethodInput{RestApiId: api, ResourceId: aws.String(x.res.Ref), HttpMethod: aws.String("GET")})
	if err != nil || len(m.RequestParameters) != 1 || m.MethodResponses["200"].StatusCode == nil || m.MethodIntegration == nil ||
		m.MethodIntegration.Type != "HTTP_PROXY" || m.MethodIntegration.TimeoutInMillis != 1000 {
		t.Fatalf("method after update: %+v %v", m, err)
	}

	// Deployment: its description, and its StageDescription's variables
	// and stage-wide throttling, reach the stage it made.
	dp := with(x.deployP, "Description", "second", "StageDescription", map[string]any{"Variables": map[string]any{"color": "blue"},
		"ThrottlingRateLimit": 7, "Description": "the live stage"})
	r.update("AWS::ApiGateway::Deployment", x.deploy, x.deployP, dp)
	d, err := r.gw.GetDeployment(r.ctx, &apigateway.GetDeploymentInput{RestApiId: api, DeploymentId: aws.String(x.deploy.Ref)})
	if err != nil || aws.ToString(d.Description) != "second" {
		t.Fatalf("deployment after update: %+v %v", d, err)
	}
	live, err := r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("live")})
	if err != nil || live.Variables["color"] != "blue" || aws.ToString(live.Description) != "the live stage" ||
		live.MethodSettings["*/*"].ThrottlingRateLimit != 7 {
		t.Fatalf("live stage after the deployment's update: %+v %v", live, err)
	}
	dp2 := with(dp, "StageDescription", map[string]any{"Description": "the live stage"})
	r.update("AWS::ApiGateway::Deployment", x.deploy, dp, dp2)
	live, _ = r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("live")})
	if len(live.Variables) != 0 || len(live.MethodSettings) != 0 {
		t.Errorf("live stage kept %v %v after the StageDescription dropped them", live.Variables, live.MethodSettings)
	}

	// Stage: a new deployment, variables, method settings, access logs;
	// then most of it dropped.
	next := r.create("AWS::ApiGateway::Deployment", "Next", map[string]any{"RestApiId": x.api.Ref})
	sp := with(x.stageP, "DeploymentId", next.Ref, "Description", "prod", "Variables", map[string]any{"a": "1", "b": "2"},
		"MethodSettings", []any{map[string]any{"ResourcePath": "/~1pets", "HttpMethod": "GET", "ThrottlingBurstLimit": 3}},
		"AccessLogSetting", map[string]any{"DestinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:rest", "Format": "$context.requestId"})
	r.update("AWS::ApiGateway::Stage", x.stage, x.stageP, sp)
	prod, err := r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("prod")})
	if err != nil || aws.ToString(prod.DeploymentId) != next.Ref || len(prod.Variables) != 2 || prod.MethodSettings["pets/GET"].ThrottlingBurstLimit != 3 ||
		prod.AccessLogSettings == nil {
		t.Fatalf("prod after update: %+v %v", prod, err)
	}
	sp2 := with(sp, "Variables", map[string]any{"a": "1"}, "MethodSettings", nil, "AccessLogSetting", nil, "Description", nil)
	r.update("AWS::ApiGateway::Stage", x.stage, sp, sp2)
	prod, _ = r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("prod")})
	if len(prod.Variables) != 1 || len(prod.MethodSettings) != 0 || prod.AccessLogSettings != nil || aws.ToString(prod.Description) != "" {
		t.Fatalf("prod after the second update: %+v", prod)
	}
	if _, err := r.sdk.Update(r.ctx, r.target("AWS::ApiGateway::Stage", "S"), x.stage, sp2, with(sp2, "CacheClusterEnabled", true)); err == nil ||
		!strings.Contains(err.Error(), "CacheClusterEnabled") {
		t.Errorf("CacheClusterEnabled: %v", err)
	}
}

func TestUpdateVpcLinkV1(t *testing.T) {
	r := newGWRig(t, servertestLinksAtOnce()...)
	nlb, _ := r.nlb()
	p := map[string]any{"Name": "one", "TargetArns": []any{nlb}}
	c := r.create("AWS::ApiGateway::VpcLink", "Link", p)
	r.update("AWS::ApiGateway::VpcLink", c, p, with(p, "Name", "two", "Description", "the backend"))
	got, err := r.gw.GetVpcLink(r.ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(c.Ref)})
	if err != nil || aws.ToString(got.Name) != "two" || aws.ToString(got.Description) != "the backend" {
		t.Fatalf("link after update: %+v %v", got, err)
	}
	r.del("AWS::ApiGateway::VpcLink", c, p)
}

// A deployment given another StageName serves that stage, made with its
// StageDescription, and the stage it made before goes.
func TestUpdateRESTDeploymentStageName(t *testing.T) {
	r := newGWRig(t)
	x := r.restAPI()
	api := aws.String(x.api.Ref)
	p := with(x.deployP, "StageName", "canary", "StageDescription", map[string]any{"Variables": map[string]any{"v": "2"}, "ThrottlingBurstLimit": 9})
	r.update("AWS::ApiGateway::Deployment", x.deploy, x.deployP, p)
	st, err := r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("canary")})
	if err != nil || aws.ToString(st.DeploymentId) != x.deploy.Ref || st.Variables["v"] != "2" || st.MethodSettings["*/*"].ThrottlingBurstLimit != 9 {
		t.Fatalf("canary after the move: %+v %v", st, err)
	}
	_, err = r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("live")})
	wantGoneV1(t, "the stage the deployment made before", err)
	// Moving it onto a stage that exists repoints that stage.
	other := r.create("AWS::ApiGateway::Deployment", "Other", map[string]any{"RestApiId": x.api.Ref})
	r.update("AWS::ApiGateway::Stage", x.stage, x.stageP, with(x.stageP, "DeploymentId", other.Ref))
	r.update("AWS::ApiGateway::Deployment", x.deploy, p, with(p, "StageName", "prod", "StageDescription", nil))
	st, err = r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("prod")})
	if err != nil || aws.ToString(st.DeploymentId) != x.deploy.Ref {
		t.Fatalf("prod after the move: %+v %v", st, err)
	}
	_, err = r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("canary")})
	wantGoneV1(t, "canary, left", err)
}

// An integration's ResponseParameters, in CloudFormation's form, reach the
// API in its form, and a status code the template drops goes.
func TestIntegrationResponseParameters(t *testing.T) {
	r := newGWRig(t)
	h := r.httpAPI()
	mapping := func(dest, src string) map[string]any {
		return map[string]any{"ResponseParameters": []any{map[string]any{"Destination": dest, "Source": src}}}
	}
	p := with(h.integP, "ResponseParameters", map[string]any{"200": mapping("overwrite:header.x-ok", "yes"), "404": mapping("overwrite:statuscode", "410")})
	c := r.create("AWS::ApiGatewayV2::Integration", "Mapped", p)
	get := func() map[string]map[string]string {
		got, err := r.v2.GetIntegration(r.ctx, &apigatewayv2.GetIntegrationInput{ApiId: aws.String(h.api.Ref), IntegrationId: aws.String(c.Ref)})
		if err != nil {
			t.Fatal(err)
		}
		return got.ResponseParameters
	}
	if got := get(); got["200"]["overwrite:header.x-ok"] != "yes" || got["404"]["overwrite:statuscode"] != "410" {
		t.Fatalf("response parameters after create: %v", got)
	}
	r.update("AWS::ApiGatewayV2::Integration", c, p, with(p, "ResponseParameters", map[string]any{"200": mapping("overwrite:header.x-ok", "sure")}))
	if got := get(); len(got) != 1 || got["200"]["overwrite:header.x-ok"] != "sure" {
		t.Fatalf("response parameters after update: %v", got)
	}
}

// An update the service refuses changes nothing, and rolling it back (the
// update from what was asked to what was) succeeds though the method
// settings it would remove were never made.
func TestRollBackRefusedStageUpdate(t *testing.T) {
	r := newGWRig(t)
	x := r.restAPI()
	bad := with(x.stageP, "MethodSettings", []any{map[string]any{"ResourcePath": "/~1pets", "HttpMethod": "GET", "ThrottlingRateLimit": 1}},
		"AccessLogSetting", map[string]any{"DestinationArn": "not an arn", "Format": "$context.requestId"})
	if _, err := r.sdk.Update(r.ctx, r.target("AWS::ApiGateway::Stage", "Stage"), x.stage, x.stageP, bad); err == nil {
		t.Fatal("a stage logging to no destination was updated")
	}
	r.update("AWS::ApiGateway::Stage", x.stage, bad, x.stageP)
	st, err := r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: aws.String(x.api.Ref), StageName: aws.String("prod")})
	if err != nil || len(st.MethodSettings) != 0 || st.AccessLogSettings != nil {
		t.Fatalf("stage after the rollback: %+v %v", st, err)
	}
}
