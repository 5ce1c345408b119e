package restapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/model"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// throttledScope is one REST API whose MOCK methods answer 200, deployed
// to stage "prod" with settings.
func throttledScope(settings map[string]model.RestMethodSetting) *model.Scoped {
	mock := func(verb string) map[string]*model.RestMethod {
		return map[string]*model.RestMethod{verb: {HTTPMethod: verb, Integration: &model.RestIntegration{Type: "MOCK",
			IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200"}}}}}
	}
	pets := mock("GET")
	pets["POST"] = mock("POST")["POST"]
	dep := &model.RestDeployment{APIID: "api1", ID: "dep1", Resources: []model.RestResource{
		{APIID: "api1", ID: "r0", Path: "/", Methods: mock("GET")},
		{APIID: "api1", ID: "r1", Path: "/pets", Methods: pets},
		{APIID: "api1", ID: "r2", Path: "/any", Methods: mock("ANY")},
		{APIID: "api1", ID: "r3", Path: "/closed", Methods: mock("GET")},
	}}
	return &model.Scoped{
		RestAPIs:        map[string]*model.RestAPI{"api1": {ID: "api1"}},
		RestDeployments: map[string]*model.RestDeployment{"api1/dep1": dep},
		RestStages: map[string]*model.RestStage{"api1/prod": {APIID: "api1", Name: "prod", DeploymentID: "dep1",
			MethodSettings: settings}},
	}
}

func TestThrottle(t *testing.T) {
	var buckets throttle.Registry
	sc := throttledScope(map[string]model.RestMethodSetting{
		model.AllMethods: {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2},
		"pets/POST":      {ThrottlingRateLimit: -1, ThrottlingBurstLimit: 1}, // the stage's rate, a burst of its own
		"any/PUT":        {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1},  // an ANY method's PUT requests
		"closed/GET":     {ThrottlingRateLimit: 0, ThrottlingBurstLimit: 0},  // 0 refuses everything
		"gone/GET":       {ThrottlingRateLimit: 5, ThrottlingBurstLimit: 5},  // no such method: ignored
	})
	api := Compile(sc, nil, &buckets, nil)["api1"]
	buckets.Sweep()
	now := t0
	env := &Env{Now: func() time.Time { return now }}
	expect := func(what, method, path string, status int) {
		t.Helper()
		w := httptest.NewRecorder()
		Serve(w, httptest.NewRequest(method, "/"+path, nil), env, api, api.Stages["prod"], path)
		if w.Code != status {
			t.Fatalf("%s: %s %s = %d %s, want %d", what, method, path, w.Code, w.Body, status)
		}
		if status == http.StatusTooManyRequests {
			h := w.Header()
			if w.Body.String() != `{"message":"Too Many Requests"}` || h.Get("Content-Type") != "application/json" ||
				h.Get("X-Amzn-Errortype") != "TooManyRequestsException" || h.Get("X-Amzn-Requestid") == "" {
				t.Fatalf("%s: throttled answer %v %s", what, h, w.Body)
			}
		}
	}
	// The stage's limits, a burst of 2, apply to each method on its own.
	expect("burst", "GET", "/", 200)
	expect("burst", "GET", "/", 200)
	expect("past the burst", "GET", "/", 429)
	expect("another method, its own bucket", "GET", "/pets", 200)
	expect("another method, its own bucket", "GET", "/pets", 200)
	expect("another method, past the burst", "GET", "/pets", 429)
	// Own settings replace the stage's limits they set.
	expect("own burst of 1", "POST", "/pets", 200)
	expect("own burst, spent", "POST", "/pets", 429)
	expect("an ANY method's verb", "PUT", "/any", 200)
	expect("an ANY method's verb, spent", "PUT", "/any", 429)
	expect("an ANY method's other verbs: the stage's limits", "GET", "/any", 200)
	expect("an ANY method's other verbs: the stage's limits", "DELETE", "/any", 200)
	expect("an ANY method's other verbs, past the burst", "GET", "/any", 429)
	expect("closed", "GET", "/closed", 429)

	now = now.Add(time.Second)
	expect("refilled", "GET", "/pets", 200)
	expect("one token only", "GET", "/pets", 429)
	expect("own bucket refilled at the stage's rate", "POST", "/pets", 200)
	expect("still closed", "GET", "/closed", 429)

	// A recompile with the same limits keeps the buckets as they are.
	api = Compile(sc, nil, &buckets, nil)["api1"]
	buckets.Sweep()
	expect("recompiled, still spent", "GET", "/pets", 429)
	expect("recompiled, still spent", "POST", "/pets", 429)
}

func TestNoSettingsNoLimit(t *testing.T) {
	for name, settings := range map[string]map[string]model.RestMethodSetting{
		"none": nil,
		// Terraform's -1: no limit at either level.
		"unset": {model.AllMethods: {ThrottlingRateLimit: -1, ThrottlingBurstLimit: -1}, "pets/GET": {ThrottlingRateLimit: -1, ThrottlingBurstLimit: -1}},
		// Only other settings.
		"metrics": {"pets/GET": {ThrottlingRateLimit: -1, ThrottlingBurstLimit: -1, MetricsEnabled: true}},
	} {
		var buckets throttle.Registry
		api := Compile(throttledScope(settings), nil, &buckets, nil)["api1"]
		for _, m := range api.Stages["prod"].Methods() {
			if m.limit != nil {
				t.Errorf("%s: %s %s is throttled: %+v", name, m.HTTPMethod, m.Resource, m.limit)
			}
		}
	}
}

func TestThrottleDoesNotAllocate(t *testing.T) {
	var buckets throttle.Registry
	api := Compile(throttledScope(map[string]model.RestMethodSetting{
		model.AllMethods: {ThrottlingRateLimit: 1e9, ThrottlingBurstLimit: 1 << 30},
		"any/PUT":        {ThrottlingRateLimit: 1e9, ThrottlingBurstLimit: 1 << 30},
	}), nil, &buckets, nil)["api1"]
	st := api.Stages["prod"]
	for _, c := range []struct{ verb, path string }{{"GET", "/pets"}, {"PUT", "/any"}, {"GET", "/any"}} {
		l := st.Lookup(c.verb, c.path).limit
		if n := testing.AllocsPerRun(100, func() { l.allow(c.verb, t0) }); n != 0 {
			t.Errorf("%s %s: %v allocations a request", c.verb, c.path, n)
		}
	}
}
