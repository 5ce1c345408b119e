package accesslog_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/model"
)

const logGroup = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/http/access:*"

func compile(t *testing.T, format string) *accesslog.Format {
	t.Helper()
	f := accesslog.Compile(&model.AccessLogSettings{DestinationARN: logGroup, Format: format})
	if f == nil {
		t.Fatal("Compile gave nil for settings")
	}
	return f
}

// full is an entry with every field set, as an access-logged request that
// reached its integration leaves it.
func full() *accesslog.Entry {
	start := time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)
	return &accesslog.Entry{
		RequestID: "abc123", ExtendedRequestID: "ext456",
		Start: start, End: start.Add(42 * time.Millisecond),
		Method: "GET", Path: "/prod/pets/7", Protocol: "HTTP/1.1",
		SourceIP: "192.0.2.10", UserAgent: "curl/8.5", DomainName: "a1b2c3d4e5.execute-api.localhost",
		Stage: "prod", APIID: "a1b2c3d4e5",
		RouteKey: "GET /pets/{id}", ResourcePath: "/pets/{id}",
		Status: 200, ResponseLength: 17,
		Integrated: true, IntegrationStatus: 201, IntegrationLatency: 30 * time.Millisecond,
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"$context.requestId", "abc123"},
		{`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","status":"$context.status"}`,
			`{"requestId":"abc123","ip":"192.0.2.10","status":"200"}`},
		{"$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.routeKey $context.protocol\" $context.status $context.responseLength $context.requestId",
			`192.0.2.10 - - [25/Nov/2026:16:00:00 +0000] "GET GET /pets/{id} HTTP/1.1" 200 17 abc123`},
		{"$context.extendedRequestId $context.requestTimeEpoch $context.path $context.resourcePath",
			"ext456 1795622400000 /prod/pets/7 /pets/{id}"},
		{"$context.sourceIp $context.identity.userAgent $context.stage $context.apiId $context.domainName $context.domainPrefix",
			"192.0.2.10 curl/8.5 prod a1b2c3d4e5 a1b2c3d4e5.execute-api.localhost a1b2c3d4e5"},
		{"$context.integrationStatus $context.integration.status $context.integrationLatency $context.integration.latency $context.responseLatency",
			"201 201 30 30 42"},
		// A dot that no name follows ends the variable; so does anything
		// that is not a letter, digit or underscore.
		{"id=$context.requestId. status=$context.status,len=$context.responseLength;", "id=abc123. status=200,len=17;"},
		// A text with "$context." and no name in it stays as written.
		{"cost: $5 $context. $context.requestId", "cost: $5 $context. abc123"},
		// A trailing line break is dropped; the line is one line.
		{"$context.requestId\n", "abc123"},
	} {
		if got := string(compile(t, tc.format).Append(nil, full())); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.format, got, tc.want)
		}
	}
}

// In a JSON-shaped format a caller's value cannot end its string: quotes,
// backslashes and control characters are escaped, so the line stays one
// JSON object with the format's fields and no others. Other formats print
// values as they are.
func TestJSONFormatEscapesValues(t *testing.T) {
	e := full()
	e.UserAgent = "x\", \"admin\":\"yes\\\n\u0001\t\x7f"
	e.Path = `/prod/"quoted"`
	f := compile(t, `{"ua":"$context.identity.userAgent","path":"$context.path","status":"$context.status"}`)
	line := f.Append(nil, e)
	var got map[string]string
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if len(got) != 3 || got["ua"] != e.UserAgent || got["path"] != e.Path || got["status"] != "200" {
		t.Errorf("%s decodes to %q", line, got)
	}
	plain := compile(t, `$context.identity.userAgent`)
	if got := string(plain.Append(nil, e)); got != e.UserAgent {
		t.Errorf("a format that is not JSON: %q", got)
	}
}

// Variables gatehouse does not know, and values a request did not produce,
// render as "-", as AWS prints missing values.
func TestMissingValues(t *testing.T) {
	f := compile(t, "$context.requestId $context.authorizer.claims.sub $context.error.message $context.wafResponseCode|$context.identity.caller")
	if got, want := string(f.Append(nil, full())), "abc123 - - -|-"; got != want {
		t.Errorf("unknown variables: %q, want %q", got, want)
	}
	// A request that matched nothing and called no integration.
	f = compile(t, "$context.requestId $context.routeKey $context.resourcePath $context.integrationStatus $context.integrationLatency $context.integrationErrorMessage $context.status")
	e := &accesslog.Entry{RequestID: "r1", Status: 404}
	if got, want := string(f.Append(nil, e)), "r1 - - - - - 404"; got != want {
		t.Errorf("unmatched request: %q, want %q", got, want)
	}
	// Nothing at all: every variable is "-".
	f = compile(t, "$context.requestTime $context.requestTimeEpoch $context.responseLatency $context.status $context.httpMethod")
	if got, want := string(f.Append(nil, &accesslog.Entry{})), "- - - - -"; got != want {
		t.Errorf("empty entry: %q, want %q", got, want)
	}
}

// $context.requestTime is the Common Log Format's time, always in UTC.
func TestRequestTimeCLF(t *testing.T) {
	f := compile(t, "[$context.requestTime] $context.requestTimeEpoch $context.requestId")
	for _, start := range []time.Time{
		time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 25, 17, 0, 0, 0, time.FixedZone("CET", 3600)),
	} {
		e := &accesslog.Entry{RequestID: "r", Start: start}
		if got, want := string(f.Append(nil, e)), "[25/Nov/2026:16:00:00 +0000] 1795622400000 r"; got != want {
			t.Errorf("start %v: %q, want %q", start, got, want)
		}
	}
	e := &accesslog.Entry{RequestID: "r", Start: time.Date(2026, 3, 5, 4, 3, 2, 987654321, time.UTC)}
	if got, want := string(f.Append(nil, e)), "[05/Mar/2026:04:03:02 +0000] 1772683382987 r"; got != want {
		t.Errorf("zero-padded fields: %q, want %q", got, want)
	}
}

func TestCompile(t *testing.T) {
	if f := accesslog.Compile(nil); f != nil {
		t.Fatalf("no settings compiled to %+v, want nil", f)
	}
	for arn, want := range map[string]string{
		logGroup: "/aws/http/access",
		"arn:aws:logs:eu-west-1:123456789012:log-group:api-logs":                          "api-logs",
		"arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-access": "amazon-apigateway-access",
	} {
		f := accesslog.Compile(&model.AccessLogSettings{DestinationARN: arn, Format: "$context.requestId"})
		if f.LogGroup != want {
			t.Errorf("%s: log group %q, want %q", arn, f.LogGroup, want)
		}
	}
}

// records is a slog handler that keeps what it is given.
type records struct {
	level slog.Level
	got   []slog.Record
}

func (h *records) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.got = append(h.got, r)
	return nil
}
func (h *records) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *records) WithGroup(string) slog.Handler      { return h }

func attrs(r slog.Record) map[string]string {
	out := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		out[a.Key] = a.Value.String()
		return true
	})
	return out
}

// A request measured through Begin's writer is logged as one Info record:
// the status and length it was sent, the latencies the clock gave.
func TestEmit(t *testing.T) {
	clock := time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)
	now := func() time.Time {
		clock = clock.Add(5 * time.Millisecond)
		return clock
	}
	f := compile(t, "$context.requestId $context.httpMethod $context.status $context.responseLength $context.integrationStatus $context.integrationLatency $context.responseLatency $context.identity.sourceIp $context.domainName $context.identity.userAgent $context.protocol $context.requestTime")
	serve := func(h *records, answer func(w http.ResponseWriter)) {
		r := httptest.NewRequest("POST", "http://api.execute-api.localhost:4566/pets", nil)
		r.RemoteAddr = "192.0.2.7:40000"
		r.Header.Set("User-Agent", "tester/1")
		e := accesslog.Begin(httptest.NewRecorder(), r, now)
		e.Identify("req-1", "req-1")
		e.Calling()
		e.Called(&http.Response{StatusCode: 201}, nil)
		answer(e.Writer())
		f.Emit(slog.New(h), e)
	}

	h := &records{level: slog.LevelInfo}
	serve(h, func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello, ")
		io.WriteString(w, "world")
	})
	if len(h.got) != 1 {
		t.Fatalf("%d records, want 1", len(h.got))
	}
	r := h.got[0]
	if r.Message != "access log" || r.Level != slog.LevelInfo {
		t.Errorf("record %q at %v, want \"access log\" at INFO", r.Message, r.Level)
	}
	want := map[string]string{"log_group": "/aws/http/access",
		"line": "req-1 POST 201 12 201 5 15 192.0.2.7 api.execute-api.localhost tester/1 HTTP/1.1 25/Nov/2026:16:00:00 +0000"}
	if got := attrs(r); len(got) != 2 || got["log_group"] != want["log_group"] || got["line"] != want["line"] {
		t.Errorf("attributes %q,\nwant %q", got, want)
	}

	// An answer that never writes its header went out as a 200.
	h = &records{level: slog.LevelInfo}
	serve(h, func(w http.ResponseWriter) {})
	if line := attrs(h.got[0])["line"]; !strings.HasPrefix(line, "req-1 POST 200 0 ") {
		t.Errorf("empty answer: %q", line)
	}

	// A logger that drops Info records gets nothing.
	h = &records{level: slog.LevelWarn}
	serve(h, func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) })
	if len(h.got) != 0 {
		t.Errorf("a WARN logger got %d records", len(h.got))
	}
}

// An integration that gave no answer leaves its error and no status.
func TestIntegrationError(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := accesslog.Begin(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), func() time.Time { return at })
	e.Calling()
	e.Called(nil, errors.New("VPC link is not available"))
	e.Writer().WriteHeader(http.StatusServiceUnavailable)
	h := &records{}
	compile(t, "$context.requestId $context.status $context.integrationStatus $context.integrationErrorMessage $context.integrationLatency").Emit(slog.New(h), e)
	if got, want := attrs(h.got[0])["line"], "- 503 - VPC link is not available 0"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
}

// The methods an unlogged request path calls do nothing on a nil entry.
func TestNilEntry(t *testing.T) {
	var e *accesslog.Entry
	e.Identify("a", "b")
	e.Route("GET /")
	e.Resource("/")
	e.Calling()
	e.Called(nil, errors.New("x"))
}

func BenchmarkEmit(b *testing.B) {
	f := accesslog.Compile(&model.AccessLogSettings{DestinationARN: logGroup,
		Format: `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}`})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := httptest.NewRequest("GET", "/pets", nil)
	w := httptest.NewRecorder()
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	b.ReportAllocs()
	for b.Loop() {
		e := accesslog.Begin(w, r, now)
		e.Identify("abc", "abc")
		e.Route("GET /pets")
		e.Writer().WriteHeader(http.StatusOK)
		f.Emit(log, e)
	}
}

// Any format a stage may carry compiles and renders without panicking;
// text without a $context variable renders as written.
func FuzzFormat(f *testing.F) {
	for _, s := range []string{"$context.requestId", `{"id":"$context.requestId","ip":"$context.identity.sourceIp"}`,
		"$context.", "$context..x", "$context.a.", "$$context.status$", "plain text\n", "$context.requestTime\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, format string) {
		fm := compile(t, format)
		line := string(fm.Append(nil, full()))
		if !strings.Contains(format, "$context.") && line != strings.TrimRight(format, "\r\n") {
			t.Fatalf("%q rendered %q", format, line)
		}
	})
}

// claimMap stands for a JWT authorizer's claims.
type claimMap map[string]string

func (c claimMap) Claim(name string) (string, bool) { v, ok := c[name]; return v, ok }

// $context.authorizer.claims.NAME prints the accepted token's claim, "-"
// without one or without a token; $context.authorizer.error why an
// authorizer refused. A claim in a JSON format is escaped like any value
// from the request.
func TestAuthorizerVariables(t *testing.T) {
	f := compile(t, `$context.authorizer.claims.sub $context.authorizer.claims.email $context.authorizer.error`)
	e := full()
	if got := string(f.Append(nil, e)); got != "- - -" {
		t.Fatalf("no authorizer: %q", got)
	}
	e.Authorized(claimMap{"sub": "user-1"})
	if got := string(f.Append(nil, e)); got != "user-1 - -" {
		t.Fatalf("claims: %q", got)
	}
	e = full()
	e.Denied(401, "the token has expired")
	if got := string(f.Append(nil, e)); got != "- - the token has expired" {
		t.Fatalf("denied: %q", got)
	}
	e = full()
	e.Authorized(claimMap{"sub": `a","admin":"yes`})
	line := compile(t, `{"sub":"$context.authorizer.claims.sub"}`).Append(nil, e)
	var got map[string]string
	if err := json.Unmarshal(line, &got); err != nil || len(got) != 1 || got["sub"] != `a","admin":"yes` {
		t.Fatalf("%s: %v %v", line, got, err)
	}
}

// $context.authorizer.principalId and $context.authorizer.NAME print what
// a Lambda authorizer returned, "-" without it.
func TestLambdaAuthorizerVariables(t *testing.T) {
	f := compile(t, `$context.authorizer.principalId $context.authorizer.tenant $context.authorizer.error`)
	e := full()
	if got := string(f.Append(nil, e)); got != "- - -" {
		t.Fatalf("no authorizer: %q", got)
	}
	e.AuthorizedBy(claimMap{"principalId": "user-1", "tenant": "a"})
	if got := string(f.Append(nil, e)); got != "user-1 a -" {
		t.Fatalf("authorized: %q", got)
	}
}

// $context.authorizer.status and .latency print an authorizer's decision
// and how long it took; $context.integration.status a Lambda function's
// own status, where $context.integrationStatus and
// $context.integration.integrationStatus print Lambda's; and
// $context.integration.requestId and $context.awsEndpointRequestId
// Lambda's id for the invocation. Each is "-" before it happens.
func TestAuthorizerAndLambdaIntegrationVariables(t *testing.T) {
	clock := time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	f := compile(t, "$context.authorizer.status $context.authorizer.latency $context.integration.status "+
		"$context.integration.integrationStatus $context.integrationStatus $context.integration.requestId $context.awsEndpointRequestId")
	e := accesslog.Begin(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), now)
	if got := string(f.Append(nil, e)); got != "- - - - - - -" {
		t.Fatalf("before anything: %q", got)
	}
	e.Authorizing()
	clock = clock.Add(12 * time.Millisecond)
	e.AuthorizedBy(claimMap{})
	e.Calling()
	clock = clock.Add(30 * time.Millisecond)
	e.Returned(200, "")
	e.Answered(404)
	e.Endpoint("c0ffee-1")
	if got := string(f.Append(nil, e)); got != "200 12 404 200 200 c0ffee-1 c0ffee-1" {
		t.Fatalf("a Lambda authorizer and integration: %q", got)
	}

	e = accesslog.Begin(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), now)
	e.Authorizing()
	clock = clock.Add(3 * time.Millisecond)
	e.Denied(403, "the authorizer denied the request")
	if got := string(f.Append(nil, e)); got != "403 3 - - - - -" {
		t.Fatalf("a refusal: %q", got)
	}
	// An HTTP integration's status is both.
	e = accesslog.Begin(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), now)
	e.Calling()
	e.Called(&http.Response{StatusCode: 502}, nil)
	if got := string(f.Append(nil, e)); got != "- - 502 502 502 - -" {
		t.Fatalf("an HTTP integration: %q", got)
	}
}
