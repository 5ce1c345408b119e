package gatehouse_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

// paramSeen is what the mapping tests' backend saw.
type paramSeen struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
}

// paramBackend keeps what it saw last, and answers with the headers and
// body the response mappings read: x-served-by, two x-multi values, and a
// JSON body.
func paramBackend(t *testing.T) (*httptest.Server, *atomic.Pointer[paramSeen]) {
	t.Helper()
	var last atomic.Pointer[paramSeen]
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		last.Store(&paramSeen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header, Body: string(body)})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-served-by", "backend-1")
		w.Header().Add("x-multi", "a")
		w.Header().Add("x-multi", "b")
		io.WriteString(w, `{"id":"42","nested":{"n":1}}`)
	}))
	t.Cleanup(s.Close)
	return s, &last
}

// restAPIWith builds an API with one method at path (its parts under the
// root) and deploys it to stage prod with the stage variables vars. The
// method declares reqParams; integ is completed with the method's ids.
func restAPIWith(t *testing.T, gw *apigateway.Client, path []string, verb string, reqParams map[string]bool, integ apigateway.PutIntegrationInput, vars map[string]string,
	responses ...apigateway.PutIntegrationResponseInput) (apiID, resID string) {
	t.Helper()
	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("params")})
	restMust(t, err)
	parent := api.RootResourceId
	for _, part := range path {
		res, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: parent, PathPart: aws.String(part)})
		restMust(t, err)
		parent = res.Id
	}
	_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: parent, HttpMethod: aws.String(verb),
		AuthorizationType: aws.String("NONE"), RequestParameters: reqParams})
	restMust(t, err)
	integ.RestApiId, integ.ResourceId, integ.HttpMethod = api.Id, parent, aws.String(verb)
	_, err = gw.PutIntegration(restCtx, &integ)
	restMust(t, err)
	for _, ir := range responses {
		headers := map[string]bool{}
		for k := range ir.ResponseParameters {
			headers[k] = false
		}
		_, err = gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: parent, HttpMethod: aws.String(verb),
			StatusCode: ir.StatusCode, ResponseParameters: headers})
		restMust(t, err)
		ir.RestApiId, ir.ResourceId, ir.HttpMethod = api.Id, parent, aws.String(verb)
		_, err = gw.PutIntegrationResponse(restCtx, &ir)
		restMust(t, err)
	}
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod"), Variables: vars})
	restMust(t, err)
	return aws.ToString(api.Id), aws.ToString(parent)
}

// restCall sends one request to stage prod of api, by the Host form.
func restCall(t *testing.T, srv *servertest.Server, apiID, method, pathAndQuery string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	restMust(t, srv.Sync(ctx))
	req, _ := http.NewRequestWithContext(ctx, method, srv.URL()+"/prod"+pathAndQuery, bytes.NewReader(body))
	if body == nil {
		req.Body = http.NoBody
	}
	req.Host = apiID + ".execute-api.localhost"
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	restMust(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// Every source form of an integration request mapping reaches the backend
// as on AWS, and every form of an integration response mapping reaches
// the client.
func TestRESTParameterMappingSources(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	backend, last := paramBackend(t)
	declared := map[string]bool{
		"method.request.path.id":                   true,
		"method.request.querystring.page":          false,
		"method.request.multivaluequerystring.tag": false,
		"method.request.header.tenant":             false,
		"method.request.multivalueheader.x-hop":    false,
		"method.request.header.x-hop":              false,
		"method.request.querystring.tag":           false,
	}
	apiID, _ := restAPIWith(t, gw, []string{"orders", "{id}"}, "POST", declared, apigateway.PutIntegrationInput{
		Type: agtypes.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("PUT"), Uri: aws.String(backend.URL + "/backend/{oid}"),
		RequestParameters: map[string]string{
			"integration.request.path.oid":          "method.request.path.id",
			"integration.request.querystring.page":  "method.request.querystring.page",
			"integration.request.querystring.tag":   "method.request.multivaluequerystring.tag",
			"integration.request.querystring.tags":  "method.request.querystring.tag",
			"integration.request.header.x-tenant":   "method.request.header.tenant",
			"integration.request.header.x-hops":     "method.request.multivalueheader.x-hop",
			"integration.request.header.x-last-hop": "method.request.header.x-hop",
			"integration.request.header.x-sku":      "method.request.body.order.items[1].sku",
			"integration.request.header.x-order":    "method.request.body.order.items[0]",
			"integration.request.header.x-count":    "method.request.body.order.count",
			"integration.request.header.x-missing":  "method.request.body.order.none",
			"integration.request.header.x-body":     "method.request.body",
			"integration.request.header.x-env":      "stageVariables.env",
			"integration.request.header.x-resource": "context.resourcePath",
			"integration.request.header.x-method":   "context.httpMethod",
			"integration.request.header.x-static":   "'fixed value'",
		},
	}, map[string]string{"env": "production"}, apigateway.PutIntegrationResponseInput{StatusCode: aws.String("200"),
		ResponseParameters: map[string]string{
			"method.response.header.X-Served":  "integration.response.header.x-served-by",
			"method.response.header.X-Last":    "integration.response.header.x-multi",
			"method.response.header.X-All":     "integration.response.multivalueheader.x-multi",
			"method.response.header.X-Id":      "integration.response.body.id",
			"method.response.header.X-Nested":  "integration.response.body.nested",
			"method.response.header.X-Body":    "integration.response.body",
			"method.response.header.X-Stage":   "context.stage",
			"method.response.header.X-Env":     "stageVariables.env",
			"method.response.header.X-Literal": "'yes'",
		}})

	body := []byte(`{"order":{"count":3,"items":[{"sku":"a-1","qty":2},{"sku":"b-2"}]}}`)
	h := http.Header{"Tenant": {"acme"}, "X-Hop": {"one", "two"}, "Content-Type": {"application/json"}}
	resp, got := restCall(t, srv, apiID, "POST", "/orders/42?page=1&page=2&tag=red&tag=blue", h, body)
	if resp.StatusCode != 200 || string(got) != `{"id":"42","nested":{"n":1}}` {
		t.Fatalf("status %d, body %q", resp.StatusCode, got)
	}
	seen := last.Load()
	if seen.Method != "PUT" || seen.Path != "/backend/42" {
		t.Errorf("backend request %s %s", seen.Method, seen.Path)
	}
	// A multi-valued source makes one parameter of each value; a
	// single-valued one takes the last.
	if seen.Query != "page=2&tag=red&tag=blue&tags=blue" {
		t.Errorf("backend query %q", seen.Query)
	}
	if seen.Body != string(body) {
		t.Errorf("backend body %q", seen.Body)
	}
	for name, want := range map[string]string{
		"X-Tenant":   "acme",
		"X-Hops":     "one,two",
		"X-Last-Hop": "two",
		"X-Sku":      "b-2",
		"X-Order":    `{"sku":"a-1","qty":2}`,
		"X-Count":    "3",
		"X-Body":     string(body),
		"X-Env":      "production",
		"X-Resource": "/orders/{id}",
		"X-Method":   "POST",
		"X-Static":   "fixed value",
		"User-Agent": "AmazonAPIGateway_" + apiID,
	} {
		if got := seen.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("backend header %s = %q, want %q", name, got, want)
		}
	}
	if _, ok := seen.Header["X-Missing"]; ok {
		t.Error("a mapping whose JSONPath selects nothing set its header")
	}
	if _, ok := seen.Header["Tenant"]; ok {
		t.Error("an unmapped method request header reached a non-proxy backend")
	}
	for name, want := range map[string]string{
		"X-Served":  "backend-1",
		"X-Last":    "b",
		"X-All":     "a,b",
		"X-Id":      "42",
		"X-Nested":  `{"n":1}`,
		"X-Body":    `{"id":"42","nested":{"n":1}}`,
		"X-Stage":   "prod",
		"X-Env":     "production",
		"X-Literal": "yes",
	} {
		if got := resp.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("method response header %s = %q, want %q", name, got, want)
		}
	}
	if resp.Header.Get("X-Served-By") != "" {
		t.Error("an unmapped backend header reached the client")
	}

	// Without a body, method.request.body is an empty object and a
	// JSONPath selects nothing; a body that is not JSON cannot be read by
	// a JSONPath, and the request is refused before the backend sees it.
	resp, _ = restCall(t, srv, apiID, "POST", "/orders/7", h, nil)
	if seen = last.Load(); resp.StatusCode != 200 || seen.Header.Get("X-Body") != "{}" || seen.Header.Get("X-Sku") != "" {
		t.Errorf("empty body: %d, backend headers %v", resp.StatusCode, seen.Header)
	}
	resp, got = restCall(t, srv, apiID, "POST", "/orders/8", h, []byte(`{"order": [`))
	if resp.StatusCode != 400 || string(got) != `{"message":"Invalid JSON in request body"}` || last.Load().Path != "/backend/7" {
		t.Errorf("bad JSON: %d %q", resp.StatusCode, got)
	}
	resp, _ = restCall(t, srv, apiID, "POST", "/orders/9", h, []byte(`plain text`))
	if seen = last.Load(); resp.StatusCode != 200 || seen.Header.Get("X-Body") != "plain text" || seen.Header.Get("X-Sku") != "" {
		t.Errorf("text body: %d, backend headers %v", resp.StatusCode, seen.Header)
	}
}

// A proxy integration's mappings work on the client's request: a mapped
// header replaces the client's, a mapped query string value joins the
// client's values.
func TestRESTProxyParameterMapping(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	backend, last := paramBackend(t)
	apiID, _ := restAPIWith(t, gw, []string{"items"}, "ANY", map[string]bool{"method.request.multivalueheader.x-id": false}, apigateway.PutIntegrationInput{
		Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String(backend.URL + "/items"),
		RequestParameters: map[string]string{
			"integration.request.header.x-tenant":  "'override'",
			"integration.request.querystring.tag":  "'extra'",
			"integration.request.querystring.ids":  "method.request.multivalueheader.x-id",
			"integration.request.header.x-name":    "method.request.body.name",
			"integration.request.header.x-request": "context.requestId",
		},
	}, nil)
	body := []byte(`{"name":"lamp"}`)
	resp, got := restCall(t, srv, apiID, "POST", "/items?tag=a", http.Header{"X-Tenant": {"client"}, "X-Id": {"1", "2"}, "X-Other": {"kept"}}, body)
	if resp.StatusCode != 200 || string(got) != `{"id":"42","nested":{"n":1}}` || resp.Header.Get("X-Served-By") != "backend-1" {
		t.Fatalf("%d %q %v", resp.StatusCode, got, resp.Header)
	}
	seen := last.Load()
	if seen.Query != "ids=1%2C2&tag=a&tag=extra" || seen.Body != string(body) || seen.Method != "POST" {
		t.Errorf("backend saw %s ?%s %q", seen.Method, seen.Query, seen.Body)
	}
	for name, want := range map[string]string{"X-Tenant": "override", "X-Name": "lamp", "X-Other": "kept", "X-Request": resp.Header.Get("X-Amzn-Requestid")} {
		if got := seen.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("backend header %s = %q, want %q", name, got, want)
		}
	}
}

// PutIntegration and PutIntegrationResponse refuse what the data plane
// could not serve, with AWS's messages, and keep what was there.
func TestRESTParameterMappingRefused(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	backend, _ := paramBackend(t)
	integ := apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String(backend.URL),
		RequestParameters: map[string]string{"integration.request.header.x": "'ok'"}}
	apiID, resID := restAPIWith(t, gw, []string{"r"}, "GET", map[string]bool{"method.request.header.h": false}, integ, nil)
	wrap := "Invalid mapping expression specified: Validation Result: warnings : [], errors : [%s]"
	for value, want := range map[string]string{
		"method.request.querystring.q":      "Invalid mapping expression parameter specified: method.request.querystring.q",
		"method.request.body.items[*].id":   "Invalid mapping expression specified: method.request.body.items[*].id",
		"integration.response.header.x":     "Invalid mapping expression specified: integration.response.header.x",
		"method.request.header":             "Invalid mapping expression specified: method.request.header",
		"true":                              "Invalid mapping expression specified: true",
		"method.request.multivalueheader.h": "Invalid mapping expression parameter specified: method.request.multivalueheader.h",
	} {
		in := integ
		in.RestApiId, in.ResourceId, in.HttpMethod = aws.String(apiID), aws.String(resID), aws.String("GET")
		in.RequestParameters = map[string]string{"integration.request.header.x": value}
		_, err := gw.PutIntegration(restCtx, &in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "BadRequestException" || ae.ErrorMessage() != strings.Replace(wrap, "%s", want, 1) {
			t.Errorf("%s: %v", value, err)
		}
	}
	in := integ
	in.RestApiId, in.ResourceId, in.HttpMethod = aws.String(apiID), aws.String(resID), aws.String("GET")
	in.RequestParameters = map[string]string{"integration.request.multivalueheader.x": "'a'"}
	if _, err := gw.PutIntegration(restCtx, &in); err == nil || !strings.Contains(err.Error(), "errors : [Invalid mapping expression specified: integration.request.multivalueheader.x]") {
		t.Errorf("multivalue target: %v", err)
	}
	got, err := gw.GetIntegration(restCtx, &apigateway.GetIntegrationInput{RestApiId: aws.String(apiID), ResourceId: aws.String(resID), HttpMethod: aws.String("GET")})
	restMust(t, err)
	if got.RequestParameters["integration.request.header.x"] != "'ok'" || len(got.RequestParameters) != 1 {
		t.Errorf("refused calls changed the integration: %v", got.RequestParameters)
	}
	_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: aws.String(apiID), ResourceId: aws.String(resID), HttpMethod: aws.String("POST"),
		AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.body": true}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorMessage() != "Invalid mapping expression parameter specified: method.request.body" {
		t.Errorf("PutMethod with method.request.body: %v", err)
	}
}

// A non-proxy method reads its body whole before calling the backend, and
// gives a client as long to send it as the integration's timeout, as a
// streamed body had: a pause mid-body does not cut the request short.
func TestRESTSlowBodyReadWhole(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	backend, last := paramBackend(t)
	apiID, _ := restAPIWith(t, gw, []string{"upload"}, "POST", nil, apigateway.PutIntegrationInput{
		Type: agtypes.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(backend.URL + "/upload"),
	}, nil, apigateway.PutIntegrationResponseInput{StatusCode: aws.String("200")})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	restMust(t, srv.Sync(ctx))
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, `{"part":`)
		// Longer than the grace a request answered without its
		// integration has to deliver its body.
		time.Sleep(300 * time.Millisecond)
		io.WriteString(pw, `"two"}`)
		pw.Close()
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/prod/upload", pr)
	req.Host = apiID + ".execute-api.localhost"
	resp, err := http.DefaultClient.Do(req)
	restMust(t, err)
	resp.Body.Close()
	if seen := last.Load(); resp.StatusCode != 200 || seen == nil || seen.Body != `{"part":"two"}` {
		t.Fatalf("status %d, backend saw %+v", resp.StatusCode, seen)
	}
}
