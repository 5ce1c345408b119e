package restapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// queue is an invoke.Queuer that records what it is given and answers
// with refuse, or an id.
type queue struct {
	mu     sync.Mutex
	got    []invoke.Request
	refuse error
}

func (q *queue) Queue(_ context.Context, req invoke.Request) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.got = append(q.got, req)
	if q.refuse != nil {
		return "", q.refuse
	}
	return "queued-1", nil
}

func (q *queue) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.got)
}

// asyncIntegration is an AWS integration whose invocation type comes from
// source, answering through a default response that maps Lambda's request
// id and has a template.
func asyncIntegration(typ, source string) *model.RestIntegration {
	return &model.RestIntegration{Type: typ, HTTPMethod: "POST", URI: testLambda, TimeoutMillis: 29000, PassthroughBehavior: "WHEN_NO_MATCH",
		RequestParameters: map[string]string{"integration.request.header.X-Amz-Invocation-Type": source},
		RequestTemplates:  map[string]string{"application/json": `{"item": $input.json('$.item')}`},
		IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200",
			ResponseParameters: map[string]string{"method.response.header.X-Lambda-Request": "integration.response.header.x-amzn-RequestId"},
			ResponseTemplates:  map[string]string{"application/json": `{"accepted": true, "body": "$input.body", "item": "$input.path('$.item')"}`}}}}
}

func sendAsync(api *API, fns *functions, events *queue, invocationType string) (*httptest.ResponseRecorder, string) {
	var logged bytes.Buffer
	env := &Env{Now: func() time.Time { return requestTime }, Log: slog.New(slog.NewTextHandler(&logged, nil)), Functions: fns, Events: events}
	r := httptest.NewRequest("POST", "http://api1.execute-api.localhost/prod/orders/42", strings.NewReader(`{"item": "tea"}`))
	r.Header.Set("Content-Type", "application/json")
	if invocationType != "" {
		r.Header.Set("InvocationType", invocationType)
	}
	w := httptest.NewRecorder()
	Serve(w, r, env, api, api.Stages["prod"], "/orders/42")
	return w, logged.String()
}

// An AWS integration mapping X-Amz-Invocation-Type to 'Event' queues the
// event, with the payload its template made and the caller its policy
// judges, and never waits for the function: Lambda's 202 with an empty
// body goes through the default integration response.
func TestLambdaAsyncStatic(t *testing.T) {
	api := lambdaAPI(t, asyncIntegration("AWS", "'Event'"), nil)
	fns, events := &functions{answer: answering(`{"never": "asked"}`)}, &queue{}
	w, _ := sendAsync(api, fns, events, "")
	if w.Code != 200 || w.Body.String() != `{"accepted": true, "body": "", "item": ""}` || w.Header().Get("X-Lambda-Request") != "queued-1" ||
		w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("answer: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if len(fns.got) != 0 || events.count() != 1 {
		t.Fatalf("invoked %d times, queued %d", len(fns.got), events.count())
	}
	req := events.got[0]
	if req.Function != testFunction || string(req.Payload) != `{"item": "tea"}` || req.Caller == nil ||
		req.Caller.SourceArn != "arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/orders/{id}" {
		t.Errorf("queued %+v caller %+v", req, req.Caller)
	}

	// Lambda's refusal is AWS's 500, logged as the synchronous ones are.
	events.refuse = invoke.AccessDenied("apigateway.amazonaws.com", testFunction)
	w, logged := sendAsync(api, fns, events, "")
	if w.Code != 500 || w.Body.String() != `{"message":"Internal server error"}` ||
		!strings.Contains(logged, "Execution failed due to configuration error: Invalid permissions on Lambda function") {
		t.Errorf("refused: %d %s\n%s", w.Code, w.Body, logged)
	}
	// Without a default integration response Lambda's answer cannot be
	// mapped.
	bare := asyncIntegration("AWS", "'Event'")
	bare.IntegrationResponses = nil
	if w, _ := sendAsync(lambdaAPI(t, bare, nil), fns, &queue{}, ""); w.Code != 500 {
		t.Errorf("no default response: %d %s", w.Code, w.Body)
	}
}

// Mapped from a method request header, the client chooses: Event queues,
// RequestResponse or no header invokes and answers with the function's
// result, any other value is Lambda's refusal. An AWS_PROXY integration's
// requestParameters reach no Lambda header: it is always synchronous.
func TestLambdaAsyncChosenByClient(t *testing.T) {
	api := lambdaAPI(t, asyncIntegration("AWS", "method.request.header.InvocationType"), nil)
	for _, c := range []struct {
		header          string
		status          int
		queued, invoked int
		log             string
	}{
		{"Event", 200, 1, 0, ""},
		{"RequestResponse", 200, 0, 1, ""},
		{"", 200, 0, 1, ""},
		{"event", 500, 0, 0, "Lambda invocation failed with status: 400"},
		{"DryRun", 200, 1, 0, ""},
	} {
		fns, events := &functions{answer: answering(`{"item": "made"}`)}, &queue{}
		w, logged := sendAsync(api, fns, events, c.header)
		if w.Code != c.status || events.count() != c.queued || len(fns.got) != c.invoked || !strings.Contains(logged, c.log) {
			t.Errorf("InvocationType %q: %d %s, queued %d, invoked %d\n%s", c.header, w.Code, w.Body, events.count(), len(fns.got), logged)
		}
		if c.queued == 1 && !events.got[0].DryRun != (c.header == "Event") {
			t.Errorf("InvocationType %q: queued as DryRun %v", c.header, events.got[0].DryRun)
		}
		if c.invoked == 1 && w.Body.String() != `{"accepted": true, "body": "{"item": "made"}", "item": "made"}` {
			t.Errorf("InvocationType %q: the function's answer is not mapped: %s", c.header, w.Body)
		}
	}

	proxy := asyncIntegration("AWS_PROXY", "'Event'")
	fns, events := &functions{answer: answering(`{"statusCode": 201, "body": "ran"}`)}, &queue{}
	if w, _ := sendAsync(lambdaAPI(t, proxy, nil), fns, events, ""); w.Code != http.StatusCreated || w.Body.String() != "ran" || events.count() != 0 {
		t.Errorf("AWS_PROXY: %d %s, queued %d", w.Code, w.Body, events.count())
	}
}

// A stage's access log reports an asynchronous invocation's integration
// status as Lambda's 202.
func TestLambdaAsyncAccessLog(t *testing.T) {
	api := lambdaAPI(t, asyncIntegration("AWS", "'Event'"), nil)
	st := api.Stages["prod"]
	st.AccessLog = accesslog.Compile(&model.AccessLogSettings{DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:access",
		Format: "$context.status $context.integration.status"})
	var buf bytes.Buffer
	env := &Env{Now: time.Now, Events: &queue{}, Log: slog.New(slog.NewTextHandler(&buf, nil))}
	r := httptest.NewRequest("POST", "http://api1.execute-api.localhost/prod/orders/1", strings.NewReader(`{}`))
	Serve(httptest.NewRecorder(), r, env, api, st, "/orders/1")
	if !strings.Contains(buf.String(), `line="200 202"`) {
		t.Errorf("access log %s", buf.String())
	}
}

// An invocation type Lambda refuses is logged as Lambda's 400 answer.
func TestLambdaBadInvocationTypeAccessLog(t *testing.T) {
	api := lambdaAPI(t, asyncIntegration("AWS", "'event'"), nil)
	st := api.Stages["prod"]
	st.AccessLog = accesslog.Compile(&model.AccessLogSettings{DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:access",
		Format: "$context.status $context.integration.status"})
	var buf bytes.Buffer
	env := &Env{Now: time.Now, Events: &queue{}, Log: slog.New(slog.NewTextHandler(&buf, nil))}
	r := httptest.NewRequest("POST", "http://api1.execute-api.localhost/prod/orders/1", strings.NewReader(`{}`))
	Serve(httptest.NewRecorder(), r, env, api, st, "/orders/1")
	if !strings.Contains(buf.String(), `line="500 400"`) {
		t.Errorf("access log %s", buf.String())
	}
}
