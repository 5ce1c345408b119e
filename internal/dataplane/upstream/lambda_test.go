package upstream_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:pets"

// fakeFunctions answers every invocation with answer, and keeps the last
// request.
type fakeFunctions struct {
	mu     sync.Mutex
	last   invoke.Request
	answer func(invoke.Request) (invoke.Result, error)
}

func (f *fakeFunctions) Invoke(_ context.Context, req invoke.Request) (invoke.Result, error) {
	f.mu.Lock()
	f.last = req
	f.mu.Unlock()
	return f.answer(req)
}

func (f *fakeFunctions) event(t *testing.T) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var ev map[string]any
	if err := json.Unmarshal(f.last.Payload, &ev); err != nil {
		t.Fatalf("event is not JSON: %v\n%s", err, f.last.Payload)
	}
	return ev
}

func answering(doc string) func(invoke.Request) (invoke.Result, error) {
	return func(invoke.Request) (invoke.Result, error) { return invoke.Result{Payload: []byte(doc)}, nil }
}

// lambdaGroup makes a lambda target group holding the function pets, which
// lets Elastic Load Balancing invoke it for the group, and an ALB
// forwarding to it.
func (f *fixture) lambdaGroup(t testing.TB) (tg *string, albARN string) {
	t.Helper()
	out, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("pets"), TargetType: types.TargetTypeEnumLambda})
	if err != nil {
		t.Fatal(err)
	}
	tg = out.TargetGroups[0].TargetGroupArn
	err = model.Update(f.srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		return model.Put(tx, &model.Function{Name: "pets", ARN: fnARN, Config: model.FunctionConfig{Version: "$LATEST", State: "Active"},
			Policy: []model.PermissionStatement{{Sid: "elb", Action: "lambda:InvokeFunction", Principal: "elasticloadbalancing.amazonaws.com", SourceArn: aws.ToString(tg)}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg, Targets: []types.TargetDescription{{Id: aws.String(fnARN)}}}); err != nil {
		t.Fatal(err)
	}
	return tg, f.alb(t, "pets-alb", tg)
}

func lambdaRequest(t testing.TB, fw *upstream.Forwarder, b *upstream.Balancer, req *http.Request) *http.Response {
	t.Helper()
	resp, _, err := fw.RoundTrip(req, b, upstream.Hop{Port: 80, Client: netip.MustParseAddr("10.0.1.200")})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func petsRequest() *http.Request {
	req := httptest.NewRequest("GET", "http://internal-pets.example/pets/7?color=black&q=%3Fname%3Drex&&color=brown", nil)
	req.Header = http.Header{
		"Accept":          {"application/json"},
		"Cookie":          {"first=1", "second=2"},
		"User-Agent":      {"pets-client/1.0"},
		"X-Amzn-Trace-Id": {"Root=1-65a1b2c3-0123456789abcdef01234567"},
	}
	return req
}

// wantEvent reads the expected event from testdata, with the group's ARN.
func wantEvent(t *testing.T, file, tgARN string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(bytes.ReplaceAll(raw, []byte("TARGET_GROUP_ARN"), []byte(tgARN)), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestALBInvokesALambdaTarget(t *testing.T) {
	f := newFixture(t)
	tg, albARN := f.lambdaGroup(t)
	fns := &fakeFunctions{answer: answering(`{"statusCode": 201, "statusDescription": "201 Created", "isBase64Encoded": false,
		"headers": {"Content-Type": "application/json", "Connection": "close", "X-Pet": "rex"},
		"multiValueHeaders": {"X-Ignored": ["a"]}, "body": "{\"id\":7}"}`)}
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Functions: fns}
	b := f.compile(t)[albARN]

	resp := lambdaRequest(t, fw, b, petsRequest())
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 || resp.Status != "201 Created" || string(body) != `{"id":7}` || resp.Header.Get("X-Pet") != "rex" ||
		resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Content-Length") != "8" ||
		resp.Header.Get("Connection") != "" || resp.Header.Get("X-Ignored") != "" {
		t.Fatalf("answer = %d %q %v %q", resp.StatusCode, resp.Status, resp.Header, body)
	}
	fns.mu.Lock()
	last := fns.last
	fns.mu.Unlock()
	if last.Function != fnARN || last.Account != "000000000000" || last.Region != "us-east-1" || last.Caller == nil ||
		*last.Caller != (invoke.Caller{Service: "elasticloadbalancing.amazonaws.com", SourceArn: aws.ToString(tg), SourceAccount: "000000000000"}) {
		t.Fatalf("invocation = %+v %+v", last, last.Caller)
	}
	// The event is AWS's documented shape: the last value of a repeated
	// header or parameter, the query as received.
	if got, want := fns.event(t), wantEvent(t, "lambda-event.json", aws.ToString(tg)); !reflect.DeepEqual(got, want) {
		t.Fatalf("event:\n got %v\nwant %v", got, want)
	}

	// With multi-value headers on, arrays both ways.
	if _, err := f.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tg,
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("lambda.multi_value_headers.enabled"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	b = f.compile(t)[albARN]
	fns.answer = answering(`{"statusCode": 200, "headers": {"X-Ignored": "a"},
		"multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "Content-Type": ["text/plain"]}, "body": "aGk=", "isBase64Encoded": true}`)
	resp = lambdaRequest(t, fw, b, petsRequest())
	body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "hi" || !reflect.DeepEqual(resp.Header["Set-Cookie"], []string{"a=1", "b=2"}) ||
		resp.Header.Get("X-Ignored") != "" || resp.Status != "200 OK" {
		t.Fatalf("multi-value answer = %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if got, want := fns.event(t), wantEvent(t, "lambda-event-multi.json", aws.ToString(tg)); !reflect.DeepEqual(got, want) {
		t.Fatalf("multi-value event:\n got %v\nwant %v", got, want)
	}
}

func TestLambdaTargetBodies(t *testing.T) {
	f := newFixture(t)
	_, albARN := f.lambdaGroup(t)
	fns := &fakeFunctions{answer: answering(`{"statusCode": 200}`)}
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Functions: fns}
	b := f.compile(t)[albARN]

	binary := []byte{0xff, 0x00, 0x01, 'a'}
	for _, tc := range []struct {
		contentType string
		body        []byte
		want        string
		base64      bool
	}{
		{"application/json; charset=utf-8", []byte(`{"name":"rex"}`), `{"name":"rex"}`, false},
		{"text/csv", []byte("a,b\n1,2"), "a,b\n1,2", false},
		{"application/xml", []byte("<a/>"), "<a/>", false},
		{"application/octet-stream", binary, base64.StdEncoding.EncodeToString(binary), true},
		{"", []byte("plain"), base64.StdEncoding.EncodeToString([]byte("plain")), true},
		{"application/x-www-form-urlencoded", []byte("a=1"), base64.StdEncoding.EncodeToString([]byte("a=1")), true},
	} {
		req := httptest.NewRequest("POST", "http://internal-pets.example/upload", bytes.NewReader(tc.body))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		if resp := lambdaRequest(t, fw, b, req); resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.contentType, resp.StatusCode)
		}
		ev := fns.event(t)
		if ev["body"] != tc.want || ev["isBase64Encoded"] != tc.base64 || ev["httpMethod"] != "POST" {
			t.Errorf("%q body: event body %q base64 %v", tc.contentType, ev["body"], ev["isBase64Encoded"])
		}
		if h := ev["headers"].(map[string]any); h["content-length"] == nil {
			t.Errorf("%q body: no content-length header in %v", tc.contentType, h)
		}
	}
}

func TestLambdaTargetFailuresAreTheALBsPages(t *testing.T) {
	f := newFixture(t)
	_, albARN := f.lambdaGroup(t)
	fns := &fakeFunctions{}
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Functions: fns}
	b := f.compile(t)[albARN]

	big := `{"statusCode": 200, "body": "` + strings.Repeat("x", upstream.MaxLambdaBody) + `"}`
	for _, tc := range []struct {
		name   string
		answer func(invoke.Request) (invoke.Result, error)
		body   int
		want   int
	}{
		{"function error", func(invoke.Request) (invoke.Result, error) {
			return invoke.Result{Payload: []byte(`{"errorMessage":"boom","errorType":"Error"}`), FunctionError: "Unhandled"}, nil
		}, 0, 502},
		{"not a response document", answering(`{"hello": "world"}`), 0, 502},
		{"not JSON", answering(`hello`), 0, 502},
		{"answer over 1 MB", answering(big), 0, 502},
		{"throttled", func(invoke.Request) (invoke.Result, error) {
			return invoke.Result{}, &invoke.Error{Status: 429, Code: "TooManyRequestsException", Message: "Rate Exceeded."}
		}, 0, 503},
		{"permission removed", func(invoke.Request) (invoke.Result, error) {
			return invoke.Result{}, &invoke.Error{Status: 403, Code: "AccessDeniedException", Message: "denied"}
		}, 0, 502},
		{"function deleted", func(invoke.Request) (invoke.Result, error) {
			return invoke.Result{}, &invoke.Error{Status: 404, Code: "ResourceNotFoundException", Message: "gone"}
		}, 0, 502},
		{"request body over 1 MB", answering(`{"statusCode": 200}`), upstream.MaxLambdaBody + 1, 413},
		{"request body of 1 MB", answering(`{"statusCode": 200}`), upstream.MaxLambdaBody, 200},
	} {
		fns.answer = tc.answer
		req := httptest.NewRequest("POST", "http://internal-pets.example/", bytes.NewReader(bytes.Repeat([]byte("a"), tc.body)))
		req.Header.Set("Content-Type", "text/plain")
		if tc.body > upstream.MaxLambdaBody {
			req.ContentLength = -1 // chunked: the limit is found by reading
		}
		resp := lambdaRequest(t, fw, b, req)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
			continue
		}
		if tc.want != 200 && (!strings.Contains(string(body), "<center><h1>") || resp.Header.Get("Server") != "awselb/2.0") {
			t.Errorf("%s: not the ALB's page: %q", tc.name, body)
		}
	}

	// No engine: the ALB cannot invoke.
	fw.Functions = nil
	if resp := lambdaRequest(t, fw, b, petsRequest()); resp.StatusCode != 502 {
		t.Errorf("without an engine: %d", resp.StatusCode)
	}
}

func TestLambdaCallerDeadline(t *testing.T) {
	f := newFixture(t)
	_, albARN := f.lambdaGroup(t)
	fns := &fakeFunctions{answer: func(invoke.Request) (invoke.Result, error) {
		return invoke.Result{}, context.DeadlineExceeded
	}}
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Functions: fns}
	b := f.compile(t)[albARN]
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err := fw.RoundTrip(petsRequest().WithContext(c), b, upstream.Hop{Port: 80})
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Fault != upstream.TimedOut {
		t.Fatalf("a caller that gave up: %v", err)
	}
}

// A health check of a lambda group is an invocation with ELB's documented
// check event: the path, the user agent, nothing more.
func TestCheckLambdaSendsTheHealthCheckEvent(t *testing.T) {
	f := newFixture(t)
	tg, albARN := f.lambdaGroup(t)
	fns := &fakeFunctions{answer: answering(`{"statusCode": 200, "statusDescription": "200 OK"}`)}
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Functions: fns}
	pool := f.compile(t)[albARN].Pool(aws.ToString(tg))
	if pool == nil || !pool.Lambda {
		t.Fatalf("pool = %+v", pool)
	}
	req := httptest.NewRequest("GET", "http://lambda/ping", nil)
	req.Host = ""
	req.Header = http.Header{"User-Agent": {"ELB-HealthChecker/2.0"}}
	resp, err := fw.CheckLambda(req, pool)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("check = %v, %v", resp, err)
	}
	if got, want := fns.event(t), wantEvent(t, "lambda-health-event.json", aws.ToString(tg)); !reflect.DeepEqual(got, want) {
		t.Fatalf("check event:\n got %v\nwant %v", got, want)
	}
	fns.answer = func(invoke.Request) (invoke.Result, error) {
		return invoke.Result{Payload: []byte(`{"errorMessage":"down"}`), FunctionError: "Unhandled"}, nil
	}
	if _, err := fw.CheckLambda(req, pool); err == nil {
		t.Fatal("a failing function passed its check")
	}
}

// Lambda bodies are held in memory whole, so they count against the
// guard's bound on held bytes, as signed bodies do.
func TestLambdaBodiesAreHeldWithinTheGuard(t *testing.T) {
	f := newFixture(t)
	_, albARN := f.lambdaGroup(t)
	fns := &fakeFunctions{answer: answering(`{"statusCode": 200}`)}
	guard := &upstream.Guard{MaxHeld: 1000}
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Functions: fns, Guard: guard}
	b := f.compile(t)[albARN]
	post := func(n int) int {
		req := httptest.NewRequest("POST", "http://internal-pets.example/", bytes.NewReader(bytes.Repeat([]byte("a"), n)))
		req.Header.Set("Content-Type", "text/plain")
		return lambdaRequest(t, fw, b, req).StatusCode
	}
	if code := post(100); code != 200 {
		t.Fatalf("a small body: %d", code)
	}
	if code := post(1000); code != 503 || guard.Shed.Load() != 1 {
		t.Fatalf("a body past the bound: %d, shed %d", code, guard.Shed.Load())
	}
	if code := post(100); code != 200 {
		t.Fatalf("the bound was not given back: %d", code)
	}
}

// BenchmarkALBLambdaTarget measures the ALB's side of a request to a lambda
// target: rule, event, invocation (a fake that answers at once) and the
// answer read back.
func BenchmarkALBLambdaTarget(b *testing.B) {
	f := newFixture(b)
	_, albARN := f.lambdaGroup(b)
	answer := invoke.Result{Payload: []byte(`{"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{\"id\":7}"}`)}
	fns := &fakeFunctions{answer: func(invoke.Request) (invoke.Result, error) { return answer, nil }}
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Functions: fns}
	bal := f.compile(b)[albARN]
	hop := upstream.Hop{Port: 80, Client: netip.MustParseAddr("10.0.1.200")}
	b.ReportAllocs()
	for b.Loop() {
		req := petsRequest()
		resp, _, err := fw.RoundTrip(req, bal, hop)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(resp, err)
		}
		resp.Body.Close()
	}
}
