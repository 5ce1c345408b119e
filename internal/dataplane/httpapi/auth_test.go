package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"gatehouse/internal/clock"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
)

// A route with authorizationType AWS_IAM takes only requests signed by a
// known key, body and all; a route without it takes any request.
func TestRouteAuthorization(t *testing.T) {
	var got []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+string(b))
	}))
	defer backend.Close()
	dep := &model.Deployment{APIID: "api1", ID: "dep1",
		Integrations: []model.Integration{{APIID: "api1", ID: "i1", Type: "HTTP_PROXY", ConnectionType: "INTERNET", URI: backend.URL + "/{proxy}", TimeoutMillis: 5000}},
		Routes: []model.Route{
			{APIID: "api1", ID: "r1", RouteKey: "ANY /open/{proxy+}", Target: "integrations/i1", AuthorizationType: "NONE"},
			{APIID: "api1", ID: "r2", RouteKey: "ANY /private/{proxy+}", Target: "integrations/i1", AuthorizationType: "AWS_IAM"},
		}}
	sc := &model.Scoped{
		HTTPAPIs:    map[string]*model.HTTPAPI{"api1": {ID: "api1"}},
		Deployments: map[string]*model.Deployment{"api1/dep1": dep},
		Stages:      map[string]*model.Stage{"api1/$default": {APIID: "api1", Name: "$default", DeploymentID: "dep1"}},
	}
	var buckets throttle.Registry
	api := Compile(sc, nil, &buckets)["api1"]
	env := &Env{Clock: clock.Real{}, Transport: http.DefaultTransport, Secret: upstream.Keys(map[string]string{"AKIDCALLER": "caller-secret"})}
	send := func(method, path, body, id, secret string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, "http://api1.execute-api.localhost"+path, strings.NewReader(body))
		if id != "" {
			sum := sha256.Sum256([]byte(body))
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, r,
				hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		w := httptest.NewRecorder()
		Serve(w, r, env, api, api.Stages["$default"], path, path)
		return w
	}
	const mismatch = `{"message":"The request signature we calculated does not match the signature you provided. ` +
		`Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`
	for _, c := range []struct {
		what, method, path, body, id, secret string
		status                               int
		answer                               string
	}{
		{"open, unsigned", "GET", "/open/a", "", "", "", 200, ""},
		{"private, unsigned", "GET", "/private/b", "", "", "", 403, `{"message":"Forbidden"}`},
		{"private, signed", "PUT", "/private/c", `{"pet":1}`, "AKIDCALLER", "caller-secret", 200, ""},
		{"private, wrong secret", "GET", "/private/d", "", "AKIDCALLER", "nope", 403, mismatch},
		{"private, unknown key", "GET", "/private/e", "", "AKIDOTHER", "caller-secret", 403,
			`{"message":"The security token included in the request is invalid."}`},
	} {
		w := send(c.method, c.path, c.body, c.id, c.secret)
		if w.Code != c.status || c.answer != "" && w.Body.String() != c.answer {
			t.Errorf("%s: %d %s, want %d %s", c.what, w.Code, w.Body, c.status, c.answer)
		}
	}
	if want := []string{"GET /a ", `PUT /c {"pet":1}`}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the backend saw %q, want %q", got, want)
	}

	// Signed bodies are held in memory to be checked, within a bound:
	// past it, 429 at once, before any of the body is read.
	env.Guard = &upstream.Guard{MaxHeld: 8}
	if w := send("PUT", "/private/f", `{"pet":1}`, "AKIDCALLER", "caller-secret"); w.Code != http.StatusTooManyRequests ||
		w.Body.String() != `{"message":"Too Many Requests"}` {
		t.Errorf("a signed body past the bound: %d %s", w.Code, w.Body)
	}
	if w := send("PUT", "/private/g", `{"a":1}`, "AKIDCALLER", "caller-secret"); w.Code != http.StatusOK {
		t.Errorf("a signed body within the bound: %d %s", w.Code, w.Body)
	}
}
