package apigatewayv2_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

// get sends GET path to the API's invoke URL.
func (f *fixture) get(t *testing.T, apiID, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL()+path, nil)
	req.Host = apiID + ".execute-api.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Quick create makes, with the API, an integration for its target, a
// route to it and a $default stage that deploys itself: the API serves at
// once, and UpdateApi re-aims the managed integration and route.
func TestQuickCreate(t *testing.T) {
	f := start(t)
	backend := func(name string) *httptest.Server {
		b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name+" "+r.Method+" "+r.URL.Path)
		}))
		t.Cleanup(b.Close)
		return b
	}
	one, two := backend("one"), backend("two")

	api, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("quick"), ProtocolType: gwtypes.ProtocolTypeHttp,
		Target: aws.String(one.URL)})
	if err != nil {
		t.Fatal(err)
	}
	id := api.ApiId
	integs, err := f.gw.GetIntegrations(ctx, &gw.GetIntegrationsInput{ApiId: id})
	if err != nil || len(integs.Items) != 1 {
		t.Fatalf("GetIntegrations = %+v, %v", integs, err)
	}
	in := integs.Items[0]
	if in.IntegrationType != gwtypes.IntegrationTypeHttpProxy || aws.ToString(in.IntegrationUri) != one.URL ||
		aws.ToString(in.IntegrationMethod) != "ANY" || aws.ToString(in.PayloadFormatVersion) != "1.0" || !aws.ToBool(in.ApiGatewayManaged) {
		t.Fatalf("integration = %+v", in)
	}
	routes, err := f.gw.GetRoutes(ctx, &gw.GetRoutesInput{ApiId: id})
	if err != nil || len(routes.Items) != 1 {
		t.Fatalf("GetRoutes = %+v, %v", routes, err)
	}
	rt := routes.Items[0]
	if aws.ToString(rt.RouteKey) != "$default" || aws.ToString(rt.Target) != "integrations/"+aws.ToString(in.IntegrationId) || !aws.ToBool(rt.ApiGatewayManaged) {
		t.Fatalf("route = %+v", rt)
	}
	stages, err := f.gw.GetStages(ctx, &gw.GetStagesInput{ApiId: id})
	if err != nil || len(stages.Items) != 1 {
		t.Fatalf("GetStages = %+v, %v", stages, err)
	}
	st := stages.Items[0]
	if aws.ToString(st.StageName) != "$default" || !aws.ToBool(st.AutoDeploy) || aws.ToString(st.DeploymentId) == "" ||
		!aws.ToBool(st.ApiGatewayManaged) {
		t.Fatalf("stage = %+v", st)
	}
	// The $default route sends the full request path on, after the
	// target URL's own, as AWS documents for the $default route.
	if code, body := f.get(t, aws.ToString(id), "/any/path"); code != 200 || body != "one GET /any/path" {
		t.Fatalf("GET /any/path = %d %q", code, body)
	}

	// The managed integration and route cannot be deleted, nor the route
	// re-keyed by UpdateRoute; the integration may be updated, the
	// route's other members changed. Each refusal changes nothing.
	f.fails(t, "BadRequestException", "managed by API Gateway", func() error {
		_, err := f.gw.DeleteIntegration(ctx, &gw.DeleteIntegrationInput{ApiId: id, IntegrationId: in.IntegrationId})
		return err
	})
	f.fails(t, "BadRequestException", "managed by API Gateway", func() error {
		_, err := f.gw.DeleteRoute(ctx, &gw.DeleteRouteInput{ApiId: id, RouteId: rt.RouteId})
		return err
	})
	f.fails(t, "BadRequestException", "managed by API Gateway", func() error {
		_, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: id, RouteId: rt.RouteId, RouteKey: aws.String("GET /elsewhere")})
		return err
	})
	if _, err := f.gw.UpdateIntegration(ctx, &gw.UpdateIntegrationInput{ApiId: id, IntegrationId: in.IntegrationId, TimeoutInMillis: aws.Int32(5000)}); err != nil {
		t.Fatalf("UpdateIntegration of the managed integration: %v", err)
	}
	if _, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: id, RouteId: rt.RouteId, RouteKey: aws.String("$default"), OperationName: aws.String("all")}); err != nil {
		t.Fatalf("UpdateRoute of the managed route's other members: %v", err)
	}
	if code, body := f.get(t, aws.ToString(id), "/still/served"); code != 200 || body != "one GET /still/served" {
		t.Fatalf("GET /still/served after the refusals = %d %q", code, body)
	}

	// UpdateApi re-aims the managed integration and re-keys the route;
	// the stage deploys the change.
	if _, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: id, Target: aws.String(two.URL), RouteKey: aws.String("GET /two")}); err != nil {
		t.Fatal(err)
	}
	if code, body := f.get(t, aws.ToString(id), "/two"); code != 200 || body != "two GET /" {
		t.Fatalf("GET /two = %d %q", code, body)
	}
	if code, _ := f.get(t, aws.ToString(id), "/any/path"); code != 404 {
		t.Fatalf("GET /any/path after re-keying = %d, want 404", code)
	}
	got, err := f.gw.GetRoute(ctx, &gw.GetRouteInput{ApiId: id, RouteId: rt.RouteId})
	if err != nil || aws.ToString(got.RouteKey) != "GET /two" {
		t.Fatalf("GetRoute = %+v, %v", got, err)
	}

	// A Lambda target is an AWS_PROXY integration in payload format 2.0,
	// keeping credentialsArn; routeKey names the route.
	fn := "arn:aws:lambda:us-east-1:000000000000:function:hello"
	role := "arn:aws:iam::000000000000:role/apigateway"
	lam, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("fn"), ProtocolType: gwtypes.ProtocolTypeHttp,
		Target: aws.String(fn), RouteKey: aws.String("POST /hello"), CredentialsArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	integs, err = f.gw.GetIntegrations(ctx, &gw.GetIntegrationsInput{ApiId: lam.ApiId})
	if err != nil || len(integs.Items) != 1 {
		t.Fatalf("GetIntegrations = %+v, %v", integs, err)
	}
	in = integs.Items[0]
	if in.IntegrationType != gwtypes.IntegrationTypeAwsProxy || aws.ToString(in.IntegrationUri) != fn ||
		aws.ToString(in.PayloadFormatVersion) != "2.0" || aws.ToString(in.CredentialsArn) != role {
		t.Fatalf("integration = %+v", in)
	}
	routes, err = f.gw.GetRoutes(ctx, &gw.GetRoutesInput{ApiId: lam.ApiId})
	if err != nil || len(routes.Items) != 1 || aws.ToString(routes.Items[0].RouteKey) != "POST /hello" {
		t.Fatalf("GetRoutes = %+v, %v", routes, err)
	}

	// Another function of the same kind changes the URI alone: a payload
	// format set on the integration stays.
	if _, err := f.gw.UpdateIntegration(ctx, &gw.UpdateIntegrationInput{ApiId: lam.ApiId, IntegrationId: in.IntegrationId, PayloadFormatVersion: aws.String("1.0")}); err != nil {
		t.Fatal(err)
	}
	other := "arn:aws:lambda:us-east-1:000000000000:function:other"
	if _, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: lam.ApiId, Target: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	re, err := f.gw.GetIntegration(ctx, &gw.GetIntegrationInput{ApiId: lam.ApiId, IntegrationId: in.IntegrationId})
	if err != nil || aws.ToString(re.IntegrationUri) != other || aws.ToString(re.PayloadFormatVersion) != "1.0" {
		t.Fatalf("integration after a new target of its kind = %+v, %v", re, err)
	}
}

// Bad quick-create members are refused before anything is written.
func TestQuickCreateRefusals(t *testing.T) {
	f := start(t)
	http := gwtypes.ProtocolTypeHttp
	f.fails(t, "BadRequestException", "need a target", func() error {
		_, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("x"), ProtocolType: http, RouteKey: aws.String("GET /a")})
		return err
	})
	f.fails(t, "BadRequestException", "need a target", func() error {
		_, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("x"), ProtocolType: http, CredentialsArn: aws.String("arn:aws:iam::000000000000:role/r")})
		return err
	})
	f.fails(t, "BadRequestException", "Invalid HTTP endpoint specified for URI", func() error {
		_, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("x"), ProtocolType: http, Target: aws.String("ftp://backend")})
		return err
	})
	f.fails(t, "BadRequestException", "Invalid integration URI specified", func() error {
		_, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("x"), ProtocolType: http, Target: aws.String("arn:aws:sqs:us-east-1:000000000000:q")})
		return err
	})
	f.fails(t, "BadRequestException", "", func() error {
		_, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("x"), ProtocolType: http, Target: aws.String("http://backend"), RouteKey: aws.String("GET nopath")})
		return err
	})
	f.fails(t, "BadRequestException", "WEBSOCKET", func() error {
		_, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("x"), ProtocolType: gwtypes.ProtocolTypeWebsocket, Target: aws.String("http://backend")})
		return err
	})

	plain := f.api(t, "plain")
	f.fails(t, "BadRequestException", "was not made by quick create", func() error {
		_, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: aws.String(plain), Target: aws.String("http://backend")})
		return err
	})
	api, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("q"), ProtocolType: http, Target: aws.String("http://backend")})
	if err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", "cannot be removed", func() error {
		_, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: api.ApiId, Target: aws.String("")})
		return err
	})
	f.fails(t, "BadRequestException", "Invalid HTTP endpoint specified for URI", func() error {
		_, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: api.ApiId, Name: aws.String("renamed"), Target: aws.String("nowhere")})
		return err
	})
}
