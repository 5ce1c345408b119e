package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// fakeFunctions stands for the Lambda engine: it records each invocation
// and answers with what the test's handler returns.
type fakeFunctions struct {
	mu      sync.Mutex
	calls   []invoke.Request
	handler func(ctx context.Context, req invoke.Request) (invoke.Result, error)
}

func (f *fakeFunctions) Invoke(ctx context.Context, req invoke.Request) (invoke.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	f.mu.Unlock()
	return f.handler(ctx, req)
}

// of are the recorded invocations of the function named fn.
func (f *fakeFunctions) of(fn string) []invoke.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []invoke.Request
	for _, c := range f.calls {
		if strings.HasSuffix(c.Function, ":function:"+fn) {
			out = append(out, c)
		}
	}
	return out
}

func returns(payload string) func(context.Context, invoke.Request) (invoke.Result, error) {
	return func(context.Context, invoke.Request) (invoke.Result, error) {
		return invoke.Result{Payload: []byte(payload), RequestID: "r-1", ExecutedVersion: "$LATEST"}, nil
	}
}

const (
	testAPI     = "a1b2c3d4e5"
	testAccount = "123456789012"
	testStart   = "2026-12-02T07:00:00Z"
)

func fnARN(name string) string {
	return "arn:aws:lambda:us-east-1:" + testAccount + ":function:" + name
}

func fnURI(name string) string {
	return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN(name) + "/invocations"
}

// lambdaAPI is a compiled API of routes (key → integration id), its
// integrations and authorizers, on stages prod (with a stage variable)
// and $default.
type lambdaAPI struct {
	api   *API
	env   *Env
	fns   *fakeFunctions
	clock *clocktest.Fake
	logs  *bytes.Buffer
	// sign, when set, signs each request send makes, body and all.
	sign func(r *http.Request, body string)
	// sc is the model compiled, reuse what its compile left for the next.
	sc      *model.Scoped
	reuse   *Reuse
	buckets *throttle.Registry
}

// recompile compiles the API again from a copy of its model that edit
// changes, as the data plane compiles an API after a change: with what
// the last compile left, or, with whole set, as a compile that reuses
// nothing but the Lambda authorizers.
func (l *lambdaAPI) recompile(whole bool, edit func(sc *model.Scoped)) {
	sc := *l.sc
	sc.Authorizers = maps.Clone(l.sc.Authorizers)
	sc.Deployments = maps.Clone(l.sc.Deployments)
	edit(&sc)
	last := l.reuse
	if whole {
		last = last.Authorizers()
	}
	l.sc = &sc
	l.api, l.reuse = CompileAPIReuse(&sc, sc.HTTPAPIs[testAPI], nil, l.buckets, last, nil)
}

func newLambdaAPI(t testing.TB, integs []model.Integration, routes []model.Route, auths []*model.Authorizer) *lambdaAPI {
	t.Helper()
	for i := range integs {
		integs[i].APIID = testAPI
	}
	for i := range routes {
		routes[i].APIID, routes[i].ID = testAPI, fmt.Sprintf("r%d", i)
	}
	dep := &model.Deployment{APIID: testAPI, ID: "dep1", Integrations: integs, Routes: routes}
	sc := &model.Scoped{
		Scope:       model.Scope{Account: testAccount, Region: "us-east-1"},
		HTTPAPIs:    map[string]*model.HTTPAPI{testAPI: {ID: testAPI}},
		Deployments: map[string]*model.Deployment{testAPI + "/dep1": dep},
		Stages: map[string]*model.Stage{
			testAPI + "/prod": {APIID: testAPI, Name: "prod", DeploymentID: "dep1", StageVariables: map[string]string{"backend": "v1"},
				AccessLog: &model.AccessLogSettings{DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:access",
					Format: "$context.requestId $context.status $context.integrationStatus [$context.integrationErrorMessage] [$context.authorizer.error] [$context.authorizer.tier] [$context.authorizer.principalId] " +
						"[$context.accountId $context.identity.accountId $context.identity.caller $context.identity.userArn $context.identity.user]"}},
			testAPI + "/$default": {APIID: testAPI, Name: "$default", DeploymentID: "dep1"},
		},
		Authorizers: map[string]*model.Authorizer{},
	}
	for _, a := range auths {
		a.APIID = testAPI
		sc.Authorizers[testAPI+"/"+a.ID] = a
	}
	buckets := &throttle.Registry{}
	start, _ := time.Parse(time.RFC3339, testStart)
	fake := clocktest.New(start)
	logs := &bytes.Buffer{}
	fns := &fakeFunctions{handler: returns(`{"ok":true}`)}
	api, reuse := CompileAPIReuse(sc, sc.HTTPAPIs[testAPI], nil, buckets, nil, nil)
	return &lambdaAPI{api: api, fns: fns, clock: fake, logs: logs, sc: sc, reuse: reuse, buckets: buckets,
		env: &Env{Clock: fake, Transport: http.DefaultTransport, Functions: fns, Log: slog.New(slog.NewTextHandler(logs, nil))}}
}

// send serves one request: path is as the client sends it, stage first.
func (l *lambdaAPI) send(method, target, body string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://"+testAPI+".execute-api.localhost:4566"+target, strings.NewReader(body))
	if body == "" {
		r.Body = http.NoBody
	}
	r.RemoteAddr = "192.0.2.10:50000"
	r.Header = http.Header{"User-Agent": {"tester/1.0"}}
	for k, vs := range header {
		r.Header[k] = vs
	}
	if l.sign != nil {
		l.sign(r, body)
	}
	stage, full := l.api.Stages["$default"], r.URL.Path
	path := full
	if s, rest, ok := strings.Cut(strings.TrimPrefix(full, "/"), "/"); ok && l.api.Stages[s] != nil {
		stage, path = l.api.Stages[s], "/"+rest
	}
	w := httptest.NewRecorder()
	Serve(w, r, l.env, l.api, stage, path, full)
	return w
}

// compareEvent compares an event with a testdata file field by field;
// the request id and trace id, which are random, are the file's
// REQUEST_ID and TRACE.
func compareEvent(t *testing.T, got []byte, file string) {
	t.Helper()
	want, err := os.ReadFile("testdata/lambda/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("the event is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	normalize(g)
	for _, d := range diff("", g, w) {
		t.Errorf("%s: %s", file, d)
	}
}

// normalize replaces the random values of an event with placeholders.
func normalize(ev any) {
	m, _ := ev.(map[string]any)
	if rc, ok := m["requestContext"].(map[string]any); ok {
		for _, k := range []string{"requestId", "extendedRequestId"} {
			if _, ok := rc[k]; ok {
				rc[k] = "REQUEST_ID"
			}
		}
	}
	// A SigV4 signature and its date change with the clock.
	signed := false
	if h, ok := m["headers"].(map[string]any); ok {
		a, _ := h["authorization"].(string)
		signed = strings.HasPrefix(a, "AWS4-HMAC-SHA256 ")
	}
	for name, placeholder := range map[string]string{"x-amzn-trace-id": "TRACE", "authorization": "SIGNATURE", "x-amz-date": "DATE"} {
		if name != "x-amzn-trace-id" && !signed {
			continue
		}
		if h, ok := m["headers"].(map[string]any); ok && h[name] != nil {
			h[name] = placeholder
		}
		if h, ok := m["multiValueHeaders"].(map[string]any); ok && h[name] != nil {
			h[name] = []any{placeholder}
		}
	}
}

// diff lists where got and want differ, by JSON path: members missing,
// extra, or with other values.
func diff(path string, got, want any) []string {
	gm, gok := got.(map[string]any)
	wm, wok := want.(map[string]any)
	if gok && wok {
		var out []string
		keys := map[string]bool{}
		for k := range gm {
			keys[k] = true
		}
		for k := range wm {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			g, inG := gm[k]
			w, inW := wm[k]
			switch {
			case !inG:
				out = append(out, fmt.Sprintf("%s.%s is missing (want %v)", path, k, w))
			case !inW:
				out = append(out, fmt.Sprintf("%s.%s = %v is not in AWS's event", path, k, g))
			default:
				out = append(out, diff(path+"."+k, g, w)...)
			}
		}
		return out
	}
	if !reflect.DeepEqual(got, want) {
		return []string{fmt.Sprintf("%s = %#v, want %#v", path, got, want)}
	}
	return nil
}

var petsRoutes = []model.Route{
	{RouteKey: "POST /pets/{id}", Target: "integrations/v2", AuthorizationType: "NONE"},
	{RouteKey: "POST /v1/pets/{id}", Target: "integrations/v1", AuthorizationType: "NONE"},
	{RouteKey: "ANY /any/{proxy+}", Target: "integrations/v2", AuthorizationType: "NONE"},
	{RouteKey: "$default", Target: "integrations/v2", AuthorizationType: "NONE"},
}

func petsIntegrations() []model.Integration {
	return []model.Integration{
		{ID: "v2", Type: "AWS_PROXY", ConnectionType: "INTERNET", URI: fnURI("pets"), PayloadFormatVersion: "2.0", TimeoutMillis: 30000},
		{ID: "v1", Type: "AWS_PROXY", ConnectionType: "INTERNET", URI: fnARN("legacy"), PayloadFormatVersion: "1.0", TimeoutMillis: 30000},
	}
}

func petsRequest(l *lambdaAPI, path string) *httptest.ResponseRecorder {
	return l.send("POST", path+"?type=dog&type=cat&size=s", `{"name":"rex"}`, http.Header{
		"Content-Type": {"application/json"}, "X-Custom": {"one", "two"}, "Cookie": {"session=abc; theme=dark", "lang=en"}})
}

// The event of a payload format 2.0 integration is AWS's, member by
// member; the function is invoked as API Gateway invokes it, with the
// route's source ARN for its resource policy.
func TestLambdaEventV2(t *testing.T) {
	l := newLambdaAPI(t, petsIntegrations(), petsRoutes, nil)
	w := petsRequest(l, "/prod/pets/7")
	if w.Code != 200 || w.Body.String() != `{"ok":true}` || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Apigw-Requestid") == "" {
		t.Fatalf("answer %d %q %v", w.Code, w.Body, w.Header())
	}
	calls := l.fns.of("pets")
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	c := calls[0]
	if c.Function != fnARN("pets") || c.Account != testAccount || c.Caller == nil || c.Caller.Service != "apigateway.amazonaws.com" ||
		c.Caller.SourceArn != "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/POST/pets/{id}" || c.Caller.SourceAccount != testAccount {
		t.Errorf("invoked %+v caller %+v", c, c.Caller)
	}
	compareEvent(t, c.Payload, "v2-post.json")
	var ev map[string]any
	json.Unmarshal(c.Payload, &ev)
	if id := ev["requestContext"].(map[string]any)["requestId"]; id != w.Header().Get("Apigw-Requestid") {
		t.Errorf("requestId %v, the answer's id %q", id, w.Header().Get("Apigw-Requestid"))
	}
}

// The event of a payload format 1.0 integration is AWS's, member by
// member: the REST proxy shape, single values beside the multi-valued.
func TestLambdaEventV1(t *testing.T) {
	l := newLambdaAPI(t, petsIntegrations(), []model.Route{{RouteKey: "POST /pets/{id}", Target: "integrations/v1", AuthorizationType: "NONE"}}, nil)
	l.fns.handler = returns(`{"statusCode":201,"headers":{"x-one":"1"},"multiValueHeaders":{"x-many":["a","b"]},"body":"created"}`)
	w := petsRequest(l, "/prod/pets/7")
	if w.Code != 201 || w.Body.String() != "created" || w.Header().Get("X-One") != "1" || !slices.Equal(w.Header()["X-Many"], []string{"a", "b"}) {
		t.Fatalf("answer %d %q %v", w.Code, w.Body, w.Header())
	}
	calls := l.fns.of("legacy")
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	compareEvent(t, calls[0].Payload, "v1-post.json")
}

// A request to an AWS_IAM route carries the identity of the key that
// signed it, member by member as AWS sends it: 2.0's
// requestContext.authorizer.iam, 1.0's requestContext.identity. A key
// stands for its account's root user.
func TestLambdaEventIAM(t *testing.T) {
	routes := []model.Route{{RouteKey: "POST /pets/{id}", Target: "integrations/v2", AuthorizationType: "AWS_IAM"},
		{RouteKey: "POST /v1/pets/{id}", Target: "integrations/v1", AuthorizationType: "AWS_IAM"}}
	l := newLambdaAPI(t, petsIntegrations(), routes, nil)
	l.env.Secret = upstream.Keys(map[string]string{"AKIDCALLER": "caller-secret"})
	l.sign = func(r *http.Request, body string) {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDCALLER", SecretAccessKey: "caller-secret"}, r,
			hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// The signer puts the query in canonical order, so the events hold
	// it sorted.
	if w := petsRequest(l, "/prod/pets/7"); w.Code != 200 {
		t.Fatalf("2.0: %d %s", w.Code, w.Body)
	}
	l.fns.handler = returns(`{"statusCode":200}`)
	if w := petsRequest(l, "/prod/v1/pets/7"); w.Code != 200 {
		t.Fatalf("1.0: %d %s", w.Code, w.Body)
	}
	if c := l.fns.of("pets"); len(c) != 1 {
		t.Fatalf("%d calls of the 2.0 function", len(c))
	} else {
		compareEvent(t, c[0].Payload, "v2-iam.json")
	}
	if c := l.fns.of("legacy"); len(c) != 1 {
		t.Fatalf("%d calls of the 1.0 function", len(c))
	} else {
		compareEvent(t, c[0].Payload, "v1-iam.json")
	}
	// The access log names the caller too.
	for _, want := range []string{"[123456789012 123456789012 123456789012 arn:aws:iam::123456789012:root 123456789012]"} {
		if !strings.Contains(l.logs.String(), want) {
			t.Errorf("the access log lacks %q:\n%s", want, l.logs)
		}
	}
}

// Members a request has no value for are left out of a 2.0 event and
// null in a 1.0 one, as AWS sends them; the $default route presents
// $default in its source ARN, an ANY route the request's method.
func TestLambdaEventEmptyMembers(t *testing.T) {
	routes := []model.Route{{RouteKey: "$default", Target: "integrations/v2", AuthorizationType: "NONE"},
		{RouteKey: "GET /old", Target: "integrations/v1", AuthorizationType: "NONE"},
		{RouteKey: "ANY /any/{proxy+}", Target: "integrations/v2", AuthorizationType: "NONE"}}
	l := newLambdaAPI(t, petsIntegrations(), routes, nil)
	l.fns.handler = returns(`{"statusCode":200}`)
	l.send("GET", "/anything", "", nil)
	l.send("GET", "/old", "", nil)
	l.send("DELETE", "/any/a/b", "", nil)
	calls := l.fns.calls
	if len(calls) != 3 {
		t.Fatalf("%d calls", len(calls))
	}
	var v2, v1, anyRoute map[string]any
	json.Unmarshal(calls[0].Payload, &v2)
	json.Unmarshal(calls[1].Payload, &v1)
	json.Unmarshal(calls[2].Payload, &anyRoute)
	for _, k := range []string{"cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"} {
		if _, ok := v2[k]; ok {
			t.Errorf("2.0: %s = %v, want no member", k, v2[k])
		}
	}
	if v2["rawQueryString"] != "" || v2["isBase64Encoded"] != false || v2["rawPath"] != "/anything" || v2["routeKey"] != "$default" {
		t.Errorf("2.0 event %v", v2)
	}
	if _, ok := v2["requestContext"].(map[string]any)["authorizer"]; ok {
		t.Errorf("2.0: an authorizer member without an authorizer")
	}
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"} {
		if v, ok := v1[k]; !ok || v != nil {
			t.Errorf("1.0: %s = %v (present %v), want null", k, v, ok)
		}
	}
	if got := calls[0].Caller.SourceArn; got != "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/$default/$default" {
		t.Errorf("$default route's source ARN %s", got)
	}
	if got := calls[2].Caller.SourceArn; got != "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/$default/DELETE/any/{proxy+}" {
		t.Errorf("ANY route's source ARN %s", got)
	}
	if p := anyRoute["pathParameters"].(map[string]any); p["proxy"] != "a/b" {
		t.Errorf("greedy parameter %v", p)
	}
}

// A body of a type that is not text goes base64-encoded; text goes as
// it is.
func TestLambdaEventBinaryBody(t *testing.T) {
	l := newLambdaAPI(t, petsIntegrations(), petsRoutes, nil)
	for _, c := range []struct {
		ct, body string
		b64      bool
		want     string
	}{
		{"image/png", "\x89PNG\x00", true, "iVBORwA="},
		{"", "plain", true, "cGxhaW4="},
		{"application/x-www-form-urlencoded", "a=1", true, "YT0x"},
		{"text/plain; charset=utf-8", "héllo\n", false, "héllo\n"},
		{"application/vnd.api+json", `{"a":1}`, false, `{"a":1}`},
	} {
		h := http.Header{}
		if c.ct != "" {
			h.Set("Content-Type", c.ct)
		}
		l.send("POST", "/prod/any/upload", c.body, h)
		calls := l.fns.of("pets")
		var ev map[string]any
		json.Unmarshal(calls[len(calls)-1].Payload, &ev)
		if ev["isBase64Encoded"] != c.b64 || ev["body"] != c.want {
			t.Errorf("%q: body %q base64 %v", c.ct, ev["body"], ev["isBase64Encoded"])
		}
	}
}

// The function's answer becomes the client's response as AWS reads it;
// what AWS cannot read, a function error, and Lambda's refusals are 500s
// logged with their cause, and the integration's timeout a 503.
func TestLambdaAnswers(t *testing.T) {
	routes := []model.Route{{RouteKey: "ANY /v2", Target: "integrations/v2", AuthorizationType: "NONE"},
		{RouteKey: "ANY /v1", Target: "integrations/v1", AuthorizationType: "NONE"},
		{RouteKey: "ANY /slow", Target: "integrations/slow", AuthorizationType: "NONE"}}
	integs := append(petsIntegrations(), model.Integration{ID: "slow", Type: "AWS_PROXY", ConnectionType: "INTERNET", URI: fnARN("slow"),
		PayloadFormatVersion: "2.0", TimeoutMillis: 50})
	l := newLambdaAPI(t, integs, routes, nil)
	const ise = `{"message":"Internal Server Error"}`
	for _, c := range []struct {
		what, path string
		result     invoke.Result
		err        error
		status     int
		body       string
		header     http.Header
		logged     string
		access     string
	}{
		{what: "2.0 plain JSON", path: "/prod/v2", result: invoke.Result{Payload: []byte(`{"a":1}`)}, status: 200, body: `{"a":1}`,
			header: http.Header{"Content-Type": {"application/json"}}, access: " 200 200 [-]"},
		{what: "2.0 string", path: "/prod/v2", result: invoke.Result{Payload: []byte(`"hi"`)}, status: 200, body: `"hi"`},
		{what: "2.0 document", path: "/prod/v2", result: invoke.Result{Payload: []byte(`{"statusCode":418,"headers":{"content-type":"text/plain"},"cookies":["a=1","b=2"],"body":"teapot"}`)},
			status: 418, body: "teapot", header: http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"a=1", "b=2"}}},
		{what: "2.0 base64 body", path: "/prod/v2", result: invoke.Result{Payload: []byte(`{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`)}, status: 200, body: "hi"},
		{what: "1.0 without statusCode", path: "/prod/v1", result: invoke.Result{Payload: []byte(`{"body":"x"}`)}, status: 500, body: ise,
			logged: "malformed Lambda proxy response", access: " 500 200 [malformed Lambda proxy response]"},
		{what: "2.0 not JSON", path: "/prod/v2", result: invoke.Result{Payload: []byte(`not json`)}, status: 500, body: ise},
		{what: "function error", path: "/prod/v2", result: invoke.Result{FunctionError: "Unhandled",
			Payload: []byte(`{"errorMessage":"boom","errorType":"Error"}`)}, status: 500, body: ise, logged: "the function failed",
			access: " 500 200 [Error: boom]"},
		{what: "no permission", path: "/prod/v2", err: &invoke.Error{Status: 403, Code: "AccessDeniedException", Message: "not allowed"},
			status: 500, body: ise, logged: "permission denied", access: " 500 403 [not allowed]"},
		{what: "no function", path: "/prod/v2", err: &invoke.Error{Status: 404, Code: "ResourceNotFoundException", Message: "Function not found"},
			status: 500, body: ise, logged: "Lambda refused the invocation"},
		{what: "throttled", path: "/prod/v2", err: &invoke.Error{Status: 429, Code: "TooManyRequestsException", Message: "Rate Exceeded."},
			status: 500, body: ise, logged: "ResourceNotFound"[:0] + "TooManyRequestsException"},
		{what: "timeout", path: "/prod/slow", status: 503, body: `{"message":"Service Unavailable"}`, logged: "timed out"},
	} {
		l.logs.Reset()
		l.fns.handler = func(ctx context.Context, req invoke.Request) (invoke.Result, error) {
			if strings.HasSuffix(req.Function, ":slow") {
				<-ctx.Done()
				return invoke.Result{}, ctx.Err()
			}
			return c.result, c.err
		}
		w := l.send("GET", c.path, "", nil)
		if w.Code != c.status || w.Body.String() != c.body {
			t.Errorf("%s: %d %s, want %d %s", c.what, w.Code, w.Body, c.status, c.body)
		}
		for k, vs := range c.header {
			if got := w.Header()[k]; !slices.Equal(got, vs) {
				t.Errorf("%s: %s = %q, want %q", c.what, k, got, vs)
			}
		}
		if c.logged != "" && !strings.Contains(l.logs.String(), c.logged) {
			t.Errorf("%s: the log says %q, want %q in it", c.what, l.logs.String(), c.logged)
		}
		if c.access != "" && !strings.Contains(l.logs.String(), c.access) {
			t.Errorf("%s: access log %q, want %q in it", c.what, l.logs.String(), c.access)
		}
	}
}

// Without an engine the integration is a 500, not a panic.
func TestLambdaWithoutEngine(t *testing.T) {
	l := newLambdaAPI(t, petsIntegrations(), petsRoutes, nil)
	l.env.Functions = nil
	if w := l.send("GET", "/x", "", nil); w.Code != 500 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// An integration URI that names no function is the configuration's
// fault: a 500 without an invocation.
func TestLambdaBrokenURI(t *testing.T) {
	l := newLambdaAPI(t, []model.Integration{{ID: "v2", Type: "AWS_PROXY", ConnectionType: "INTERNET", URI: "https://example.com",
		PayloadFormatVersion: "2.0", TimeoutMillis: 30000}}, []model.Route{{RouteKey: "$default", Target: "integrations/v2"}}, nil)
	if w := l.send("GET", "/x", "", nil); w.Code != 500 || len(l.fns.calls) != 0 {
		t.Fatalf("%d %s, %d calls", w.Code, w.Body, len(l.fns.calls))
	}
}

// A body that arrives after the server's first moment of grace, while an
// authorizer decided, still reaches the function: the Lambda integration
// reads it within its own timeout.
func TestLambdaBodyAfterAuthorizer(t *testing.T) {
	l := newLambdaAPI(t, petsIntegrations(), []model.Route{{RouteKey: "POST /up", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "a"}},
		[]*model.Authorizer{{ID: "a", Type: "REQUEST", URI: fnURI("auth"), PayloadFormatVersion: "2.0", EnableSimpleResponses: true}})
	authorized := make(chan struct{})
	l.fns.handler = func(_ context.Context, req invoke.Request) (invoke.Result, error) {
		if strings.HasSuffix(req.Function, ":auth") {
			close(authorized)
			return invoke.Result{Payload: []byte(`{"isAuthorized":true}`)}, nil
		}
		return invoke.Result{Payload: req.Payload}, nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstream.BoundBodyRead(w, r) // as the data plane does for every request
		Serve(w, r, l.env, l.api, l.api.Stages["prod"], strings.TrimPrefix(r.URL.Path, "/prod"), r.URL.Path)
	}))
	defer srv.Close()
	pr, pw := io.Pipe()
	go func() {
		// The body comes well past the server's grace for unrouted
		// requests (100 ms), once the authorizer has answered.
		<-authorized
		<-time.After(300 * time.Millisecond)
		pw.Write([]byte("late body"))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/prod/up", pr)
	req.ContentLength = int64(len("late body"))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ev map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &ev); err != nil || resp.StatusCode != 200 || ev["body"] != "late body" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

// A stage variable may name the function: each stage invokes the one its
// variables name, and one that names none is a 500 without a call.
func TestLambdaStageVariableFunction(t *testing.T) {
	l := newLambdaAPI(t, []model.Integration{{ID: "v", Type: "AWS_PROXY", ConnectionType: "INTERNET", PayloadFormatVersion: "2.0", TimeoutMillis: 30000,
		URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.backend}/invocations"}},
		[]model.Route{{RouteKey: "GET /x", Target: "integrations/v"}}, nil)
	if w := l.send("GET", "/prod/x", "", nil); w.Code != 200 || len(l.fns.calls) != 1 || l.fns.calls[0].Function != fnARN("v1") {
		t.Fatalf("prod: %d %s, %+v", w.Code, w.Body, l.fns.calls)
	}
	if w := l.send("GET", "/x", "", nil); w.Code != 500 || len(l.fns.calls) != 1 {
		t.Fatalf("$default, without the variable: %d %s, %d calls", w.Code, w.Body, len(l.fns.calls))
	}
}
