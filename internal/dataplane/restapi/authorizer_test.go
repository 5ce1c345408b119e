package restapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/usage"
)

const authFn = "arn:aws:lambda:us-east-1:000000000000:function:auth"

// fakeFunctions is an invoke.Invoker whose function answers by the token
// or the "who" header it is given, and counts its calls.
type fakeFunctions struct {
	mu     sync.Mutex
	calls  int
	events []map[string]any
	reqs   []invoke.Request
}

func (f *fakeFunctions) Invoke(_ context.Context, req invoke.Request) (invoke.Result, error) {
	var ev map[string]any
	json.Unmarshal(req.Payload, &ev)
	f.mu.Lock()
	f.calls++
	f.events = append(f.events, ev)
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	who, _ := ev["authorizationToken"].(string)
	if h, ok := ev["headers"].(map[string]any); ok {
		who, _ = h["Who"].(string)
	}
	arn, _ := ev["methodArn"].(string)
	prefix := arn[:strings.Index(arn, "/")+1] // ...:api1/
	policy := func(effect, resource string) []byte {
		b, _ := json.Marshal(map[string]any{"principalId": "user-" + who,
			"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}}},
			"context":            map[string]any{"user": who, "admin": false, "level": 3},
			"usageIdentifierKey": testKey})
		return b
	}
	switch who {
	case "allow":
		return invoke.Result{Payload: policy("Allow", prefix+"prod/GET/pets*")}, nil
	case "everything":
		return invoke.Result{Payload: policy("Allow", []string{prefix + "*/*"}[0])}, nil
	case "deny":
		return invoke.Result{Payload: []byte(`{"principalId":"x","policyDocument":{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"execute-api:*","Resource":"*"},
			{"Effect":"Deny","Action":["execute-api:Invoke"],"Resource":["` + prefix + `prod/GET/pets/?"]}]}}`)}, nil
	case "unauthorized":
		return invoke.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"Unauthorized","errorType":"Error"}`)}, nil
	case "boom":
		return invoke.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"Error"}`)}, nil
	case "garbage":
		return invoke.Result{Payload: []byte(`"allow"`)}, nil
	case "object":
		return invoke.Result{Payload: []byte(`{"principalId":"x","policyDocument":{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]},"context":{"o":{"a":1}}}`)}, nil
	case "forbidden":
		return invoke.Result{}, &invoke.Error{Status: 403, Code: "AccessDeniedException", Message: "not allowed"}
	}
	return invoke.Result{Payload: policy("Allow", prefix+"prod/POST/elsewhere")}, nil
}

func (f *fakeFunctions) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

type authServer struct {
	api *API
	env *Env
	fn  *fakeFunctions
	now time.Time
	log bytes.Buffer
}

// newAuthServer deploys api1 to prod: GET /pets, GET /pets/{id} and GET
// /admin behind the TOKEN authorizer tok (cached 300 s, tokens must
// start with a letter), GET /req behind the REQUEST authorizer req (a
// "Who" header and a "tenant" query string), GET /keyed behind tok and
// requiring a key from the authorizer. Each answers with a template
// showing $context.authorizer.
func newAuthServer(t *testing.T) *authServer {
	t.Helper()
	tmpl := `{"principal":"$context.authorizer.principalId","user":"$context.authorizer.user","level":"$context.authorizer.level"}`
	method := func(authorizerID string, key bool) map[string]*model.RestMethod {
		return map[string]*model.RestMethod{"GET": {HTTPMethod: "GET", AuthorizationType: "CUSTOM", AuthorizerID: authorizerID, APIKeyRequired: key,
			Integration: &model.RestIntegration{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`},
				IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200",
					ResponseTemplates: map[string]string{"application/json": tmpl}}}}}}
	}
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + authFn + "/invocations"
	dep := &model.RestDeployment{APIID: "api1", ID: "dep1", Resources: []model.RestResource{
		{APIID: "api1", ID: "r1", Path: "/pets", Methods: method("tok", false)},
		{APIID: "api1", ID: "r2", Path: "/pets/{id}", Methods: method("tok", false)},
		{APIID: "api1", ID: "r3", Path: "/admin", Methods: method("tok", false)},
		{APIID: "api1", ID: "r4", Path: "/req", Methods: method("req", false)},
		{APIID: "api1", ID: "r5", Path: "/keyed", Methods: method("tok", true)},
		{APIID: "api1", ID: "r6", Path: "/gone", Methods: method("nope", false)},
		{APIID: "api1", ID: "r7", Path: "/var", Methods: method("var", false)},
	}, Authorizers: []model.RestAuthorizer{
		{APIID: "api1", ID: "tok", Name: "tok", Type: "TOKEN", URI: uri, IdentitySource: "method.request.header.Authorization",
			IdentityValidationExpression: "[a-z]+", ResultTTL: 300},
		{APIID: "api1", ID: "req", Name: "req", Type: "REQUEST", URI: uri,
			IdentitySource: "method.request.header.Who, method.request.querystring.tenant", ResultTTL: 60},
		{APIID: "api1", ID: "var", Name: "var", Type: "TOKEN", IdentitySource: "method.request.header.Authorization",
			Credentials: "arn:aws:iam::000000000000:role/authorizer",
			URI:         "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}/invocations"},
	}}
	sc := &model.Scoped{
		Scope:           model.Scope{Account: "000000000000", Region: "us-east-1"},
		RestAPIs:        map[string]*model.RestAPI{"api1": {ID: "api1", APIKeySource: "AUTHORIZER"}},
		RestDeployments: map[string]*model.RestDeployment{"api1/dep1": dep},
		RestStages:      map[string]*model.RestStage{"api1/prod": {APIID: "api1", Name: "prod", DeploymentID: "dep1", Variables: map[string]string{"v": "1", "fn": "auth"}}},
		APIKeys:         map[string]*model.APIKey{"key1": {ID: "key1", Value: testKey, Enabled: true}},
		UsagePlans:      map[string]*model.UsagePlan{"plan1": {ID: "plan1", APIStages: []model.UsagePlanStage{{APIID: "api1", Stage: "prod"}}}},
		UsagePlanKeys:   map[string]*model.UsagePlanKey{"plan1/key1": {PlanID: "plan1", KeyID: "key1"}},
	}
	var buckets throttle.Registry
	s := &authServer{api: Compile(sc, nil, &buckets, usage.NewQuotas())["api1"], fn: &fakeFunctions{}, now: t0}
	s.env = &Env{Now: func() time.Time { return s.now }, Functions: s.fn, Log: slog.New(slog.NewTextHandler(&s.log, nil))}
	return s
}

func (s *authServer) send(path string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/prod"+path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	route, _, _ := strings.Cut(path, "?")
	Serve(w, r, s.env, s.api, s.api.Stages["prod"], route)
	return w
}

func TestTokenAuthorizer(t *testing.T) {
	s := newAuthServer(t)
	expect := func(what, path, token string, status int, body, errType string, calls int) {
		t.Helper()
		h := map[string]string{}
		if token != "" {
			h["Authorization"] = token
		}
		w := s.send(path, h)
		if w.Code != status || body != "" && w.Body.String() != body || w.Header().Get("X-Amzn-Errortype") != errType {
			t.Fatalf("%s: %d %s %q, want %d %s %q", what, w.Code, w.Body, w.Header().Get("X-Amzn-Errortype"), status, body, errType)
		}
		if got := s.fn.count(); got != calls {
			t.Fatalf("%s: the function ran %d times, want %d", what, got, calls)
		}
	}
	expect("no token", "/pets", "", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", 0)
	expect("token failing the expression", "/pets", "Bearer 1", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", 0)
	expect("allowed", "/pets", "allow", 200, `{"principal":"user-allow","user":"allow","level":"3"}`, "", 1)
	expect("cached", "/pets/7", "allow", 200, "", "", 1)
	// The cached policy allows GET /pets* only: another method of the
	// stage is judged against it and denied without a call.
	expect("cached policy, other method", "/admin", "allow", 403, `{"Message":"User is not authorized to access this resource"}`, "AccessDeniedException", 1)
	expect("explicit deny", "/pets/1", "deny", 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException", 2)
	expect("deny's allow elsewhere", "/pets", "deny", 200, "", "", 2)
	expect("no allow", "/pets", "other", 403, `{"Message":"User is not authorized to access this resource"}`, "AccessDeniedException", 3)
	expect("Unauthorized", "/pets", "unauthorized", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", 4)
	expect("function error", "/pets", "boom", 500, `{"message":null}`, "AuthorizerConfigurationException", 5)
	expect("not a policy", "/pets", "garbage", 500, `{"message":null}`, "AuthorizerConfigurationException", 6)
	expect("object in context", "/pets", "object", 500, `{"message":null}`, "AuthorizerConfigurationException", 7)
	expect("no permission", "/pets", "forbidden", 500, `{"message":null}`, "AuthorizerConfigurationException", 8)
	if !strings.Contains(s.log.String(), "Invalid permissions on Lambda function") {
		t.Errorf("a permission failure is logged as one: %s", s.log.String())
	}
	// Failures are not cached: the function is asked again.
	expect("Unauthorized again", "/pets", "unauthorized", 401, "", "UnauthorizedException", 9)
	expect("authorizer missing from the deployment", "/gone", "allow", 500, `{"message":null}`, "AuthorizerConfigurationException", 9)

	// The TTL runs on the server's clock.
	s.now = s.now.Add(299 * time.Second)
	expect("within the TTL", "/pets", "allow", 200, "", "", 9)
	s.now = s.now.Add(time.Second)
	expect("past the TTL", "/pets", "allow", 200, "", "", 10)

	// A stage variable in the URI names the function.
	expect("function named by a stage variable", "/var", "everything", 200, "", "", 11)
	s.fn.mu.Lock()
	ev, req, last := s.fn.events[0], s.fn.reqs[0], s.fn.reqs[len(s.fn.reqs)-1]
	s.fn.mu.Unlock()
	// With credentials the role invokes it: the function's policy is not
	// asked.
	if last.Function != authFn || last.Caller != nil {
		t.Errorf("the stage's function, invoked as the role: %+v", last)
	}
	if ev["type"] != "TOKEN" || ev["authorizationToken"] != "allow" || ev["methodArn"] != "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/pets" {
		t.Errorf("TOKEN event: %v", ev)
	}
	if req.Function != authFn || req.Caller == nil || req.Caller.Service != "apigateway.amazonaws.com" ||
		req.Caller.SourceArn != "arn:aws:execute-api:us-east-1:000000000000:api1/authorizers/tok" || req.Account != "000000000000" {
		t.Errorf("invocation: %+v %+v", req, req.Caller)
	}
}

func TestRequestAuthorizer(t *testing.T) {
	s := newAuthServer(t)
	if w := s.send("/req?tenant=a", nil); w.Code != 401 || s.fn.count() != 0 {
		t.Fatalf("a missing header: %d %s, %d calls", w.Code, w.Body, s.fn.count())
	}
	if w := s.send("/req", map[string]string{"Who": "everything"}); w.Code != 401 || s.fn.count() != 0 {
		t.Fatalf("a missing query string: %d %s", w.Code, w.Body)
	}
	if w := s.send("/req?tenant=a&tenant=b", map[string]string{"Who": "everything"}); w.Code != 200 || s.fn.count() != 1 {
		t.Fatalf("allowed: %d %s", w.Code, w.Body)
	}
	// The cache keys on every source: another tenant calls again.
	s.send("/req?tenant=a&tenant=b", map[string]string{"Who": "everything"})
	if s.send("/req?tenant=c", map[string]string{"Who": "everything"}); s.fn.count() != 2 {
		t.Fatalf("calls %d, want 2", s.fn.count())
	}
	s.fn.mu.Lock()
	ev := s.fn.events[0]
	s.fn.mu.Unlock()
	rc, _ := ev["requestContext"].(map[string]any)
	if ev["type"] != "REQUEST" || ev["methodArn"] != "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/req" ||
		ev["resource"] != "/req" || ev["path"] != "/req" || ev["httpMethod"] != "GET" ||
		ev["headers"].(map[string]any)["Who"] != "everything" ||
		ev["queryStringParameters"].(map[string]any)["tenant"] != "b" ||
		len(ev["multiValueQueryStringParameters"].(map[string]any)["tenant"].([]any)) != 2 ||
		ev["stageVariables"].(map[string]any)["v"] != "1" || ev["pathParameters"] != nil ||
		rc["stage"] != "prod" || rc["resourcePath"] != "/req" || rc["apiId"] != "api1" || rc["path"] != "/prod/req" ||
		rc["deploymentId"] != "dep1" || rc["accountId"] != "000000000000" || rc["identity"].(map[string]any)["sourceIp"] != "192.0.2.1" {
		t.Errorf("REQUEST event: %v", ev)
	}
}

// With apiKeySource AUTHORIZER, the key a method requires is the
// authorizer's usageIdentifierKey: the x-api-key header counts for
// nothing.
func TestAuthorizerKeySource(t *testing.T) {
	s := newAuthServer(t)
	if w := s.send("/keyed", map[string]string{"Authorization": "everything", "x-api-key": "wrong"}); w.Code != 200 {
		t.Fatalf("the authorizer's key: %d %s", w.Code, w.Body)
	}
	if w := s.send("/keyed", map[string]string{"x-api-key": testKey}); w.Code != 401 {
		t.Fatalf("no token: %d %s", w.Code, w.Body)
	}
}

// A cached answer's $context.authorizer and its JSON are built once, when
// the answer is cached, and say the answer took no time; the answer the
// function just gave keeps its latency. A request for a method's own
// fixed path has its method ARN from the compile, the same as one built.
func TestCachedAnswerBuiltOnce(t *testing.T) {
	a := &authAnswer{authorized: authorized{principalID: "u", context: map[string]string{"k": "v"}, latency: 5 * time.Millisecond}}
	c := a.cached()
	if c.Context()["integrationLatency"] != int64(0) || a.Context()["integrationLatency"] != int64(5) || c.Context()["k"] != "v" {
		t.Fatalf("cached %v, fresh %v", c.Context(), a.Context())
	}
	if reflect.ValueOf(c.Context()).UnsafePointer() != reflect.ValueOf(c.Context()).UnsafePointer() {
		t.Error("a cached answer's $context.authorizer is built per request")
	}
	if want, _ := json.Marshal(c.Context()); string(c.contextJSON()) != string(want) {
		t.Errorf("contextJSON %s, want %s", c.contextJSON(), want)
	}

	s := newAuthServer(t)
	st := s.api.Stages["prod"]
	for _, c := range []struct{ verb, path, route string }{{"GET", "/pets", "/pets"}, {"GET", "/pets/", "/pets"}, {"GET", "/pets/7", "/pets/{id}"}} {
		m := st.Method(c.verb, c.route)
		q := &request{r: httptest.NewRequest(c.verb, "/prod"+c.path, nil), path: c.path, method: m}
		if got, want := m.authorizer.methodARN(q), "arn:aws:execute-api:us-east-1:000000000000:api1/prod/"+c.verb+c.path; got != want {
			t.Errorf("%s %s: %s, want %s", c.verb, c.path, got, want)
		}
	}
	if st.Method("GET", "/pets").authARN == "" || st.Method("GET", "/pets/{id}").authARN != "" {
		t.Error("the fixed path's ARN is not compiled, or a templated one is")
	}
}

// BenchmarkAuthorizedMethod measures a method behind a cached TOKEN
// authorizer against the same method without one.
func BenchmarkAuthorizedMethod(b *testing.B) {
	s := newAuthServer(&testing.T{})
	s.api.Stages["prod"].Method("GET", "/pets")
	for _, c := range []struct {
		name string
		auth bool
	}{{"none", false}, {"cached", true}} {
		m := s.api.Stages["prod"].Method("GET", "/pets")
		saved := m.authorizer
		if !c.auth {
			m.authorizer = nil
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", "/prod/pets", nil)
			r.Header.Set("Authorization", "allow")
			for b.Loop() {
				w := httptest.NewRecorder()
				Serve(w, r, s.env, s.api, s.api.Stages["prod"], "/pets")
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body)
				}
			}
		})
		m.authorizer = saved
	}
}

// FuzzReadAnswer feeds arbitrary function output to the authorizer's
// reader: nothing panics, and an answer it accepts has a verdict for any
// method ARN.
func FuzzReadAnswer(f *testing.F) {
	for _, seed := range []string{
		`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}}`,
		`{"policyDocument":{"Statement":{"Effect":"Deny","Action":["execute-api:*"],"Resource":["arn:*/GET/?"]}},"context":{"a":1,"b":true,"c":"x"},"usageIdentifierKey":"k"}`,
		`{"policyDocument":{"Statement":[]}}`, `{"context":{"o":{}}}`, `null`, `[]`, `"x"`, `{"policyDocument":{"Statement":[{"Effect":1}]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		a, err := readAnswer(payload)
		if err != nil {
			return
		}
		a.verdict("arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/pets/1")
		a.Claim("principalId")
		a.Context()
	})
}

// A REQUEST authorizer's identity keeps its values apart whatever bytes
// they hold: two lists of query strings that would join to the same text
// are two identities, so they never share a cached answer.
func TestIdentityKeepsValuesApart(t *testing.T) {
	z := &authorizer{sources: []identitySource{{kind: "querystring", name: "a"}, {kind: "querystring", name: "b"}}}
	key := func(query string) string {
		q := &request{r: httptest.NewRequest("GET", "/prod/x?"+query, nil)}
		k, ok := z.identity(q)
		if !ok {
			t.Fatalf("%s: no identity", query)
		}
		return k
	}
	if key("a=x%00y&b=z") == key("a=x&b=y%00z") {
		t.Fatal("two identities share a key")
	}
	if key("a=x&b=y") != key("b=y&a=x") {
		t.Fatal("one identity has two keys")
	}
}
