package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// ordersAPI has routes guarded by Lambda authorizers: simple answers
// (2.0) and policies (1.0 and 2.0), leading to a 2.0 and a 1.0
// integration.
func ordersAPI(t *testing.T, ttl int, sources ...string) *lambdaAPI {
	t.Helper()
	if sources == nil {
		sources = []string{"$request.header.Authorization", "$context.routeKey"}
	}
	auths := []*model.Authorizer{
		{ID: "simple", Name: "simple", Type: "REQUEST", URI: fnURI("auth-simple"), PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
			ResultTTLSeconds: ttl, IdentitySource: sources},
		{ID: "policy1", Name: "policy1", Type: "REQUEST", URI: fnURI("auth-policy"), PayloadFormatVersion: "1.0",
			ResultTTLSeconds: ttl, IdentitySource: sources},
		{ID: "policy2", Name: "policy2", Type: "REQUEST", URI: fnURI("auth-policy"), PayloadFormatVersion: "2.0",
			ResultTTLSeconds: ttl, IdentitySource: []string{"$request.header.Authorization"}},
	}
	routes := []model.Route{
		{RouteKey: "GET /orders/{id}", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "simple"},
		{RouteKey: "GET /v1/orders/{id}", Target: "integrations/v1", AuthorizationType: "CUSTOM", AuthorizerID: "policy1"},
		{RouteKey: "GET /p2/{proxy+}", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "policy2"},
		{RouteKey: "GET /gone", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "nosuch"},
	}
	return newLambdaAPI(t, petsIntegrations(), routes, auths)
}

// authorizers answers for the authorizer functions and the integrations:
// the simple one allows token "good" with a context, the policy one
// allows token "good" on GET /v1/orders/* and /prod/p2/ok and denies the
// rest; the integrations answer with their events.
func authorizers(calls map[string]int) func(ctx context.Context, req invoke.Request) (invoke.Result, error) {
	return func(ctx context.Context, req invoke.Request) (invoke.Result, error) {
		var ev struct {
			Headers  map[string]string `json:"headers"`
			RouteArn string            `json:"routeArn"`
		}
		json.Unmarshal(req.Payload, &ev)
		name := req.Function[strings.LastIndex(req.Function, ":")+1:]
		calls[name]++
		switch name {
		case "auth-simple":
			ok := ev.Headers["authorization"] == "good"
			return invoke.Result{Payload: []byte(`{"isAuthorized":` + map[bool]string{true: "true", false: "false"}[ok] +
				`,"context":{"tier":"gold","n":3,"flags":["a","b"],"nested":{"k":"v"}}}`)}, nil
		case "auth-policy":
			effect := "Deny"
			if ev.Headers["authorization"] == "good" {
				effect = "Allow"
			}
			return invoke.Result{Payload: []byte(`{"principalId":"user-7","policyDocument":{"Version":"2012-10-17","Statement":[` +
				`{"Action":"execute-api:Invoke","Effect":"` + effect + `","Resource":["arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/v1/orders/*","arn:aws:execute-api:*:*:a1b2c3d4e5/prod/GET/p2/ok"]}]},` +
				`"context":{"tier":"silver"}}`)}, nil
		}
		if name == "legacy" { // a 1.0 integration: its event in a response document
			doc, _ := json.Marshal(map[string]any{"statusCode": 200, "body": string(req.Payload)})
			return invoke.Result{Payload: doc}, nil
		}
		return invoke.Result{Payload: req.Payload}, nil // the integration's answer is its event
	}
}

func auth(token string) http.Header {
	if token == "" {
		return nil
	}
	return http.Header{"Authorization": {token}}
}

// A simple authorizer's answer decides; the integration sees its context
// in requestContext.authorizer.lambda; the answer is cached by the
// identity source values for the TTL on the injected clock.
func TestLambdaAuthorizerSimple(t *testing.T) {
	l := ordersAPI(t, 300)
	calls := map[string]int{}
	l.fns.handler = authorizers(calls)
	w := l.send("GET", "/prod/orders/42", "", auth("good"))
	if w.Code != 200 {
		t.Fatalf("allowed: %d %s", w.Code, w.Body)
	}
	var ev map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(ev["requestContext"].(map[string]any)["authorizer"])
	if want := `{"lambda":{"flags":["a","b"],"n":3,"nested":{"k":"v"},"tier":"gold"}}`; string(got) != want {
		t.Errorf("requestContext.authorizer %s, want %s", got, want)
	}
	if !strings.Contains(l.logs.String(), "[-] [gold] [-]") {
		t.Errorf("access log: %s", l.logs)
	}
	call := l.fns.of("auth-simple")[0]
	if call.Caller.SourceArn != "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/simple" || call.Caller.Service != "apigateway.amazonaws.com" {
		t.Errorf("the authorizer was invoked as %+v", call.Caller)
	}

	// Cached: the same identity within the TTL calls no function.
	l.clock.Advance(299 * time.Second)
	if w := l.send("GET", "/prod/orders/43", "", auth("good")); w.Code != 200 || calls["auth-simple"] != 1 {
		t.Fatalf("within the TTL: %d, %d calls", w.Code, calls["auth-simple"])
	}
	// A denied identity is cached too.
	for range 2 {
		if w := l.send("GET", "/prod/orders/42", "", auth("bad")); w.Code != 403 || w.Body.String() != `{"message":"Forbidden"}` {
			t.Fatalf("denied: %d %s", w.Code, w.Body)
		}
	}
	if calls["auth-simple"] != 2 {
		t.Fatalf("%d authorizer calls, want 2", calls["auth-simple"])
	}
	// Past the TTL the function is asked again.
	l.clock.Advance(2 * time.Second)
	l.send("GET", "/prod/orders/42", "", auth("good"))
	if calls["auth-simple"] != 3 {
		t.Fatalf("past the TTL: %d authorizer calls, want 3", calls["auth-simple"])
	}
	// A missing identity source: 401 without a call.
	if w := l.send("GET", "/prod/orders/42", "", nil); w.Code != 401 || w.Body.String() != `{"message":"Unauthorized"}` {
		t.Fatalf("no identity: %d %s", w.Code, w.Body)
	}
	if calls["auth-simple"] != 3 {
		t.Fatalf("the authorizer was called without an identity")
	}
	if calls["pets"] != 3 {
		t.Fatalf("the integration ran %d times, want 3", calls["pets"])
	}
}

// With a TTL of 0 nothing is cached.
func TestLambdaAuthorizerNoCache(t *testing.T) {
	l := ordersAPI(t, 0)
	calls := map[string]int{}
	l.fns.handler = authorizers(calls)
	for range 3 {
		l.send("GET", "/prod/orders/1", "", auth("good"))
	}
	if calls["auth-simple"] != 3 {
		t.Fatalf("%d calls, want 3", calls["auth-simple"])
	}
}

// A policy answer is judged against each request's route ARN, the cached
// one too: allowed where it allows, 403 where it does not; a 1.0
// integration sees the context, principalId and the authorizer's latency
// in requestContext.authorizer.
func TestLambdaAuthorizerPolicy(t *testing.T) {
	l := ordersAPI(t, 60)
	calls := map[string]int{}
	l.fns.handler = authorizers(calls)
	w := l.send("GET", "/prod/v1/orders/9", "", auth("good"))
	if w.Code != 200 {
		t.Fatalf("allowed: %d %s", w.Code, w.Body)
	}
	var ev map[string]any
	json.Unmarshal(w.Body.Bytes(), &ev)
	got, _ := json.Marshal(ev["requestContext"].(map[string]any)["authorizer"])
	if want := `{"integrationLatency":0,"principalId":"user-7","tier":"silver"}`; string(got) != want {
		t.Errorf("1.0 requestContext.authorizer %s, want %s", got, want)
	}
	if !strings.Contains(l.logs.String(), "[silver] [user-7]") {
		t.Errorf("access log: %s", l.logs)
	}
	if w := l.send("GET", "/prod/v1/orders/9", "", auth("bad")); w.Code != 403 {
		t.Fatalf("denied: %d %s", w.Code, w.Body)
	}
	// One cached policy serves the routes it names and no others.
	if w := l.send("GET", "/prod/p2/ok", "", auth("good")); w.Code != 200 {
		t.Fatalf("p2/ok: %d %s", w.Code, w.Body)
	}
	if w := l.send("GET", "/prod/p2/other", "", auth("good")); w.Code != 403 {
		t.Fatalf("p2/other: %d %s", w.Code, w.Body)
	}
	if calls["auth-policy"] != 3 {
		t.Fatalf("%d policy calls, want 3 (two identities on policy1, one on policy2)", calls["auth-policy"])
	}
}

// What the authorizer cannot give is a 500: a function error, an answer
// that is no answer, Lambda's refusal (a missing permission among them,
// logged as such), an authorizer the route names but the API lacks.
func TestLambdaAuthorizerFailures(t *testing.T) {
	l := ordersAPI(t, 0)
	for _, c := range []struct {
		what   string
		result invoke.Result
		err    error
		logged string
	}{
		{"function error", invoke.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"nope"}`)}, nil, "the function failed"},
		{"no isAuthorized", invoke.Result{Payload: []byte(`{"context":{}}`)}, nil, "not valid"},
		{"not JSON", invoke.Result{Payload: []byte(`yes`)}, nil, "not valid"},
		{"context not an object", invoke.Result{Payload: []byte(`{"isAuthorized":true,"context":[1]}`)}, nil, "not valid"},
		{"no permission", invoke.Result{}, &invoke.Error{Status: 403, Code: "AccessDeniedException", Message: "denied"}, "permission denied"},
	} {
		l.logs.Reset()
		l.fns.handler = func(context.Context, invoke.Request) (invoke.Result, error) { return c.result, c.err }
		w := l.send("GET", "/prod/orders/1", "", auth("good"))
		if w.Code != 500 || w.Body.String() != `{"message":"Internal Server Error"}` {
			t.Errorf("%s: %d %s", c.what, w.Code, w.Body)
		}
		if !strings.Contains(l.logs.String(), c.logged) {
			t.Errorf("%s: log %q, want %q in it", c.what, l.logs, c.logged)
		}
	}
	l.fns.calls = nil
	if w := l.send("GET", "/prod/gone", "", auth("good")); w.Code != 500 || len(l.fns.calls) != 0 {
		t.Errorf("unknown authorizer: %d, %d calls", w.Code, len(l.fns.calls))
	}
	// A 1.0 policy that is no policy.
	l.fns.handler = func(context.Context, invoke.Request) (invoke.Result, error) {
		return invoke.Result{Payload: []byte(`{"principalId":"x","policyDocument":{"Statement":"all"}}`)}, nil
	}
	if w := l.send("GET", "/prod/v1/orders/1", "", auth("good")); w.Code != 500 {
		t.Errorf("bad policy: %d", w.Code)
	}
}

// The events authorizers get are AWS's, member by member, in both
// payload formats.
func TestLambdaAuthorizerEvents(t *testing.T) {
	routes := []model.Route{
		{RouteKey: "GET /orders/{id}", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "a2"},
		{RouteKey: "GET /v1/orders/{id}", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "a1"},
	}
	sources := []string{"$request.header.Authorization", "$context.routeKey"}
	l := newLambdaAPI(t, petsIntegrations(), routes, []*model.Authorizer{
		{ID: "a2", Type: "REQUEST", URI: fnURI("auth2"), PayloadFormatVersion: "2.0", EnableSimpleResponses: true, IdentitySource: sources},
		{ID: "a1", Type: "REQUEST", URI: fnURI("auth1"), PayloadFormatVersion: "1.0", IdentitySource: sources},
	})
	l.fns.handler = returns(`{"isAuthorized":true}`)
	l.send("GET", "/prod/orders/42?expand=items", "", auth("token-1"))
	compareEvent(t, l.fns.of("auth2")[0].Payload, "v2-authorizer.json")

	l.api.Stages["prod"].Router = Router{}
	rt := &Route{Key: "GET /orders/{id}", Integration: 0, Custom: "a1"}
	l.api.Stages["prod"].Router.Add(rt)
	l.fns.handler = returns(`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`)
	l.send("GET", "/prod/orders/42?expand=items", "", auth("token-1"))
	compareEvent(t, l.fns.of("auth1")[0].Payload, "v1-authorizer.json")
}

// A CUSTOM route in front of an HTTP integration passes the authorizer's
// context to parameter mapping as $context.authorizer.NAME.
func TestLambdaAuthorizerContextMapping(t *testing.T) {
	var got http.Header
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer backend.Close()
	l := newLambdaAPI(t, []model.Integration{{ID: "http", Type: "HTTP_PROXY", ConnectionType: "INTERNET", URI: backend.URL, Method: "ANY",
		PayloadFormatVersion: "1.0", TimeoutMillis: 5000, RequestParameters: map[string]string{
			"append:header.x-tier": "$context.authorizer.tier", "append:header.x-user": "$context.authorizer.principalId"}}},
		[]model.Route{{RouteKey: "GET /data", Target: "integrations/http", AuthorizationType: "CUSTOM", AuthorizerID: "p"}},
		[]*model.Authorizer{{ID: "p", Type: "REQUEST", URI: fnURI("auth"), PayloadFormatVersion: "2.0", IdentitySource: []string{"$request.querystring.key"}}})
	l.fns.handler = returns(`{"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"tier":"gold"}}`)
	w := l.send("GET", "/prod/data?key=k", "", nil)
	if w.Code != 200 || got.Get("X-Tier") != "gold" || got.Get("X-User") != "u1" {
		t.Fatalf("%d; the backend saw %v", w.Code, got)
	}
	if w := l.send("GET", "/prod/data", "", nil); w.Code != 401 {
		t.Fatalf("no key: %d", w.Code)
	}
}

// An authorizer with authorizerCredentialsArn invokes its function as
// that role: no resource policy is asked.
func TestLambdaAuthorizerRole(t *testing.T) {
	l := newLambdaAPI(t, petsIntegrations(), []model.Route{{RouteKey: "GET /r", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "a"}},
		[]*model.Authorizer{{ID: "a", Type: "REQUEST", URI: fnURI("auth"), PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
			CredentialsARN: "arn:aws:iam::123456789012:role/invoker"}})
	l.fns.handler = returns(`{"isAuthorized":true}`)
	if w := l.send("GET", "/prod/r", "", nil); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if c := l.fns.of("auth"); len(c) != 1 || c[0].Caller != nil {
		t.Fatalf("the authorizer was invoked %+v", c)
	}
	if c := l.fns.of("pets"); len(c) != 1 || c[0].Caller == nil {
		t.Fatalf("the integration was invoked %+v", c)
	}
}

// Whatever an authorizer function answers is read without panicking: a
// verdict, or an error that makes the request a 500.
func FuzzLambdaAuthorizerAnswer(f *testing.F) {
	for _, s := range []string{`{"isAuthorized":true,"context":{"a":1}}`, `{"isAuthorized":"yes"}`, `null`, `[]`, `{"context":7}`,
		`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"k":[1,{"x":null}]}}`,
		`{"principalId":{"o":1},"policyDocument":{"Statement":{"Action":["*"],"Effect":"Deny","NotResource":["a*"]}}}`} {
		f.Add([]byte(s))
	}
	simple := &LambdaAuthorizer{V2: true, Simple: true}
	policy := &LambdaAuthorizer{}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, a := range []*LambdaAuthorizer{simple, policy} {
			v, err := a.readAnswer(payload)
			if err != nil {
				continue
			}
			v.allows("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/x")
			if v.ctx != nil {
				var b []byte
				if b = v.ctx.appendV1(v.ctx.appendRaw(nil)); len(b) == 0 {
					t.Fatal("nothing appended")
				}
				if !json.Valid(v.ctx.appendV1(nil)) || !json.Valid(v.ctx.appendRaw(nil)) {
					t.Fatalf("%q: the context does not make JSON: %s / %s", payload, v.ctx.appendV1(nil), v.ctx.appendRaw(nil))
				}
			}
		}
	})
}

// Whatever a client sends, the events built from it are JSON.
func FuzzLambdaEvents(f *testing.F) {
	f.Add("/prod/pets/7", "a=1&a=2&b", "X-Custom", "v\u00e9", "c=1; d", "text/plain", []byte("body"))
	f.Add("/prod/pets/%zz", "%%%", "X-\x00", "\xff", ";;", "", []byte{0xff, 0})
	l := newLambdaAPI(f, petsIntegrations(), petsRoutes, nil)
	l.env.Functions = nil
	f.Fuzz(func(t *testing.T, path, rawQuery, hname, hvalue, cookie, ctype string, body []byte) {
		r := httptest.NewRequest("POST", "http://"+testAPI+".execute-api.localhost/", nil)
		r.URL.Path, r.URL.RawQuery = path, rawQuery
		r.Header = http.Header{hname: {hvalue, hvalue}, "Cookie": {cookie}, "Content-Type": {ctype}}
		st := l.api.Stages["prod"]
		var m Match
		if !st.Router.Lookup("POST", strings.TrimPrefix(path, "/prod"), &m) {
			return
		}
		rq := &request{r: r, match: m, st: st, api: l.api, path: strings.TrimPrefix(path, "/prod"), full: path, reqID: "id", trace: "t", body: body,
			lambda: &authContext{raw: []byte(`{"k":"v"}`), principalID: hvalue}}
		rq.m = &rq.match
		for _, ev := range [][]byte{appendV2(nil, rq, nil), appendV1(nil, rq, nil), appendV2(nil, rq, &authHead{arn: path, values: []string{hvalue}}),
			appendV1(nil, rq, &authHead{arn: path, values: []string{hvalue, cookie}})} {
			if !json.Valid(ev) {
				t.Fatalf("not JSON: %s", ev)
			}
		}
	})
}

func TestCacheKeyTellsListsApart(t *testing.T) {
	for _, pair := range [][2][]string{{{"a\x00b", "c"}, {"a", "b\x00c"}}, {{"ab", "c"}, {"a", "bc"}}, {{"1:a"}, {"1", "a"}}} {
		if cacheKey(pair[0]) == cacheKey(pair[1]) {
			t.Errorf("%q and %q share a key", pair[0], pair[1])
		}
	}
}

// A stage variable may name the authorizer's function: each stage calls
// the one its variables name, and keeps its own answers.
func TestLambdaAuthorizerStageVariable(t *testing.T) {
	l := newLambdaAPI(t, petsIntegrations(), []model.Route{{RouteKey: "GET /r", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "a"}},
		[]*model.Authorizer{{ID: "a", Type: "REQUEST", PayloadFormatVersion: "2.0", EnableSimpleResponses: true, ResultTTLSeconds: 300,
			IdentitySource: []string{"$request.header.Authorization"},
			URI:            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.backend}/invocations"}})
	l.fns.handler = returns(`{"isAuthorized":true}`)
	for range 2 {
		if w := l.send("GET", "/prod/r", "", auth("t")); w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	if c := l.fns.of("v1"); len(c) != 1 {
		t.Fatalf("v1 called %d times, want 1 (then cached)", len(c))
	}
	// $default has no backend variable: no function, a 500 without a call.
	if w := l.send("GET", "/r", "", auth("t")); w.Code != 500 || len(l.fns.calls) != 3 {
		t.Fatalf("$default: %d, %d calls", w.Code, len(l.fns.calls))
	}
}

// An authorizer's cached answers survive a compile of the API after any
// change that leaves the authorizer asking the same function the same
// way (here a new route, and the authorizer renamed and given a role),
// even a compile that reuses nothing else; they go when its function,
// identity sources, payload format, response kind or TTL change. Kept
// answers still expire by the TTL on the server's clock.
func TestLambdaAuthorizerCacheAcrossCompiles(t *testing.T) {
	l := ordersAPI(t, 300)
	calls := map[string]int{}
	l.fns.handler = authorizers(calls)
	ask := func(what string, want int) {
		t.Helper()
		if w := l.send("GET", "/prod/orders/42", "", auth("good")); w.Code != 200 || calls["auth-simple"] != want {
			t.Fatalf("%s: %d, %d authorizer calls, want %d", what, w.Code, calls["auth-simple"], want)
		}
	}
	ask("first", 1)
	edited := func(change func(a *model.Authorizer)) func(sc *model.Scoped) {
		return func(sc *model.Scoped) {
			a := *sc.Authorizers[testAPI+"/simple"]
			change(&a)
			sc.Authorizers[testAPI+"/simple"] = &a
		}
	}
	for _, whole := range []bool{false, true} {
		l.recompile(whole, func(sc *model.Scoped) {
			dep := *sc.Deployments[testAPI+"/dep1"]
			dep.Routes = append(slices.Clone(dep.Routes), model.Route{APIID: testAPI, ID: "new", RouteKey: "GET /new", Target: "integrations/v2", AuthorizationType: "NONE"})
			sc.Deployments[testAPI+"/dep1"] = &dep
		})
		ask("after a new route", 1)
		l.recompile(whole, edited(func(a *model.Authorizer) { a.Name, a.CredentialsARN = "renamed", "arn:aws:iam::123456789012:role/gate" }))
		ask("after a rename", 1)
	}
	if w := l.send("GET", "/prod/new", "", nil); w.Code != 200 {
		t.Fatalf("the new route: %d", w.Code)
	}
	l.clock.Advance(301 * time.Second)
	ask("past the TTL", 2)

	orig := *l.sc.Authorizers[testAPI+"/simple"]
	n := 2
	for what, change := range map[string]func(a *model.Authorizer){
		"function":         func(a *model.Authorizer) { a.URI = fnURI("auth-simple:live") },
		"identity sources": func(a *model.Authorizer) { a.IdentitySource = []string{"$request.header.Authorization"} },
		"TTL":              func(a *model.Authorizer) { a.ResultTTLSeconds = 600 },
		"simple responses": func(a *model.Authorizer) { a.EnableSimpleResponses = false; a.PayloadFormatVersion = "2.0" },
	} {
		l.recompile(false, edited(change))
		l.recompile(false, edited(func(a *model.Authorizer) { *a = orig }))
		n++
		ask("after a new "+what+" and back", n)
	}
}
