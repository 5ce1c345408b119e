package edge

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/sigv4"
)

func TestHosts(t *testing.T) {
	h := newHosts([]string{"gatehouse.internal", "Build-Box:4566", "127.0.0.1:0"})
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"localhost:4566", true},
		{"LOCALHOST", true},
		{"api.localhost:4566", true},
		{"127.0.0.1:4566", true},
		{"127.0.0.1", true},
		{"[::1]:4566", true},
		{"::1", true},
		{"10.0.0.7:4566", true}, // a literal is the address the client really dialled
		{"", true},
		{"gatehouse.internal:80", true},
		{"GATEHOUSE.internal", true},
		{"build-box", true},
		{"evil.example", false},
		{"evil.example:4566", false},
		{"localhost.evil.example", false},
		{"gatehouse.internal.evil.example", false},
		{"xlocalhost", false},
	} {
		if got := h.allowed(tc.host); got != tc.want {
			t.Errorf("allowed(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
	if newHosts(nil).allowed("gatehouse.internal") {
		t.Error("a name nobody configured is allowed")
	}
}

func TestProtocolRules(t *testing.T) {
	const form, jsonCT, amzJSON = "application/x-www-form-urlencoded", "application/json", "application/x-amz-json-1.1"
	for _, tc := range []struct {
		name, service, method, target, ct string
		length                            int64
		signed                            bool
		status                            int
		code                              string
	}{
		{"query POST form", EC2, "POST", "/", form + "; charset=utf-8", 10, false, 0, ""},
		{"query POST plain text", EC2, "POST", "/?Action=CreateVpc", "text/plain", 10, false, 415, "UnsupportedMediaType"},
		{"query POST no content type", ELBv2, "POST", "/?Action=CreateLoadBalancer", "", 0, false, 415, "UnsupportedMediaType"},
		{"query GET describe", EC2, "GET", "/?Action=DescribeVpcs", "", 0, false, 0, ""},
		{"query GET list", ELBv2, "GET", "/?Action=DescribeLoadBalancers", "", 0, false, 0, ""},
		{"query GET create", EC2, "GET", "/?Action=CreateVpc&CidrBlock=10.0.0.0/16", "", 0, false, 405, "MethodNotAllowed"},
		{"query GET delete", ELBv2, "GET", "/?Action=DeleteLoadBalancer", "", 0, false, 405, "MethodNotAllowed"},
		{"query GET create, signed", EC2, "GET", "/?Action=CreateVpc", "", 0, true, 0, ""},
		{"query PUT", EC2, "PUT", "/?Action=DescribeVpcs", form, 0, false, 405, "MethodNotAllowed"},
		{"awsJson POST", ServiceDiscovery, "POST", "/", amzJSON, 2, false, 0, ""},
		{"awsJson 1.0", ServiceDiscovery, "POST", "/", "application/x-amz-json-1.0", 2, false, 0, ""},
		{"awsJson POST plain text", ServiceDiscovery, "POST", "/", "text/plain", 2, false, 415, "UnsupportedMediaTypeException"},
		{"awsJson POST form", ServiceDiscovery, "POST", "/", form, 2, false, 415, "UnsupportedMediaTypeException"},
		{"REST POST json", APIGateway, "POST", "/restapis", jsonCT, 12, false, 0, ""},
		{"REST POST json with charset", APIGatewayV2, "POST", "/v2/apis", "application/json; charset=UTF-8", 12, false, 0, ""},
		{"REST POST plain text", APIGateway, "POST", "/restapis", "text/plain", 12, false, 415, "UnsupportedMediaTypeException"},
		{"REST POST plain text, no body", APIGateway, "POST", "/restapis", "text/plain", 0, false, 415, "UnsupportedMediaTypeException"},
		{"REST POST form", APIGatewayV2, "POST", "/v2/apis", form, 12, false, 415, "UnsupportedMediaTypeException"},
		{"REST POST multipart", APIGatewayV2, "POST", "/v2/apis", "multipart/form-data; boundary=x", 12, false, 415, "UnsupportedMediaTypeException"},
		{"REST POST body without a type", APIGatewayV2, "POST", "/v2/apis", "", 12, false, 415, "UnsupportedMediaTypeException"},
		{"REST DELETE bodiless", APIGatewayV2, "DELETE", "/v2/apis/abc", "", 0, false, 0, ""},
		{"REST PATCH json", APIGateway, "PATCH", "/restapis/abc", jsonCT, 30, false, 0, ""},
		{"REST GET", APIGateway, "GET", "/restapis", "text/plain", 0, false, 0, ""},
		{"Lambda Invoke octet-stream", Lambda, "POST", "/2015-03-31/functions/f/invocations", "application/octet-stream", 2, false, 0, ""},
		{"Lambda Invoke no type", Lambda, "POST", "/2015-03-31/functions/f/invocations?Qualifier=1", "", 2, false, 0, ""},
		{"Lambda Invoke plain text", Lambda, "POST", "/2015-03-31/functions/f/invocations", "text/plain", 2, false, 415, "UnsupportedMediaTypeException"},
		{"Lambda Invoke form", Lambda, "POST", "/2015-03-31/functions/f/invocations", form, 2, false, 415, "UnsupportedMediaTypeException"},
		{"Lambda CreateFunction octet-stream", Lambda, "POST", "/2015-03-31/functions", "application/octet-stream", 2, false, 415, "UnsupportedMediaTypeException"},
		{"Lambda CreateFunction json", Lambda, "POST", "/2015-03-31/functions", jsonCT, 2, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.ContentLength = tc.length
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			e := protocolError(tc.service, r, tc.signed)
			switch {
			case tc.status == 0 && e != nil:
				t.Fatalf("refused: %v", e)
			case tc.status != 0 && (e == nil || e.Status != tc.status || e.Code != tc.code):
				t.Fatalf("got %+v, want %d %s", e, tc.status, tc.code)
			}
		})
	}
}

// Lambda's paths start with an API version date; none is another REST
// service's path, nor an invoke URL's path form (the edge takes those
// before it classifies).
func TestRESTServiceByPath(t *testing.T) {
	for path, want := range map[string]string{
		"/2015-03-31/functions":                           Lambda,
		"/2015-03-31/functions/f/invocations":             Lambda,
		"/2017-10-31/functions/f/concurrency":             Lambda,
		"/2019-09-30/functions/f/concurrency":             Lambda,
		"/2016-08-19/account-settings":                    Lambda,
		"/2017-03-31/tags/arn:aws:lambda:x":               Lambda,
		"/v2/apis":                                        APIGatewayV2,
		"/restapis":                                       APIGateway,
		"/restapis/abc/stage/_user_request_/2015-03-31/x": APIGateway,
		"/2015-03-32/functions":                           APIGateway,
		"/tags/arn:aws:apigateway:us-east-1::/restapis/a": APIGateway,
	} {
		if got := restService(path); got != want {
			t.Errorf("restService(%q) = %s, want %s", path, got, want)
		}
	}
}

// A Lambda body may be as large as Lambda takes (a 50 MB package in
// base64), and one over that is refused in Lambda's terms; other services
// keep the smaller limit.
func TestLambdaBodyLimit(t *testing.T) {
	if maxBody(Lambda) != LambdaMaxBodyBytes || maxBody(APIGateway) != MaxBodyBytes {
		t.Fatal("wrong limits")
	}
	e := New(Config{})
	r := httptest.NewRequest("POST", "/2015-03-31/functions", strings.NewReader("{}"))
	r.ContentLength = LambdaMaxBodyBytes + 1
	_, _, err := e.readBody(httptest.NewRecorder(), r, Lambda)
	if err == nil || err.Code != "RequestEntityTooLargeException" || err.Status != 413 {
		t.Fatalf("err = %+v", err)
	}
	// Past the other services' limit, within Lambda's: read, not refused.
	r = httptest.NewRequest("POST", "/2015-03-31/functions", strings.NewReader("{}"))
	r.ContentLength = MaxBodyBytes + 1
	if _, _, err := e.readBody(httptest.NewRecorder(), r, Lambda); err != nil && err.Status == 413 {
		t.Fatalf("a body within Lambda's limit was refused: %+v", err)
	}
}

func TestSignatureErrorsPerFamily(t *testing.T) {
	mk := func(k sigv4.Kind, code string) *sigv4.Error {
		return &sigv4.Error{Kind: k, Code: code, Message: "m", Status: 403}
	}
	for _, tc := range []struct {
		service string
		err     *sigv4.Error
		status  int
		code    string
	}{
		{EC2, mk(sigv4.Missing, "MissingAuthenticationToken"), 400, "MissingParameter"},
		{EC2, mk(sigv4.UnknownKey, "InvalidClientTokenId"), 401, "AuthFailure"},
		{EC2, mk(sigv4.Mismatch, "SignatureDoesNotMatch"), 403, "SignatureDoesNotMatch"},
		{EC2, mk(sigv4.Expired, "SignatureDoesNotMatch"), 400, "RequestExpired"},
		{EC2, mk(sigv4.Incomplete, "IncompleteSignature"), 400, "IncompleteSignature"},
		{ELBv2, mk(sigv4.Missing, "MissingAuthenticationToken"), 403, "MissingAuthenticationToken"},
		{ELBv2, mk(sigv4.UnknownKey, "InvalidClientTokenId"), 403, "InvalidClientTokenId"},
		{ELBv2, mk(sigv4.Mismatch, "SignatureDoesNotMatch"), 403, "SignatureDoesNotMatch"},
		{ELBv2, mk(sigv4.Incomplete, "IncompleteSignature"), 400, "IncompleteSignature"},
		{ServiceDiscovery, mk(sigv4.UnknownKey, "InvalidClientTokenId"), 400, "UnrecognizedClientException"},
		{ServiceDiscovery, mk(sigv4.Mismatch, "SignatureDoesNotMatch"), 400, "InvalidSignatureException"},
		{ServiceDiscovery, mk(sigv4.Missing, "MissingAuthenticationToken"), 400, "MissingAuthenticationTokenException"},
		{APIGateway, mk(sigv4.UnknownKey, "InvalidClientTokenId"), 403, "UnrecognizedClientException"},
		{APIGatewayV2, mk(sigv4.Mismatch, "SignatureDoesNotMatch"), 403, "InvalidSignatureException"},
		{APIGatewayV2, mk(sigv4.Expired, "SignatureDoesNotMatch"), 403, "InvalidSignatureException"},
		{APIGateway, mk(sigv4.Missing, "MissingAuthenticationToken"), 403, "MissingAuthenticationTokenException"},
	} {
		if e := signatureError(tc.service, tc.err); e.Status != tc.status || e.Code != tc.code {
			t.Errorf("%s %s: got %d %s, want %d %s", tc.service, tc.err.Code, e.Status, e.Code, tc.status, tc.code)
		}
	}
}

func TestBudgetIsFirstComeFirstServed(t *testing.T) {
	b := newBudget(100)
	ctx := context.Background()
	if err := b.take(ctx, 60); err != nil {
		t.Fatal(err)
	}
	// 50 does not fit; 10 would, but waits behind it.
	big := make(chan error, 1)
	go func() { big <- b.take(ctx, 50) }()
	waitQueued(t, b, 1)
	small := make(chan error, 1)
	go func() { small <- b.take(ctx, 10) }()
	waitQueued(t, b, 2)
	b.give(60)
	if err := <-big; err != nil {
		t.Fatal(err)
	}
	if err := <-small; err != nil {
		t.Fatal(err)
	}
	// A body larger than the whole budget waits for all of it.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := b.take(short, 1000); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("took more than was free: %v", err)
	}
	b.give(50)
	b.give(10)
	if err := b.take(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	b.give(1000)
	if b.free != 100 || b.waiters.Len() != 0 {
		t.Fatalf("free %d, %d waiting; want 100, none", b.free, b.waiters.Len())
	}
}

func waitQueued(t *testing.T, b *budget, n int) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		b.mu.Lock()
		l := b.waiters.Len()
		b.mu.Unlock()
		if l == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d waiting, want %d", b.waiters.Len(), n)
}

// A caller that finds the budget spent waits BudgetWait, then gets its
// protocol's throttling answer; the bodies handlers hold at once never
// exceed the budget.
func TestBodyBudget(t *testing.T) {
	held := make(chan struct{})
	release := make(chan struct{})
	served := 0
	e := New(Config{
		Services: map[string]http.Handler{EC2: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served++
			if served == 1 {
				close(held)
				<-release
			}
			w.WriteHeader(http.StatusOK)
		})},
		BodyBudget: 1000,
		BudgetWait: 20 * time.Millisecond,
	})
	post := func() *httptest.ResponseRecorder {
		body := "Action=CreateVpc&Version=2016-11-15&CidrBlock=" + strings.Repeat("1", 600)
		r := httptest.NewRequest("POST", "http://localhost:4566/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		return w
	}
	first := make(chan *httptest.ResponseRecorder, 1)
	go func() { first <- post() }()
	select {
	case <-held:
	case w := <-first:
		t.Fatalf("first caller not held: %d %s", w.Code, w.Body)
	}
	if w := post(); w.Code != http.StatusServiceUnavailable || w.Header().Get("x-amzn-ErrorType") != "RequestLimitExceeded" {
		t.Fatalf("second caller: %d %q %s, want 503 RequestLimitExceeded", w.Code, w.Header().Get("x-amzn-ErrorType"), w.Body)
	}
	// An edge sharing the budget (functions' own listener) has none left
	// either.
	sibling := New(Config{Services: map[string]http.Handler{EC2: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})},
		BudgetWait: 20 * time.Millisecond, ShareBudget: e})
	e, mine := sibling, e
	if w := post(); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("caller of the sharing edge: %d %s, want 503", w.Code, w.Body)
	}
	e = mine
	close(release)
	if w := <-first; w.Code != http.StatusOK {
		t.Fatalf("first caller: %d", w.Code)
	}
	// Once the first has answered, its bytes are free again.
	if w := post(); w.Code != http.StatusOK {
		t.Fatalf("third caller: %d %s", w.Code, w.Body)
	}
}

func TestFormValue(t *testing.T) {
	for _, tc := range []struct {
		body, want string
		ok         bool
	}{
		{"Action=X&Version=2015-12-01", "2015-12-01", true},
		{"Version=2016-11-15&Action=X", "2016-11-15", true},
		{"Action=X&Version=2015%2D12%2D01&Version=no", "2015-12-01", true},
		{"Action=X&XVersion=1", "", false},
		{"Action=X&Version=%zz", "", false},
		{"", "", false},
	} {
		got, ok := formValue([]byte(tc.body), "Version")
		if got != tc.want || ok != tc.ok {
			t.Errorf("formValue(%q) = %q %v, want %q %v", tc.body, got, ok, tc.want, tc.ok)
		}
	}
}

// A management body of announced length is read into one allocation of
// its size: a 10 MiB body costs 10 MiB, not the 20 a growing buffer takes.
func TestBodyReadOnce(t *testing.T) {
	e := New(Config{Services: map[string]http.Handler{APIGateway: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}})
	body := strings.Repeat("x", 1<<20)
	var m1, m2 runtime.MemStats
	runtime.ReadMemStats(&m1)
	r := httptest.NewRequest("POST", "http://localhost/restapis", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	e.ServeHTTP(httptest.NewRecorder(), r)
	runtime.ReadMemStats(&m2)
	if got := m2.TotalAlloc - m1.TotalAlloc; got > 1<<20+64<<10 {
		t.Errorf("a 1 MiB body allocated %d bytes", got)
	}
}

// Only the engine key marks a call as CloudFormation's: the names a client
// could send, a wrong key, and any header when no key is set are ignored.
func TestCallerNeedsTheEngineKey(t *testing.T) {
	const key = "Q2V4ZXJ0Q2xhaW1zQ2FsbGVy"
	for _, tc := range []struct {
		engineKey, header, want string
	}{
		{key, key, "cloudformation"},
		{key, "cloudformation", ""},
		{key, key[:len(key)-1], ""},
		{key, key + "x", ""},
		{key, "", ""},
		{"", "", ""},
		{"", "cloudformation", ""},
	} {
		got := "unset"
		e := New(Config{EngineKey: tc.engineKey, Services: map[string]http.Handler{APIGateway: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			got = api.MetaFrom(r.Context()).Caller
		})}})
		r := httptest.NewRequest("GET", "http://localhost/restapis", nil)
		if tc.header != "" {
			r.Header.Set(api.CallerHeader, tc.header)
		}
		e.ServeHTTP(httptest.NewRecorder(), r)
		if got != tc.want {
			t.Errorf("key %q, header %q: caller %q, want %q", tc.engineKey, tc.header, got, tc.want)
		}
	}
}
