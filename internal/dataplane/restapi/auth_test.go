package restapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
)

// A method with authorizationType AWS_IAM takes only requests signed by a
// known key; a method without it pays nothing and takes any request;
// apiKeyRequired answers as AWS does without a valid key.
func TestMethodAuthorization(t *testing.T) {
	mock := func(auth string, key bool) map[string]*model.RestMethod {
		return map[string]*model.RestMethod{"ANY": {HTTPMethod: "ANY", AuthorizationType: auth, APIKeyRequired: key,
			Integration: &model.RestIntegration{Type: "MOCK", IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200"}}}}}
	}
	dep := &model.RestDeployment{APIID: "api1", ID: "dep1", Resources: []model.RestResource{
		{APIID: "api1", ID: "r1", Path: "/open", Methods: mock("NONE", false)},
		{APIID: "api1", ID: "r2", Path: "/private", Methods: mock("AWS_IAM", false)},
		{APIID: "api1", ID: "r3", Path: "/keyed", Methods: mock("NONE", true)},
	}}
	sc := &model.Scoped{
		RestAPIs:        map[string]*model.RestAPI{"api1": {ID: "api1"}},
		RestDeployments: map[string]*model.RestDeployment{"api1/dep1": dep},
		RestStages:      map[string]*model.RestStage{"api1/prod": {APIID: "api1", Name: "prod", DeploymentID: "dep1"}},
	}
	var buckets throttle.Registry
	api := Compile(sc, nil, &buckets, nil)["api1"]
	env := &Env{Now: time.Now, Secret: upstream.Keys(map[string]string{"AKIDCALLER": "caller-secret"})}
	send := func(method, path, body, id, secret string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, "http://api1.execute-api.localhost/prod"+path, strings.NewReader(body))
		if id != "" {
			sum := sha256.Sum256([]byte(body))
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, r,
				hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		w := httptest.NewRecorder()
		Serve(w, r, env, api, api.Stages["prod"], path)
		return w
	}
	for _, c := range []struct {
		what, method, path, body, id, secret string
		status                               int
		body2, errType                       string
	}{
		{"open, unsigned", "GET", "/open", "", "", "", 200, "", ""},
		{"private, unsigned", "GET", "/private", "", "", "", 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException"},
		{"private, signed", "POST", "/private", `{"pet":1}`, "AKIDCALLER", "caller-secret", 200, "", ""},
		{"private, wrong secret", "GET", "/private", "", "AKIDCALLER", "nope", 403, "", "InvalidSignatureException"},
		{"private, unknown key", "GET", "/private", "", "AKIDOTHER", "caller-secret", 403,
			`{"message":"The security token included in the request is invalid."}`, "UnrecognizedClientException"},
		{"keyed", "GET", "/keyed", "", "", "", 403, `{"message":"Forbidden"}`, "ForbiddenException"},
	} {
		w := send(c.method, c.path, c.body, c.id, c.secret)
		if w.Code != c.status || c.body2 != "" && w.Body.String() != c.body2 || w.Header().Get("X-Amzn-Errortype") != c.errType {
			t.Errorf("%s: %d %s %q, want %d %s %q", c.what, w.Code, w.Body, w.Header().Get("X-Amzn-Errortype"), c.status, c.body2, c.errType)
		}
	}
	// Signed bodies are held in memory to be checked, within a bound.
	env.Guard = &upstream.Guard{MaxHeld: 8}
	if w := send("POST", "/private", `{"pet":1}`, "AKIDCALLER", "caller-secret"); w.Code != http.StatusTooManyRequests ||
		w.Header().Get("X-Amzn-Errortype") != "TooManyRequestsException" {
		t.Errorf("a signed body past the bound: %d %s", w.Code, w.Body)
	}
	env.Guard = nil

	// A signature message quotes what the caller sent: it stays JSON.
	r := httptest.NewRequest("GET", "http://api1.execute-api.localhost/prod/private", nil)
	r.Header.Set("Authorization", `AWS4-HMAC-SHA256 Credential="}, SignedHeaders=host`)
	w := httptest.NewRecorder()
	Serve(w, r, env, api, api.Stages["prod"], "/private")
	if w.Code != http.StatusForbidden || !strings.HasPrefix(w.Body.String(), `{"message":"`) || strings.Count(w.Body.String(), `"`)-strings.Count(w.Body.String(), `\"`) != 4 {
		t.Errorf("an incomplete signature: %d %s", w.Code, w.Body)
	}
}
