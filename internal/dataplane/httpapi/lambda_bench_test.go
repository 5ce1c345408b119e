package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// answerAtOnce is a function that answers every invocation at once,
// recording nothing: what the benchmarks measure is the gateway's part
// of a Lambda request, a real function's cost comes on top.
type answerAtOnce []byte

func (a answerAtOnce) Invoke(context.Context, invoke.Request) (invoke.Result, error) {
	return invoke.Result{Payload: a}, nil
}

// BenchmarkLambdaProxyV2 measures one request through an AWS_PROXY
// integration of payload format 2.0: the event built, the invocation, the
// answer read and sent.
func BenchmarkLambdaProxyV2(b *testing.B) {
	benchLambda(b, "/prod/pets/7", nil, `{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`)
}

// BenchmarkLambdaProxyV1 is BenchmarkLambdaProxyV2 in payload format 1.0,
// whose event holds every header and parameter twice.
func BenchmarkLambdaProxyV1(b *testing.B) {
	benchLambda(b, "/prod/v1/pets/7", nil, `{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`)
}

// BenchmarkLambdaProxyV2Inferred is BenchmarkLambdaProxyV2 with an answer
// that is not a response document: a 200 with the JSON as its body.
func BenchmarkLambdaProxyV2Inferred(b *testing.B) {
	benchLambda(b, "/prod/pets/7", nil, `{"ok":true}`)
}

// BenchmarkLambdaAuthorizerCached is BenchmarkLambdaProxyV2 behind a
// Lambda authorizer whose answer is cached: one concurrent-map load
// decides.
func BenchmarkLambdaAuthorizerCached(b *testing.B) {
	benchLambda(b, "/prod/guarded/7", http.Header{"Authorization": {"token"}}, `{"isAuthorized":true,"context":{"tier":"gold"}}`)
}

func benchLambda(b *testing.B, target string, header http.Header, answer string) {
	routes := []model.Route{
		{RouteKey: "POST /pets/{id}", Target: "integrations/v2", AuthorizationType: "NONE"},
		{RouteKey: "POST /v1/pets/{id}", Target: "integrations/v1", AuthorizationType: "NONE"},
		{RouteKey: "POST /guarded/{id}", Target: "integrations/v2", AuthorizationType: "CUSTOM", AuthorizerID: "auth"},
	}
	l := newLambdaAPI(b, petsIntegrations(), routes, []*model.Authorizer{{ID: "auth", Type: "REQUEST", URI: fnURI("auth"),
		PayloadFormatVersion: "2.0", EnableSimpleResponses: true, ResultTTLSeconds: 3600, IdentitySource: []string{"$request.header.Authorization"}}})
	l.env.Functions = answerAtOnce(answer)
	l.env.Log = nil
	l.api.Stages["prod"].AccessLog = nil
	st := l.api.Stages["prod"]
	full, _, _ := strings.Cut(target, "?")
	path := strings.TrimPrefix(full, "/prod")
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "http://"+testAPI+".execute-api.localhost"+target+"?size=big", strings.NewReader(`{"name":"rex"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("User-Agent", "bench")
		for k, vs := range header {
			r.Header[k] = vs
		}
		w := httptest.NewRecorder()
		Serve(w, r, l.env, l.api, st, path, full)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
