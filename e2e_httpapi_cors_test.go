package gatehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

// corsBackend answers every request with CORS headers of its own, which
// an API with a CORS configuration must not pass on, and counts the
// requests it gets.
func corsBackend(t *testing.T) (string, *atomic.Int32) {
	var hits atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "https://backend.example")
		w.Header().Set("Access-Control-Allow-Methods", "DELETE")
		w.Header().Set("X-Backend", "b1")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v2Seen{Backend: "cors", Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header})
	}))
	t.Cleanup(s.Close)
	return s.URL, &hits
}

// publicAPI makes an HTTP API whose $default stage deploys itself, with
// one public integration to uri that each route key leads to.
func publicAPI(t *testing.T, gw *apigatewayv2.Client, in *apigatewayv2.CreateIntegrationInput, cors *v2types.Cors, routeKeys ...string) string {
	t.Helper()
	ctx := context.Background()
	a, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("web"), ProtocolType: v2types.ProtocolTypeHttp, CorsConfiguration: cors})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		StageVariables: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	in.ApiId, in.IntegrationType, in.PayloadFormatVersion = a.ApiId, v2types.IntegrationTypeHttpProxy, aws.String("1.0")
	if in.IntegrationMethod == nil {
		in.IntegrationMethod = aws.String("ANY")
	}
	integ, err := gw.CreateIntegration(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range routeKeys {
		if _, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String(key),
			Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(a.ApiId)
}

func preflightHeaders(origin, method, headers string) http.Header {
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return h
}

// corsHeaders are the Access-Control-* headers of an answer.
func corsHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, vs := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = strings.Join(vs, "|")
		}
	}
	return out
}

func wantHeaders(t *testing.T, what string, got http.Header, want map[string]string) {
	t.Helper()
	g := corsHeaders(got)
	if len(g) != len(want) {
		t.Errorf("%s: CORS headers %v, want %v", what, g, want)
		return
	}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("%s: %s = %q, want %q (all: %v)", what, k, g[k], v, g)
		}
	}
}

// TestHTTPAPICors follows AWS's "Configuring CORS for an HTTP API": the
// gateway answers a preflight no route takes, 204 with the configured
// headers for an allowed origin and none for another, without calling
// the integration; a route that takes OPTIONS (ANY here) gets the
// preflight; every answer to an allowed origin carries the configured
// headers in place of the backend's own.
func TestHTTPAPICors(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	n := &v2Net{t: t, srv: srv}
	ctx := context.Background()
	uri, hits := corsBackend(t)
	const app = "https://app.example"
	id := publicAPI(t, gw, &apigatewayv2.CreateIntegrationInput{IntegrationUri: aws.String(uri + "/")}, &v2types.Cors{
		AllowOrigins: []string{app}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"Content-Type", "X-Trace"},
		ExposeHeaders: []string{"X-Backend"}, MaxAge: aws.Int32(300), AllowCredentials: aws.Bool(true),
	}, "GET /pets", "ANY /any/{proxy+}")

	got, err := gw.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.CorsConfiguration; c == nil || strings.Join(c.AllowHeaders, ",") != "content-type,x-trace" || c.ExposeHeaders[0] != "x-backend" ||
		!aws.ToBool(c.AllowCredentials) || aws.ToInt32(c.MaxAge) != 300 {
		t.Fatalf("corsConfiguration %+v: header names are stored in lower case", got.CorsConfiguration)
	}

	preflight := map[string]string{
		"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true", "Access-Control-Allow-Methods": "GET,POST",
		"Access-Control-Allow-Headers": "content-type,x-trace", "Access-Control-Max-Age": "300",
	}
	a := n.call(id, "OPTIONS", "/pets", preflightHeaders(app, "POST", "content-type"))
	if a.status != http.StatusNoContent || a.body != "" || a.header.Get("Apigw-Requestid") == "" {
		t.Fatalf("preflight: %d %q %v", a.status, a.body, a.header)
	}
	wantHeaders(t, "preflight", a.header, preflight)

	a = n.call(id, "OPTIONS", "/no/such/route", preflightHeaders(app, "GET", ""))
	if a.status != http.StatusNoContent {
		t.Fatalf("preflight for an unknown route: %d %s", a.status, a.body)
	}
	wantHeaders(t, "preflight for an unknown route", a.header, preflight)

	a = n.call(id, "OPTIONS", "/pets", preflightHeaders("https://other.example", "GET", ""))
	if a.status != http.StatusNoContent {
		t.Fatalf("preflight from another origin: %d", a.status)
	}
	wantHeaders(t, "preflight from another origin", a.header, nil)
	if hits.Load() != 0 {
		t.Fatalf("the backend got %d preflights the gateway answers", hits.Load())
	}

	// ANY takes OPTIONS: the preflight is the route's, and its answer
	// carries the API's preflight headers, not the backend's.
	a = n.call(id, "OPTIONS", "/any/x", preflightHeaders(app, "GET", ""))
	if a.status != http.StatusOK || a.seen.Method != "OPTIONS" || hits.Load() != 1 {
		t.Fatalf("preflight to an ANY route: %d %+v, %d calls", a.status, a.seen, hits.Load())
	}
	wantHeaders(t, "preflight to an ANY route", a.header, preflight)

	// A route behind a JWT authorizer: the gateway's preflight answer
	// runs no authorizer (this one's issuer cannot be reached, so it
	// would refuse), while the request itself is refused with the CORS
	// headers a browser needs to read the refusal.
	authz, err := gw.CreateAuthorizer(ctx, &apigatewayv2.CreateAuthorizerInput{ApiId: aws.String(id), Name: aws.String("jwt"),
		AuthorizerType: v2types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &v2types.JWTConfiguration{Issuer: aws.String("http://127.0.0.1:1/issuer"), Audience: []string{"app"}}})
	if err != nil {
		t.Fatal(err)
	}
	integs, err := gw.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(id), RouteKey: aws.String("GET /secure"),
		AuthorizationType: v2types.AuthorizationTypeJwt, AuthorizerId: authz.AuthorizerId,
		Target: aws.String("integrations/" + aws.ToString(integs.Items[0].IntegrationId))}); err != nil {
		t.Fatal(err)
	}
	if a = n.call(id, "OPTIONS", "/secure", preflightHeaders(app, "GET", "authorization")); a.status != http.StatusNoContent {
		t.Fatalf("preflight of a JWT route: %d %s", a.status, a.body)
	}
	wantHeaders(t, "preflight of a JWT route", a.header, preflight)
	if a = n.call(id, "GET", "/secure", http.Header{"Origin": {app}}); a.status != http.StatusUnauthorized || a.header.Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("GET of a JWT route without a token: %d %v", a.status, a.header)
	}
	if hits.Load() != 1 {
		t.Fatalf("the backend got %d calls, want only the ANY route's", hits.Load())
	}

	a = n.call(id, "GET", "/pets", http.Header{"Origin": {app}})
	if a.status != http.StatusOK || a.header.Get("X-Backend") != "b1" {
		t.Fatalf("GET: %d %v", a.status, a.header)
	}
	wantHeaders(t, "GET from the allowed origin", a.header, map[string]string{
		"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "x-backend",
	})
	a = n.call(id, "GET", "/pets", http.Header{"Origin": {"https://other.example"}})
	wantHeaders(t, "GET from another origin", a.header, nil)
	a = n.call(id, "GET", "/pets", nil)
	wantHeaders(t, "GET without an origin", a.header, nil)
	// OPTIONS without Access-Control-Request-Method is no preflight.
	if a = n.call(id, "OPTIONS", "/pets", http.Header{"Origin": {app}}); a.status != http.StatusNotFound {
		t.Fatalf("OPTIONS that is no preflight: %d", a.status)
	}

	// Credentials with a wildcard origin: AWS's refusal, nothing changed.
	_, err = gw.UpdateApi(ctx, &apigatewayv2.UpdateApiInput{ApiId: aws.String(id), CorsConfiguration: &v2types.Cors{
		AllowOrigins: []string{"*"}, AllowCredentials: aws.Bool(true)}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "BadRequestException" || ae.ErrorMessage() != "allow-credentials is not supported if 'allow-origin' is *" {
		t.Fatalf("credentials with a wildcard origin: %v", err)
	}
	if a = n.call(id, "OPTIONS", "/pets", preflightHeaders(app, "GET", "")); corsHeaders(a.header)["Access-Control-Max-Age"] != "300" {
		t.Fatalf("a refused update changed the configuration: %v", a.header)
	}

	// Wildcards: any origin, method and header.
	if _, err = gw.UpdateApi(ctx, &apigatewayv2.UpdateApiInput{ApiId: aws.String(id), CorsConfiguration: &v2types.Cors{
		AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	a = n.call(id, "OPTIONS", "/pets", preflightHeaders("https://anyone.example", "PUT", "x-custom"))
	wantHeaders(t, "wildcard preflight", a.header, map[string]string{
		"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "*", "Access-Control-Allow-Headers": "*",
	})
	a = n.call(id, "GET", "/pets", http.Header{"Origin": {"https://anyone.example"}})
	wantHeaders(t, "wildcard GET", a.header, map[string]string{"Access-Control-Allow-Origin": "*"})

	// Without a configuration, preflights are routed like any request
	// and the backend's headers pass.
	if _, err = gw.DeleteCorsConfiguration(ctx, &apigatewayv2.DeleteCorsConfigurationInput{ApiId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if got, _ = gw.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(id)}); got.CorsConfiguration != nil {
		t.Fatalf("corsConfiguration after DeleteCorsConfiguration: %+v", got.CorsConfiguration)
	}
	if a = n.call(id, "OPTIONS", "/pets", preflightHeaders(app, "GET", "")); a.status != http.StatusNotFound {
		t.Fatalf("preflight without CORS: %d", a.status)
	}
	a = n.call(id, "GET", "/pets", http.Header{"Origin": {app}})
	wantHeaders(t, "GET without CORS", a.header, map[string]string{
		"Access-Control-Allow-Origin": "https://backend.example", "Access-Control-Allow-Methods": "DELETE",
	})
	if _, err = gw.DeleteCorsConfiguration(ctx, &apigatewayv2.DeleteCorsConfigurationInput{ApiId: aws.String("nosuchapi0")}); !errors.As(err, &ae) || ae.ErrorCode() != "NotFoundException" {
		t.Fatalf("DeleteCorsConfiguration of no API: %v", err)
	}
}

// mappingBackend answers /status/{code} with that code, headers to map
// and a JSON body to read; anything else with what it received.
func mappingBackend(t *testing.T) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "b1")
		w.Header().Set("X-Internal", "secret")
		w.Header().Set("Content-Type", "application/json")
		if code, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
			var n int
			fmt.Sscan(code, &n)
			w.WriteHeader(n)
			fmt.Fprintf(w, `{"error":{"code":"E%d","retry":true},"status":"410","items":[{"id":"a"},{"id":"b"}]}`, n)
			return
		}
		json.NewEncoder(w).Encode(v2Seen{Backend: "map", Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header})
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// TestHTTPAPIResponseMapping follows AWS's "Transforming API requests and
// responses": each backend status code's mappings change the status and
// the headers, with values from the backend's headers and JSON body,
// the context and the stage variables; codes without mappings pass.
func TestHTTPAPIResponseMapping(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	n := &v2Net{t: t, srv: srv}
	id := publicAPI(t, gw, &apigatewayv2.CreateIntegrationInput{IntegrationUri: aws.String(mappingBackend(t) + "/status/{code}"),
		ResponseParameters: map[string]map[string]string{
			"200": {
				"append:header.x-request":    "$context.requestId",
				"overwrite:header.x-backend": "mapped-${response.header.x-backend}",
				"remove:header.x-internal":   "''",
				"append:header.x-error":      "$response.body.error.code",
				"overwrite:header.x-second":  "${response.body.items[1].id}",
				"overwrite:header.x-retry":   "$response.body.error.retry",
				"overwrite:header.x-route":   "$context.routeKey",
			},
			"500": {"overwrite:statuscode": "503", "overwrite:header.x-stage": "$stageVariables.env"},
			"404": {"overwrite:statuscode": "$response.body.status"},
			"418": {"overwrite:statuscode": "$response.body.missing"},
		}}, nil, "GET /status/{code}")

	a := n.call(id, "GET", "/status/200", nil)
	h := a.header
	if a.status != 200 || h.Get("X-Request") != h.Get("Apigw-Requestid") || h.Get("X-Backend") != "mapped-b1" || h.Get("X-Internal") != "" ||
		h.Get("X-Error") != "E200" || h.Get("X-Second") != "b" || h.Get("X-Retry") != "true" || h.Get("X-Route") != "GET /status/{code}" ||
		!strings.Contains(a.body, `"items"`) {
		t.Fatalf("200: %d %v %s", a.status, h, a.body)
	}
	if a = n.call(id, "GET", "/status/500", nil); a.status != 503 || a.header.Get("X-Stage") != "prod" || a.header.Get("X-Internal") != "secret" {
		t.Fatalf("500 -> 503: %d %v", a.status, a.header)
	}
	if a = n.call(id, "GET", "/status/404", nil); a.status != 410 {
		t.Fatalf("404 -> the body's status: %d", a.status)
	}
	// A status taken from the body that is not one is the
	// configuration's fault: AWS's 500.
	if a = n.call(id, "GET", "/status/418", nil); a.status != 500 || a.body != `{"message":"Internal Server Error"}` {
		t.Fatalf("418 with no status to map to: %d %s", a.status, a.body)
	}
	if a = n.call(id, "GET", "/status/201", nil); a.status != 201 || a.header.Get("X-Internal") != "secret" || a.header.Get("X-Backend") != "b1" {
		t.Fatalf("a code without mappings: %d %v", a.status, a.header)
	}
}

// TestHTTPAPIRequestMapping shows each request key form and each source
// a request mapping reads, as the backend receives them.
func TestHTTPAPIRequestMapping(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	id := publicAPI(t, gw, &apigatewayv2.CreateIntegrationInput{IntegrationUri: aws.String(mappingBackend(t) + "/"),
		RequestParameters: map[string]string{
			"overwrite:path":            "/users/$request.path.id/$stageVariables.env",
			"append:header.x-name":      "$request.body.user.name",
			"overwrite:header.x-tags":   "${request.body.user.tags}",
			"overwrite:header.x-agent":  "$request.header.x-client",
			"remove:header.x-secret":    "''",
			"append:querystring.src":    "gw-$context.stage",
			"overwrite:querystring.q":   "$request.querystring.q",
			"remove:querystring.drop":   "''",
			"overwrite:header.x-method": "$context.httpMethod $request.path",
		}}, nil, "POST /users/{id}")

	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/users/42?q=a&q=b&drop=1",
		strings.NewReader(`{"user":{"name":"ada","tags":["x","y"]}}`))
	req.Host = id + ".execute-api.localhost"
	req.Header.Set("X-Client", "c1")
	req.Header.Set("X-Secret", "s")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var seen struct {
		v2Seen
	}
	json.NewDecoder(resp.Body).Decode(&seen)
	s := seen.v2Seen
	if s.Path != "/users/42/prod" || s.Header.Get("X-Name") != "ada" || s.Header.Get("X-Tags") != `["x","y"]` || s.Header.Get("X-Agent") != "c1" ||
		s.Header.Get("X-Secret") != "" || s.Header.Get("X-Method") != "POST /users/42" {
		t.Fatalf("backend saw %+v", s)
	}
	if s.Query != "q=a%2Cb&src=gw-%24default" {
		t.Fatalf("backend query %q", s.Query)
	}
}

// TestHTTPAPIRouteSelection is the developer guide's worked example of
// route selection, as the backend sees it through $context.routeKey and
// $request.path.proxy: a full match beats a greedy one, the longest
// greedy path wins, ANY takes the methods no route names, and $default
// takes what nothing else does.
func TestHTTPAPIRouteSelection(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	n := &v2Net{t: t, srv: srv}
	id := publicAPI(t, gw, &apigatewayv2.CreateIntegrationInput{IntegrationUri: aws.String(mappingBackend(t) + "/"),
		RequestParameters: map[string]string{
			"overwrite:header.x-route": "$context.routeKey",
			"overwrite:header.x-proxy": "$request.path.proxy",
			"overwrite:header.x-id":    "$request.path.id",
		}}, nil,
		"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default", "POST /pets/dog/1")
	for _, c := range []struct{ method, path, route, proxy, id string }{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", "", ""},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", "", "2"},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", "cat/1", ""},
		{"POST", "/test/5", "ANY /{proxy+}", "test/5", ""},
		{"POST", "/pets/dog/1", "POST /pets/dog/1", "", ""},
		{"DELETE", "/pets/dog/1", "ANY /{proxy+}", "pets/dog/1", ""},
		{"PUT", "/pets/dog/2", "ANY /{proxy+}", "pets/dog/2", ""},
		{"GET", "/", "$default", "", ""},
	} {
		a := n.call(id, c.method, c.path, nil)
		h := a.seen.Header
		if a.status != 200 || h.Get("X-Route") != c.route || h.Get("X-Proxy") != c.proxy || h.Get("X-Id") != c.id {
			t.Errorf("%s %s: %d route %q proxy %q id %q, want %q %q %q", c.method, c.path, a.status, h.Get("X-Route"), h.Get("X-Proxy"), h.Get("X-Id"), c.route, c.proxy, c.id)
		}
	}
}

// TestHTTPAPIStageVariablesInURI: an HTTP integration's URI takes stage
// variables in its host, path and query, as AWS's stage variable
// reference shows, so each stage reaches its own backend; a stage whose
// variables make no URL answers 500.
func TestHTTPAPIStageVariablesInURI(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	n := &v2Net{t: t, srv: srv}
	ctx := context.Background()
	hostOf := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	blue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v2Seen{Backend: "blue", Path: r.URL.Path, Query: r.URL.RawQuery})
	}))
	t.Cleanup(blue.Close)
	green := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v2Seen{Backend: "green", Path: r.URL.Path, Query: r.URL.RawQuery})
	}))
	t.Cleanup(green.Close)

	a, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("colors"), ProtocolType: v2types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: a.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("GET"), PayloadFormatVersion: aws.String("1.0"),
		IntegrationUri: aws.String("http://${stageVariables.host}/${stageVariables.version}/items?color=${stageVariables.color}")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("GET /items"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))}); err != nil {
		t.Fatal(err)
	}
	for name, vars := range map[string]map[string]string{
		"$default": {"host": hostOf(blue), "version": "v1", "color": "blue"},
		"green":    {"host": hostOf(green), "version": "v2", "color": "green"},
		"nohost":   {"version": "v3"},
	} {
		if _, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: a.ApiId, StageName: aws.String(name), AutoDeploy: aws.Bool(true),
			StageVariables: vars}); err != nil {
			t.Fatal(err)
		}
	}
	id := aws.ToString(a.ApiId)
	if got := n.call(id, "GET", "/items", nil); got.status != 200 || got.seen.Backend != "blue" || got.seen.Path != "/v1/items" || got.seen.Query != "color=blue" {
		t.Fatalf("$default: %d %+v", got.status, got.seen)
	}
	if got := n.call(id, "GET", "/green/items", nil); got.status != 200 || got.seen.Backend != "green" || got.seen.Path != "/v2/items" || got.seen.Query != "color=green" {
		t.Fatalf("green: %d %+v", got.status, got.seen)
	}
	if got := n.call(id, "GET", "/nohost/items", nil); got.status != 500 || got.body != `{"message":"Internal Server Error"}` {
		t.Fatalf("a stage without the host variable: %d %s", got.status, got.body)
	}
}
