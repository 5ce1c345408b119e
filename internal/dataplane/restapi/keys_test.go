package restapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/model"
	"gatehouse/internal/usage"
)

const testKey = "0123456789abcdefghij0123456789"

// keyedScope is one REST API with MOCK methods deployed to "prod": GET
// /keyed and ANY /any require a key, GET /open does not. plan covers prod
// and holds the key testKey (enabled as given).
func keyedScope(plan *model.UsagePlan, enabled bool) *model.Scoped {
	mock := func(verb string, key bool) map[string]*model.RestMethod {
		return map[string]*model.RestMethod{verb: {HTTPMethod: verb, APIKeyRequired: key, Integration: &model.RestIntegration{Type: "MOCK",
			IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200"}}}}}
	}
	dep := &model.RestDeployment{APIID: "api1", ID: "dep1", Resources: []model.RestResource{
		{APIID: "api1", ID: "r1", Path: "/keyed", Methods: mock("GET", true)},
		{APIID: "api1", ID: "r2", Path: "/any", Methods: mock("ANY", true)},
		{APIID: "api1", ID: "r3", Path: "/open", Methods: mock("GET", false)},
	}}
	plan.ID = "plan1"
	plan.APIStages = []model.UsagePlanStage{{APIID: "api1", Stage: "prod", Throttle: plan.APIStages[0].Throttle}}
	return &model.Scoped{
		Scope:           model.Scope{Account: "000000000000", Region: "us-east-1"},
		RestAPIs:        map[string]*model.RestAPI{"api1": {ID: "api1", APIKeySource: "HEADER"}},
		RestDeployments: map[string]*model.RestDeployment{"api1/dep1": dep},
		RestStages:      map[string]*model.RestStage{"api1/prod": {APIID: "api1", Name: "prod", DeploymentID: "dep1"}},
		APIKeys:         map[string]*model.APIKey{"key1": {ID: "key1", Value: testKey, Enabled: enabled}},
		UsagePlans:      map[string]*model.UsagePlan{"plan1": plan},
		UsagePlanKeys:   map[string]*model.UsagePlanKey{"plan1/key1": {PlanID: "plan1", KeyID: "key1"}},
	}
}

type keyedServer struct {
	api *API
	env *Env
	now time.Time
}

func newKeyed(plan *model.UsagePlan, enabled bool, quotas *usage.Quotas) *keyedServer {
	var buckets throttle.Registry
	s := &keyedServer{api: Compile(keyedScope(plan, enabled), nil, &buckets, quotas)["api1"], now: t0}
	s.env = &Env{Now: func() time.Time { return s.now }}
	return s
}

func (s *keyedServer) send(method, path, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/prod"+path, nil)
	if key != "" {
		r.Header.Set("x-api-key", key)
	}
	w := httptest.NewRecorder()
	Serve(w, r, s.env, s.api, s.api.Stages["prod"], path)
	return w
}

func TestAPIKeyStep(t *testing.T) {
	plan := &model.UsagePlan{APIStages: []model.UsagePlanStage{{Throttle: map[string]model.ThrottleSettings{
		"/any/PUT": {RateLimit: 1, BurstLimit: 1}}}},
		Throttle: &model.ThrottleSettings{RateLimit: 1, BurstLimit: 4},
		Quota:    &model.QuotaSettings{Limit: 3, Period: "DAY"}}
	s := newKeyed(plan, true, usage.NewQuotas())
	expect := func(what, method, path, key string, status int, body, errType string) {
		t.Helper()
		w := s.send(method, path, key)
		if w.Code != status || body != "" && w.Body.String() != body || w.Header().Get("X-Amzn-Errortype") != errType {
			t.Fatalf("%s: %d %s %q, want %d %s %q", what, w.Code, w.Body, w.Header().Get("X-Amzn-Errortype"), status, body, errType)
		}
	}
	expect("no key", "GET", "/keyed", "", 403, `{"message":"Forbidden"}`, "ForbiddenException")
	expect("wrong key", "GET", "/keyed", "nope", 403, `{"message":"Forbidden"}`, "ForbiddenException")
	expect("open", "GET", "/open", "", 200, "", "")
	expect("keyed 1", "GET", "/keyed", testKey, 200, "", "")
	expect("ANY's PUT 1", "PUT", "/any", testKey, 200, "", "")
	expect("ANY's PUT throttled per method", "PUT", "/any", testKey, 429, `{"message":"Too Many Requests"}`, "TooManyRequestsException")
	expect("ANY's GET has no method throttle", "GET", "/any", testKey, 200, "", "")
	expect("quota spent", "GET", "/keyed", testKey, 429, `{"message":"Limit Exceeded"}`, "LimitExceededException")
	s.now = t0.Add(24 * time.Hour)
	expect("a new day", "GET", "/keyed", testKey, 200, "", "")

	disabled := newKeyed(&model.UsagePlan{APIStages: []model.UsagePlanStage{{}}}, false, usage.NewQuotas())
	if w := disabled.send("GET", "/keyed", testKey); w.Code != 403 {
		t.Fatalf("a disabled key: %d", w.Code)
	}
	// With apiKeySource AUTHORIZER the key comes from a Lambda
	// authorizer, which gatehouse does not have: the header opens nothing.
	authorizerSource := &model.UsagePlan{APIStages: []model.UsagePlanStage{{}}}
	sc := keyedScope(authorizerSource, true)
	sc.RestAPIs["api1"].APIKeySource = "AUTHORIZER"
	var buckets throttle.Registry
	byAuthorizer := &keyedServer{api: Compile(sc, nil, &buckets, usage.NewQuotas())["api1"], env: &Env{Now: func() time.Time { return t0 }}}
	if w := byAuthorizer.send("GET", "/keyed", testKey); w.Code != 403 {
		t.Fatalf("apiKeySource AUTHORIZER took the header's key: %d", w.Code)
	}
	noQuotas := newKeyed(&model.UsagePlan{APIStages: []model.UsagePlanStage{{}}}, true, nil)
	if w := noQuotas.send("GET", "/keyed", testKey); w.Code != 403 {
		t.Fatalf("without counters a key is admitted: %d", w.Code)
	}
}

// The plan throttle applies before the quota: a throttled request uses
// none of it.
func TestAPIKeyThrottleBeforeQuota(t *testing.T) {
	quotas := usage.NewQuotas()
	s := newKeyed(&model.UsagePlan{APIStages: []model.UsagePlanStage{{}}, Throttle: &model.ThrottleSettings{RateLimit: 1, BurstLimit: 1},
		Quota: &model.QuotaSettings{Limit: 10, Period: "WEEK"}}, true, quotas)
	for range 5 {
		s.send("GET", "/keyed", testKey)
	}
	_, used := quotas.Quota(model.UsageID(model.Scope{Account: "000000000000", Region: "us-east-1"}, "plan1", "key1")).Used()
	if used != 1 {
		t.Fatalf("quota used %d, want 1: throttled requests count", used)
	}
}

func TestAPIKeyStepAllocatesNothing(t *testing.T) {
	s := newKeyed(&model.UsagePlan{APIStages: []model.UsagePlanStage{{Throttle: map[string]model.ThrottleSettings{
		"/keyed/GET": {RateLimit: 1e9, BurstLimit: 1 << 30}}}},
		Throttle: &model.ThrottleSettings{RateLimit: 1e9, BurstLimit: 1 << 30},
		Quota:    &model.QuotaSettings{Limit: 1 << 30, Period: "MONTH"}}, true, usage.NewQuotas())
	st := s.api.Stages["prod"]
	m := st.Lookup("GET", "/keyed")
	r := httptest.NewRequest("GET", "/prod/keyed", nil)
	r.Header.Set("x-api-key", testKey)
	st.keys.admit(r, m, "", t0)
	if n := testing.AllocsPerRun(100, func() {
		if st.keys.admit(r, m, "", t0) != nil {
			t.Fatal("refused")
		}
	}); n != 0 {
		t.Fatalf("the API key step allocates %v times a request", n)
	}
	if s.api.Stages["prod"].Lookup("GET", "/open").APIKeyRequired {
		t.Fatal("the open method requires a key")
	}
}

// BenchmarkMethodWithoutKey and BenchmarkMethodWithKey serve a MOCK
// method of the same stage: a method without apiKeyRequired pays nothing
// for the keys its stage holds.
func BenchmarkMethodWithoutKey(b *testing.B) { benchKeyed(b, "/open", "") }

func BenchmarkMethodWithKey(b *testing.B) { benchKeyed(b, "/keyed", testKey) }

func benchKeyed(b *testing.B, path, key string) {
	s := newKeyed(&model.UsagePlan{APIStages: []model.UsagePlanStage{{}}, Throttle: &model.ThrottleSettings{RateLimit: 1e9, BurstLimit: 1 << 30},
		Quota: &model.QuotaSettings{Limit: 1 << 30, Period: "MONTH"}}, true, usage.NewQuotas())
	r := httptest.NewRequest("GET", "/prod"+path, nil)
	if key != "" {
		r.Header.Set("x-api-key", key)
	}
	st := s.api.Stages["prod"]
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		Serve(w, r, s.env, s.api, st, path)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
