package restapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/model"
)

// BenchmarkRestLambdaProxy measures one request through an AWS_PROXY
// method with a function that answers at once (a fake invoker): the proxy
// event built and encoded, the invocation, the response document read and
// sent. What a real function costs comes on top; this is the gateway's
// part.
func BenchmarkRestLambdaProxy(b *testing.B) {
	api := lambdaAPI(b, proxyIntegration(), map[string]string{"tier": "gold"})
	fns := &functions{answer: answering(`{"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{\"ok\":true}"}`)}
	benchLambda(b, api, fns, "POST", "/prod/orders/42?size=big", `{"item": "tea"}`)
}

// BenchmarkRestLambdaCustom measures one request through an AWS method:
// a request template makes the payload, the answer goes through the
// default integration response.
func BenchmarkRestLambdaCustom(b *testing.B) {
	api := lambdaAPI(b, &model.RestIntegration{Type: "AWS", HTTPMethod: "POST", URI: testLambda, TimeoutMillis: 29000,
		PassthroughBehavior: "WHEN_NO_MATCH",
		RequestTemplates:    map[string]string{"application/json": `{"id": "$input.params('id')", "item": $input.json('$.item')}`},
		IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200"},
			"400": {StatusCode: "400", SelectionPattern: "Bad request.*"}}}, nil)
	fns := &functions{answer: answering(`{"total": 3}`)}
	benchLambda(b, api, fns, "POST", "/prod/orders/42", `{"item": "tea"}`)
}

// BenchmarkRestLambdaAsync measures one request through an AWS method
// that maps X-Amz-Invocation-Type to 'Event': the payload made, the event
// handed to a queue that takes it at once (a fake), Lambda's empty answer
// through the default integration response. Keeping the event durably is
// the Lambda service's part, on top.
func BenchmarkRestLambdaAsync(b *testing.B) {
	api := lambdaAPI(b, asyncIntegration("AWS", "'Event'"), nil)
	benchLambda(b, api, &functions{}, "POST", "/prod/orders/42", `{"item": "tea"}`)
}

func benchLambda(b *testing.B, api *API, fns *functions, method, target, body string) {
	env := &Env{Now: time.Now, Functions: fns, Events: &queue{}}
	st := api.Stages["prod"]
	path, _, _ := strings.Cut(strings.TrimPrefix(target, "/prod"), "?")
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(method, "http://api1.execute-api.localhost"+target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("User-Agent", "bench")
		w := httptest.NewRecorder()
		Serve(w, r, env, api, st, path)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		fns.got = fns.got[:0]
		env.Events.(*queue).got = nil
	}
}
