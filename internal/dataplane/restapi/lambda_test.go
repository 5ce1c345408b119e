package restapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

const (
	testFunction = "arn:aws:lambda:us-east-1:123456789012:function:orders"
	testLambda   = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + testFunction + "/invocations"
)

// functions is an invoke.Invoker that records each invocation and
// answers with answer.
type functions struct {
	mu     sync.Mutex
	got    []invoke.Request
	answer func(invoke.Request) (invoke.Result, error)
}

func (f *functions) Invoke(ctx context.Context, req invoke.Request) (invoke.Result, error) {
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()
	return f.answer(req)
}

func (f *functions) last(t *testing.T) invoke.Request {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		t.Fatal("the function was not invoked")
	}
	return f.got[len(f.got)-1]
}

func answering(payload string) func(invoke.Request) (invoke.Result, error) {
	return func(invoke.Request) (invoke.Result, error) {
		return invoke.Result{Payload: []byte(payload), RequestID: "lambda-req", ExecutedVersion: "$LATEST"}, nil
	}
}

func failing(payload string) func(invoke.Request) (invoke.Result, error) {
	return func(invoke.Request) (invoke.Result, error) {
		return invoke.Result{Payload: []byte(payload), FunctionError: "Unhandled", RequestID: "lambda-req", ExecutedVersion: "$LATEST"}, nil
	}
}

// lambdaAPI compiles api1 with POST and GET /orders/{id} integrated by
// integ, deployed to the stage prod of account 123456789012.
func lambdaAPI(t testing.TB, integ *model.RestIntegration, vars map[string]string) *API {
	t.Helper()
	methods := map[string]*model.RestMethod{}
	for _, m := range []string{"POST", "GET"} {
		methods[m] = &model.RestMethod{HTTPMethod: m, AuthorizationType: "NONE", Integration: integ}
	}
	dep := &model.RestDeployment{APIID: "api1", ID: "dep1", BinaryMediaTypes: []string{"image/png"}, Resources: []model.RestResource{
		{APIID: "api1", ID: "root", Path: "/"},
		{APIID: "api1", ID: "res42", Path: "/orders/{id}", Methods: methods},
	}}
	sc := &model.Scoped{
		Scope:           model.Scope{Account: "123456789012", Region: "us-east-1"},
		RestAPIs:        map[string]*model.RestAPI{"api1": {ID: "api1"}},
		RestDeployments: map[string]*model.RestDeployment{"api1/dep1": dep},
		RestStages:      map[string]*model.RestStage{"api1/prod": {APIID: "api1", Name: "prod", DeploymentID: "dep1", Variables: vars}},
	}
	var buckets throttle.Registry
	return Compile(sc, nil, &buckets, nil)["api1"]
}

var requestTime = time.Date(2026, 4, 9, 12, 34, 56, 0, time.UTC)

func serveLambda(api *API, fns *functions, r *http.Request) *httptest.ResponseRecorder {
	env := &Env{Now: func() time.Time { return requestTime }, Log: slog.New(slog.DiscardHandler)}
	if fns != nil {
		env.Functions = fns
	}
	w := httptest.NewRecorder()
	path := strings.TrimPrefix(r.URL.Path, "/prod")
	Serve(w, r, env, api, api.Stages["prod"], path)
	return w
}

func proxyIntegration() *model.RestIntegration {
	return &model.RestIntegration{Type: "AWS_PROXY", HTTPMethod: "POST", URI: testLambda, TimeoutMillis: 29000,
		RequestParameters: map[string]string{"integration.request.header.X-Mapped": "stageVariables.tier"}}
}

// The event an AWS_PROXY function gets is AWS's REST proxy input format,
// field by field, and its answer is the method's answer.
func TestLambdaProxyEvent(t *testing.T) {
	api := lambdaAPI(t, proxyIntegration(), map[string]string{"tier": "from-stage"})
	fns := &functions{answer: answering(`{"statusCode": 201, "headers": {"X-Order": "1", "X-Amzn-RequestId": "fn"},
		"multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "made"}`)}
	r := httptest.NewRequest("POST", "http://api1.execute-api.localhost/prod/orders/42?size=big&color=red&size=small", strings.NewReader(`{"item": "tea"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "curl/8.5.0")
	r.Header.Set("Accept", "*/*")
	r.Header["X-Custom"] = []string{"first", "second"}
	w := serveLambda(api, fns, r)
	if w.Code != http.StatusCreated || w.Body.String() != "made" || w.Header().Get("X-Order") != "1" ||
		w.Header().Get("Content-Type") != "application/json" || !reflect.DeepEqual(w.Header()["Set-Cookie"], []string{"a=1", "b=2"}) ||
		w.Header().Get("X-Amzn-Remapped-X-Amzn-Requestid") != "fn" || w.Header().Get("X-Amzn-Requestid") == "fn" {
		t.Fatalf("answer: %d %v %q", w.Code, w.Header(), w.Body)
	}

	req := fns.last(t)
	want := invoke.Caller{Service: "apigateway.amazonaws.com", SourceAccount: "123456789012",
		SourceArn: "arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/orders/{id}"}
	if req.Function != testFunction || req.Account != "123456789012" || req.Region != "us-east-1" || req.Caller == nil || *req.Caller != want {
		t.Fatalf("invocation: %+v caller %+v", req, req.Caller)
	}
	var got, expected map[string]any
	if err := json.Unmarshal(req.Payload, &got); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("testdata/proxy-event.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc, &expected); err != nil {
		t.Fatal(err)
	}
	// The ids differ on every request: their shape is checked, then they
	// are compared as placeholders.
	ctx := got["requestContext"].(map[string]any)
	id := ctx["requestId"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) ||
		ctx["extendedRequestId"] != id[:12] || id != w.Header().Get("X-Amzn-Requestid") {
		t.Fatalf("request ids %q %q", id, ctx["extendedRequestId"])
	}
	ctx["requestId"], ctx["extendedRequestId"] = "<request id>", "<extended request id>"
	trace := w.Header().Get("X-Amzn-Trace-Id")
	if h := got["headers"].(map[string]any); h["X-Amzn-Trace-Id"] != trace || trace == "" {
		t.Fatalf("trace id %v, answer's %q", h["X-Amzn-Trace-Id"], trace)
	}
	got["headers"].(map[string]any)["X-Amzn-Trace-Id"] = "<trace id>"
	got["multiValueHeaders"].(map[string]any)["X-Amzn-Trace-Id"] = []any{"<trace id>"}
	for k, v := range expected {
		if !reflect.DeepEqual(got[k], v) {
			g, _ := json.MarshalIndent(got[k], "", "  ")
			e, _ := json.MarshalIndent(v, "", "  ")
			t.Errorf("%s:\n%s\nwant\n%s", k, g, e)
		}
	}
	for k := range got {
		if _, ok := expected[k]; !ok {
			t.Errorf("event has %s, which AWS's has not", k)
		}
	}
}

// Where a request has no query string, body or stage variables, the
// event says null, as AWS's does; a binary body arrives base64-encoded,
// and a base64 answer is decoded for a client that accepts a binary type.
func TestLambdaProxyNullsAndBinary(t *testing.T) {
	api := lambdaAPI(t, &model.RestIntegration{Type: "AWS_PROXY", HTTPMethod: "POST", URI: testLambda, TimeoutMillis: 29000}, nil)
	png := []byte{0x89, 'P', 'N', 'G', 0xff}
	fns := &functions{answer: answering(`{"statusCode": 200, "headers": {"Content-Type": "image/png"}, "body": "` +
		base64.StdEncoding.EncodeToString(png) + `", "isBase64Encoded": true}`)}
	w := serveLambda(api, fns, httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/7", nil))
	var ev map[string]any
	if err := json.Unmarshal(fns.last(t).Payload, &ev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "stageVariables", "body"} {
		if v, ok := ev[k]; !ok || v != nil {
			t.Errorf("%s = %v, want null", k, v)
		}
	}
	if ev["isBase64Encoded"] != false || ev["requestContext"].(map[string]any)["identity"].(map[string]any)["userAgent"] != nil {
		t.Errorf("event %v", ev)
	}
	if w.Code != 200 || w.Body.String() != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("a base64 answer to a client accepting no binary type: %d %q", w.Code, w.Body)
	}

	r := httptest.NewRequest("POST", "http://api1.execute-api.localhost/prod/orders/7", strings.NewReader(string(png)))
	r.Header.Set("Content-Type", "image/png")
	r.Header.Set("Accept", "image/png")
	w = serveLambda(api, fns, r)
	if err := json.Unmarshal(fns.last(t).Payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev["isBase64Encoded"] != true || ev["body"] != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("binary request: body %v, isBase64Encoded %v", ev["body"], ev["isBase64Encoded"])
	}
	if w.Code != 200 || w.Body.String() != string(png) || w.Header().Get("Content-Type") != "image/png" {
		t.Errorf("a base64 answer to a client accepting image/png: %d %q", w.Code, w.Body)
	}
}

// A function that fails, answers something other than the proxy response
// document, is refused by Lambda or runs past the integration timeout
// answers as AWS does.
func TestLambdaProxyFailures(t *testing.T) {
	refuse := func(e error) func(invoke.Request) (invoke.Result, error) {
		return func(invoke.Request) (invoke.Result, error) { return invoke.Result{}, e }
	}
	for _, c := range []struct {
		what   string
		answer func(invoke.Request) (invoke.Result, error)
		status int
		body   string
	}{
		{"function error", failing(`{"errorMessage": "boom", "errorType": "Error"}`), 502, "Internal server error"},
		{"malformed answer", answering(`{"statusCode": 200, "body": {"not": "a string"}}`), 502, "Internal server error"},
		{"unknown member", answering(`{"statusCode": 200, "body": "ok", "wrongValue": "value"}`), 502, "Internal server error"},
		{"not JSON", answering(`hello`), 502, "Internal server error"},
		{"no permission", refuse(&invoke.Error{Status: 403, Code: "AccessDeniedException", Message: "not allowed"}), 500, "Internal server error"},
		{"no function", refuse(invoke.Errorf(404, "ResourceNotFoundException", "Function not found: %s", testFunction)), 500, "Internal server error"},
		{"throttled", refuse(&invoke.Error{Status: 429, Code: "TooManyRequestsException", Message: "Rate Exceeded."}), 500, "Internal server error"},
		{"integration timeout", refuse(context.DeadlineExceeded), 504, "Endpoint request timed out"},
	} {
		api := lambdaAPI(t, proxyIntegration(), nil)
		w := serveLambda(api, &functions{answer: c.answer}, httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/1", nil))
		var doc struct{ Message string }
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Code != c.status || doc.Message != c.body {
			t.Errorf("%s: %d %s, want %d %q", c.what, w.Code, w.Body, c.status, c.body)
		}
	}

	// An integration with credentials invokes as that role: the
	// function's resource policy is not asked.
	role := proxyIntegration()
	role.Credentials = "arn:aws:iam::123456789012:role/apigateway"
	asRole := &functions{answer: answering(`{"statusCode": 200}`)}
	if w := serveLambda(lambdaAPI(t, role, nil), asRole, httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/1", nil)); w.Code != 200 ||
		asRole.last(t).Caller != nil {
		t.Errorf("with credentials: %d, caller %+v", w.Code, asRole.last(t).Caller)
	}

	// An integration method other than POST, and a gateway without a
	// function engine, fail without invoking anything.
	get := proxyIntegration()
	get.HTTPMethod = "GET"
	fns := &functions{answer: answering(`{"statusCode": 200}`)}
	for _, c := range []struct {
		what string
		api  *API
		fns  *functions
	}{{"GET integration", lambdaAPI(t, get, nil), fns}, {"no engine", lambdaAPI(t, proxyIntegration(), nil), nil}} {
		w := serveLambda(c.api, c.fns, httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/1", nil))
		if w.Code != 500 || !strings.Contains(w.Body.String(), "Internal server error") {
			t.Errorf("%s: %d %s", c.what, w.Code, w.Body)
		}
	}
	if len(fns.got) != 0 {
		t.Errorf("invoked %d times", len(fns.got))
	}
}

// A REST proxy answer with a member REST does not know is AWS's 502,
// logged as a malformed proxy response; one without statusCode is a 200.
func TestLambdaProxyAnswerMembers(t *testing.T) {
	api := lambdaAPI(t, proxyIntegration(), nil)
	var logged bytes.Buffer
	env := &Env{Now: func() time.Time { return requestTime }, Log: slog.New(slog.NewTextHandler(&logged, nil)),
		Functions: &functions{answer: answering(`{"statusCode": 200, "body": "ok", "extra": 1}`)}}
	w := httptest.NewRecorder()
	Serve(w, httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/1", nil), env, api, api.Stages["prod"], "/orders/1")
	if w.Code != http.StatusBadGateway || w.Body.String() != `{"message":"Internal server error"}` ||
		!strings.Contains(logged.String(), "Execution failed due to configuration error: Malformed Lambda proxy response") {
		t.Errorf("unknown member: %d %s, log %s", w.Code, w.Body, logged.String())
	}
	w = serveLambda(api, &functions{answer: answering(`{"headers": {"X-Only": "headers"}}`)},
		httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/1", nil))
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("X-Only") != "headers" {
		t.Errorf("no statusCode: %d %v %q", w.Code, w.Header(), w.Body)
	}
}

// An AWS integration sends what its request template makes (or the body
// as it is), and maps the function's answer through the integration
// responses: an error by its errorMessage against the selection
// patterns, an answer and an unmatched error to the default response.
func TestLambdaCustomIntegration(t *testing.T) {
	integ := &model.RestIntegration{Type: "AWS", HTTPMethod: "POST", URI: testLambda, TimeoutMillis: 29000, PassthroughBehavior: "WHEN_NO_MATCH",
		RequestTemplates: map[string]string{"application/json": `{"id": "$input.params('id')", "stage": "$context.stage", "account": "$context.accountId", "item": $input.json('$.item')}`},
		IntegrationResponses: map[string]*model.RestIntegrationResponse{
			"200": {StatusCode: "200"},
			"400": {StatusCode: "400", SelectionPattern: "Bad request.*",
				ResponseParameters: map[string]string{"method.response.header.X-Error-Type": "integration.response.body.errorType"},
				ResponseTemplates:  map[string]string{"application/json": `{"problem": "$input.path('$.errorMessage')"}`}},
			"500": {StatusCode: "500", SelectionPattern: "Boom"},
		}}
	api := lambdaAPI(t, integ, nil)
	send := func(fns *functions, ct, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "http://api1.execute-api.localhost/prod/orders/42", strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		return serveLambda(api, fns, r)
	}

	fns := &functions{answer: answering(`{"total": 3}`)}
	w := send(fns, "application/json", `{"item": "tea"}`)
	if w.Code != 200 || w.Body.String() != `{"total": 3}` || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("answer: %d %q", w.Code, w.Body)
	}
	if got := string(fns.last(t).Payload); got != `{"id": "42", "stage": "prod", "account": "123456789012", "item": "tea"}` {
		t.Errorf("mapped payload %s", got)
	}
	if c := fns.last(t).Caller; c == nil || c.SourceArn != "arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/orders/{id}" {
		t.Errorf("caller %+v", c)
	}

	// Passthrough: a type without a template goes as it is.
	send(fns, "text/plain", `"as is"`)
	if got := string(fns.last(t).Payload); got != `"as is"` {
		t.Errorf("passed through %s", got)
	}
	// Without templates, no body is an empty object.
	plain := *integ
	plain.RequestTemplates = nil
	serveLambda(lambdaAPI(t, &plain, nil), fns, httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/42", nil))
	if got := string(fns.last(t).Payload); got != "{}" {
		t.Errorf("no body sent as %q", got)
	}

	for _, c := range []struct {
		what       string
		answer     func(invoke.Request) (invoke.Result, error)
		status     int
		body, errT string
	}{
		{"matched error", failing(`{"errorMessage": "Bad request: no tea", "errorType": "ValueError"}`), 400, `{"problem": "Bad request: no tea"}`, "ValueError"},
		{"whole match only", failing(`{"errorMessage": "Boom!", "errorType": "Error"}`), 200, `{"errorMessage": "Boom!", "errorType": "Error"}`, ""},
		{"second pattern", failing(`{"errorMessage": "Boom", "errorType": "Error"}`), 500, `{"errorMessage": "Boom", "errorType": "Error"}`, ""},
		{"an answer is never matched", answering(`{"errorMessage": "Bad request"}`), 200, `{"errorMessage": "Bad request"}`, ""},
	} {
		w := send(&functions{answer: c.answer}, "application/json", `{"item": "tea"}`)
		if w.Code != c.status || w.Body.String() != c.body || w.Header().Get("X-Error-Type") != c.errT {
			t.Errorf("%s: %d %q %q, want %d %q %q", c.what, w.Code, w.Body, w.Header().Get("X-Error-Type"), c.status, c.body, c.errT)
		}
	}
}

// A stage's access log reports the invocation as the integration:
// Lambda's status, or the error that kept it from answering.
func TestLambdaAccessLog(t *testing.T) {
	integ := proxyIntegration()
	api := lambdaAPI(t, integ, nil)
	st := api.Stages["prod"]
	st.AccessLog = accesslog.Compile(&model.AccessLogSettings{DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:access",
		Format: "$context.status $context.integration.status [$context.integration.error]"})
	var buf bytes.Buffer
	for _, c := range []struct {
		answer func(invoke.Request) (invoke.Result, error)
		want   string
	}{
		{answering(`{"statusCode": 201}`), "201 200 [-]"},
		{failing(`{"errorMessage": "boom"}`), "502 200 [-]"},
		{func(invoke.Request) (invoke.Result, error) {
			return invoke.Result{}, &invoke.Error{Status: 429, Code: "TooManyRequestsException", Message: "Rate Exceeded."}
		}, "500 429 [-]"},
		{func(invoke.Request) (invoke.Result, error) { return invoke.Result{}, context.DeadlineExceeded }, "504 - [context deadline exceeded]"},
	} {
		buf.Reset()
		env := &Env{Now: time.Now, Functions: &functions{answer: c.answer}, Log: slog.New(slog.NewTextHandler(&buf, nil))}
		r := httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/1", nil)
		Serve(httptest.NewRecorder(), r, env, api, st, "/orders/1")
		if !strings.Contains(buf.String(), `line="`+c.want+`"`) {
			t.Errorf("access log %s, want %q", buf.String(), c.want)
		}
	}
}

// Lambda failures are gateway responses: a stage's customizations of
// their types shape them.
func TestLambdaGatewayResponses(t *testing.T) {
	api := lambdaAPI(t, proxyIntegration(), nil)
	st := api.Stages["prod"]
	st.responses = compileGatewayResponses(&model.RestDeployment{GatewayResponses: []model.RestGatewayResponse{
		{ResponseType: "DEFAULT_5XX", ResponseTemplates: map[string]string{"application/json": `{"error": $context.error.messageString, "type": "$context.error.responseType"}`}},
		{ResponseType: "INTEGRATION_TIMEOUT", StatusCode: "503"},
	}})
	for _, c := range []struct {
		answer func(invoke.Request) (invoke.Result, error)
		status int
		body   string
	}{
		{failing(`{"errorMessage": "boom"}`), 502, `{"error": "Internal server error", "type": "DEFAULT_5XX"}`},
		{func(invoke.Request) (invoke.Result, error) {
			return invoke.Result{}, &invoke.Error{Status: 403, Code: "AccessDeniedException", Message: "no"}
		}, 500, `{"error": "Internal server error", "type": "API_CONFIGURATION_ERROR"}`},
		{func(invoke.Request) (invoke.Result, error) { return invoke.Result{}, context.DeadlineExceeded }, 503, `{"message":"Endpoint request timed out"}`},
	} {
		w := serveLambda(api, &functions{answer: c.answer}, httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/orders/1", nil))
		if w.Code != c.status || w.Body.String() != c.body {
			t.Errorf("%d %s, want %d %s", w.Code, w.Body, c.status, c.body)
		}
	}
}
