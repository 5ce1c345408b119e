package restapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
)

// A validated body is held within the server's bound while it is checked
// and given back when the request is done, passing or not; one past the
// bound is shed before it is read.
func TestValidatedBodiesAreHeldWithinTheBound(t *testing.T) {
	dep := &model.RestDeployment{APIID: "api1", ID: "dep1",
		Models:     []model.RestModel{{Name: "Pet", Schema: `{"type":"object","required":["name"]}`}},
		Validators: []model.RestRequestValidator{{ID: "v1", ValidateRequestBody: true}},
		Resources: []model.RestResource{{APIID: "api1", ID: "r1", Path: "/pets", Methods: map[string]*model.RestMethod{
			"POST": {HTTPMethod: "POST", AuthorizationType: "NONE", RequestValidatorID: "v1", RequestModels: map[string]string{"application/json": "Pet"},
				Integration: &model.RestIntegration{Type: "MOCK", IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200"}}}},
		}}}}
	sc := &model.Scoped{
		RestAPIs:        map[string]*model.RestAPI{"api1": {ID: "api1"}},
		RestDeployments: map[string]*model.RestDeployment{"api1/dep1": dep},
		RestStages:      map[string]*model.RestStage{"api1/prod": {APIID: "api1", Name: "prod", DeploymentID: "dep1"}},
	}
	var buckets throttle.Registry
	api := Compile(sc, nil, &buckets, nil)["api1"]
	env := &Env{Now: time.Now, Guard: &upstream.Guard{MaxHeld: 20}}
	send := func(body string) int {
		r := httptest.NewRequest("POST", "http://api1.execute-api.localhost/prod/pets", strings.NewReader(body))
		w := httptest.NewRecorder()
		Serve(w, r, env, api, api.Stages["prod"], "/pets")
		return w.Code
	}
	for i := 0; i < 3; i++ {
		if code := send(`{"name":"rex"}`); code != http.StatusOK {
			t.Fatalf("valid body, round %d: %d", i, code)
		}
		if code := send(`{"nom":"rex"}`); code != http.StatusBadRequest {
			t.Fatalf("invalid body, round %d: %d", i, code)
		}
	}
	if code := send(`{"name":"a name too long to hold"}`); code != http.StatusTooManyRequests {
		t.Fatalf("a body past the bound: %d", code)
	}
	if code := send(`{"name":"rex"}`); code != http.StatusOK {
		t.Fatalf("after the shed body: %d", code)
	}
}
