//go:build unix

package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

const (
	account = "123456789012"
	region  = "us-east-1"
	delay   = time.Second
	idle    = 5 * time.Minute
)

// bootDir holds the test function's bootstrap, built once by TestMain.
var bootDir string

func TestMain(m *testing.M) {
	runChildIfAsked()
	dir, err := os.MkdirTemp("", "lambda-fn-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/fn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test function: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	bootDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// rig is an engine on a memory store and a fake clock, with its log
// captured.
type rig struct {
	t    testing.TB
	st   store.Store
	clk  *clocktest.Fake
	e    *lambda.Engine
	logs *sink
	cfg  lambda.Config
}

func newRig(t testing.TB, opts ...func(*lambda.Config)) *rig {
	t.Helper()
	st := mem.New()
	r := &rig{t: t, st: st, clk: clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), logs: newSink()}
	empty := t.TempDir()
	noexec := t.TempDir()
	if err := os.WriteFile(filepath.Join(noexec, "bootstrap"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"fn": bootDir, "empty": empty, "noexec": noexec}
	r.cfg = lambda.Config{Store: st, Clock: r.clk, Log: slog.New(r.logs),
		Code:     func(id string) string { return dirs[id] },
		Endpoint: func() string { return "http://127.0.0.1:4566" }, AccessKey: "AKIDTEST", SecretKey: "secret",
		ActivateDelay: delay, IdleTimeout: idle}
	for _, o := range opts {
		o(&r.cfg)
	}
	r.start()
	t.Cleanup(func() { r.e.Stop(); st.Close() })
	return r
}

func (r *rig) start() {
	r.e = lambda.New(r.cfg)
	r.e.Start()
}

// restart stops the engine and starts a new one on the same store.
func (r *rig) restart() {
	r.e.Stop()
	r.start()
	r.sync()
}

func (r *rig) sync() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.e.Sync(ctx); err != nil {
		r.t.Fatal(err)
	}
}

// advance moves the clock once the engine has seen every write, and lets
// it catch up with what the clock set off.
func (r *rig) advance(d time.Duration) {
	r.sync()
	r.clk.Advance(d)
	r.sync()
}

func (r *rig) update(fn func(tx model.Tx) error) {
	r.t.Helper()
	if err := model.Update(r.st, account, region, fn); err != nil {
		r.t.Fatal(err)
	}
}

// put writes a Pending function running the test bootstrap, changed by
// mut.
func (r *rig) put(name string, mut ...func(*model.Function)) {
	r.t.Helper()
	fn := &model.Function{Name: name, ARN: invoke.FunctionARN(region, account, name, ""),
		Config: model.FunctionConfig{Version: "$LATEST", Runtime: "provided.al2023", Handler: "bootstrap",
			Timeout: 3, MemorySize: 128, CodeID: "fn", CodeSha256: "sha", LastModified: r.clk.Now(),
			State: lambda.StatePending, LastUpdateStatus: lambda.UpdateInProgress}}
	for _, m := range mut {
		m(fn)
	}
	r.update(func(tx model.Tx) error { return model.Put(tx, fn) })
}

// create puts a function and lets it become Active.
func (r *rig) create(name string, mut ...func(*model.Function)) {
	r.t.Helper()
	r.put(name, mut...)
	r.advance(delay)
}

func (r *rig) get(name string) *model.Function {
	r.t.Helper()
	var fn *model.Function
	r.update(func(tx model.Tx) error {
		var err error
		fn, _, err = model.Get[model.Function](tx, name)
		return err
	})
	return fn
}

func (r *rig) invoke(name string, payload string) invoke.Result {
	r.t.Helper()
	res, err := r.try(name, payload)
	if err != nil {
		r.t.Fatalf("invoke %s: %v", name, err)
	}
	return res
}

func (r *rig) try(name string, payload string) (invoke.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return r.e.Invoke(ctx, invoke.Request{Account: account, Region: region, Function: name, Payload: []byte(payload)})
}

// async invokes in the background; the result arrives on the channel.
func (r *rig) async(name, payload string) <-chan invoke.Result {
	ch := make(chan invoke.Result, 1)
	go func() {
		res, err := r.try(name, payload)
		if err != nil {
			res.Payload = []byte("error: " + err.Error())
		}
		ch <- res
	}()
	return ch
}

func pidOf(t testing.TB, res invoke.Result) int {
	t.Helper()
	var doc struct{ Pid int }
	if err := json.Unmarshal(res.Payload, &doc); err != nil || doc.Pid == 0 {
		t.Fatalf("payload %s (function error %q) has no pid", res.Payload, res.FunctionError)
	}
	return doc.Pid
}

func alive(t testing.TB, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("process %d is gone: %v", pid, err)
	}
}

func wantError(t testing.TB, err error, status int, code, msg string) *invoke.Error {
	t.Helper()
	var ie *invoke.Error
	if !errors.As(err, &ie) {
		t.Fatalf("error %v, want %s", err, code)
	}
	if ie.Status != status || ie.Code != code || (msg != "" && ie.Message != msg) {
		t.Fatalf("error %d %s %q, want %d %s %q", ie.Status, ie.Code, ie.Message, status, code, msg)
	}
	return ie
}

// errorDoc reads a function error's payload.
func errorDoc(t testing.TB, res invoke.Result) (typ, msg string) {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("function error %q (payload %s), want Unhandled", res.FunctionError, res.Payload)
	}
	var doc struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(res.Payload, &doc); err != nil {
		t.Fatalf("error payload %s: %v", res.Payload, err)
	}
	return doc.ErrorType, doc.ErrorMessage
}

var requestID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestPendingThenActive(t *testing.T) {
	r := newRig(t)
	r.put("fn")
	r.sync()
	_, err := r.try("fn", `{}`)
	wantError(t, err, 409, "ResourceConflictException",
		"The operation cannot be performed at this time. The function is currently in the following state: Pending")
	r.advance(delay - time.Millisecond)
	if got := r.get("fn").Config.State; got != lambda.StatePending {
		t.Fatalf("state %s before the delay, want Pending", got)
	}
	r.advance(time.Millisecond)
	fn := r.get("fn")
	if fn.Config.State != lambda.StateActive || fn.Config.LastUpdateStatus != lambda.UpdateSuccessful {
		t.Fatalf("state %s/%s after the delay, want Active/Successful", fn.Config.State, fn.Config.LastUpdateStatus)
	}
	if res := r.invoke("fn", `{"hello":"world"}`); string(res.Payload) != `{"hello":"world"}` || res.FunctionError != "" {
		t.Fatalf("payload %s, error %q", res.Payload, res.FunctionError)
	}
}

func TestUpdateInProgressBecomesSuccessful(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.update(func(tx model.Tx) error {
		fn, _, err := model.Get[model.Function](tx, "fn")
		if err != nil {
			return err
		}
		fn.Config.LastUpdateStatus = lambda.UpdateInProgress
		fn.Config.LastModified = r.clk.Now()
		return model.Put(tx, fn)
	})
	r.sync()
	// An update in progress still runs: the function stays Active.
	r.invoke("fn", `{}`)
	r.advance(delay)
	if got := r.get("fn").Config.LastUpdateStatus; got != lambda.UpdateSuccessful {
		t.Fatalf("LastUpdateStatus %s, want Successful", got)
	}
}

func TestNotFound(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	_, err := r.try("nope", `{}`)
	wantError(t, err, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope")
	_, err = r.try("fn:7", `{}`)
	wantError(t, err, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:fn:7")
	_, err = r.e.Invoke(context.Background(), invoke.Request{Account: account, Region: "eu-west-1", Function: "fn"})
	wantError(t, err, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:fn")
}

func TestColdThenWarm(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	first := r.invoke("fn", `{"op":"pid"}`)
	if !requestID.MatchString(first.RequestID) || first.ExecutedVersion != "$LATEST" {
		t.Fatalf("request id %q, executed version %q", first.RequestID, first.ExecutedVersion)
	}
	pid := pidOf(t, first)
	second := r.invoke("fn", `{"op":"pid"}`)
	if got := pidOf(t, second); got != pid {
		t.Fatalf("second invocation ran in process %d, want the warm %d", got, pid)
	}
	if second.RequestID == first.RequestID {
		t.Fatal("both invocations have the same request id")
	}
	if !strings.Contains(r.logs.text(), "Init Duration") {
		t.Error("no REPORT line with Init Duration for the cold start")
	}
}

func TestConcurrentInvocationsGetTheirOwnProcesses(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	slow := r.async("fn", `{"op":"sleep"}`)
	r.logs.wait(t, "sleeping pid=")
	pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`))
	if strings.Contains(r.logs.text(), fmt.Sprintf("sleeping pid=%d", pid)) {
		t.Fatal("the second invocation ran in the busy process")
	}
	r.advance(3 * time.Second)
	<-slow
}

func TestEnvironment(t *testing.T) {
	t.Setenv("GATEHOUSE_TEST_SECRET", "must-not-leak")
	r := newRig(t)
	r.create("env-fn", func(fn *model.Function) {
		fn.Config.Environment = map[string]string{"GREETING": "hello", "TZ_NOT": "x"}
		fn.Config.MemorySize = 256
	})
	res := r.invoke("env-fn", `{"op":"env"}`)
	var doc struct {
		Env    []string
		Cwd    string
		Header map[string][]string
	}
	if err := json.Unmarshal(res.Payload, &doc); err != nil {
		t.Fatalf("%s: %v", res.Payload, err)
	}
	env := map[string]string{}
	for _, kv := range doc.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "env-fn",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/env-fn",
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                bootDir,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"AWS_ACCESS_KEY_ID":               "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":           "secret",
		"AWS_ENDPOINT_URL":                "http://127.0.0.1:4566",
		"GREETING":                        "hello",
	} {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_RUNTIME_DIR", "PATH"} {
		if env[k] == "" {
			t.Errorf("%s is not set", k)
		}
	}
	if !strings.HasPrefix(env["AWS_LAMBDA_LOG_STREAM_NAME"], "2026/01/01/[$LATEST]") {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME=%q", env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if _, ok := env["AWS_EXECUTION_ENV"]; ok {
		t.Error("AWS_EXECUTION_ENV is set for an OS-only runtime")
	}
	if _, ok := env["GATEHOUSE_TEST_SECRET"]; ok {
		t.Error("gatehouse's own environment leaked into the function")
	}
	if doc.Cwd != bootDir {
		t.Errorf("working directory %s, want the task root %s", doc.Cwd, bootDir)
	}
	h := func(k string) string {
		if v := doc.Header[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if h("Lambda-Runtime-Invoked-Function-Arn") != "arn:aws:lambda:us-east-1:123456789012:function:env-fn" ||
		h("Lambda-Runtime-Aws-Request-Id") != res.RequestID || h("Lambda-Runtime-Trace-Id") == "" {
		t.Errorf("runtime headers %v", doc.Header)
	}
	var ms int64
	fmt.Sscan(h("Lambda-Runtime-Deadline-Ms"), &ms)
	if left := time.Until(time.UnixMilli(ms)); left < 2*time.Second || left > 3*time.Second {
		t.Errorf("deadline %d is %v away, want about the 3 s timeout", ms, left)
	}
}

func TestQualifiers(t *testing.T) {
	r := newRig(t)
	r.create("fn", func(fn *model.Function) { fn.LastVersion = 1 })
	r.update(func(tx model.Tx) error {
		fn, _, _ := model.Get[model.Function](tx, "fn")
		v := &model.FunctionVersion{Function: "fn", ARN: fn.ARN + ":1", Config: fn.Config}
		v.Config.Version = "1"
		if err := model.Put(tx, v); err != nil {
			return err
		}
		return model.Put(tx, &model.FunctionAlias{Function: "fn", Name: "live", FunctionVersion: "1"})
	})
	r.sync()
	res, err := r.e.Invoke(context.Background(), invoke.Request{Account: account, Region: region, Function: "fn",
		Payload: []byte(`{"op":"env"}`), ClientContext: "eyJjdXN0b20iOnsiYSI6MX19"})
	if err != nil || !strings.Contains(string(res.Payload), `"Lambda-Runtime-Client-Context":["{\"custom\":{\"a\":1}}"]`) {
		t.Errorf("the client context did not reach the runtime: %s, %v", res.Payload, err)
	}
	for _, c := range []struct{ fn, qual, version, arn string }{
		{"fn", "", "$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:fn"},
		{"fn:1", "", "1", "arn:aws:lambda:us-east-1:123456789012:function:fn:1"},
		{"fn", "live", "1", "arn:aws:lambda:us-east-1:123456789012:function:fn:live"},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn:live", "", "1", "arn:aws:lambda:us-east-1:123456789012:function:fn:live"},
		{"123456789012:function:fn", "$LATEST", "$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST"},
	} {
		res, err := r.e.Invoke(context.Background(), invoke.Request{Account: account, Region: region, Function: c.fn, Qualifier: c.qual,
			Payload: []byte(`{"op":"env"}`)})
		if err != nil {
			t.Fatalf("%s %s: %v", c.fn, c.qual, err)
		}
		var doc struct {
			Env    []string
			Header map[string][]string
		}
		json.Unmarshal(res.Payload, &doc)
		if res.ExecutedVersion != c.version || doc.Header["Lambda-Runtime-Invoked-Function-Arn"][0] != c.arn {
			t.Errorf("%s %s: executed %s as %v, want %s as %s", c.fn, c.qual, res.ExecutedVersion, doc.Header["Lambda-Runtime-Invoked-Function-Arn"], c.version, c.arn)
		}
		if !strings.Contains(strings.Join(doc.Env, "\n"), "AWS_LAMBDA_FUNCTION_VERSION="+c.version+"\n") {
			t.Errorf("%s %s: AWS_LAMBDA_FUNCTION_VERSION is not %s", c.fn, c.qual, c.version)
		}
	}
	_, err = r.e.Invoke(context.Background(), invoke.Request{Account: account, Region: region, Function: "fn:1", Qualifier: "live"})
	wantError(t, err, 400, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
}

func TestAliasWeights(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.update(func(tx model.Tx) error {
		fn, _, _ := model.Get[model.Function](tx, "fn")
		for _, n := range []string{"1", "2"} {
			v := &model.FunctionVersion{Function: "fn", Config: fn.Config}
			v.Config.Version = n
			if err := model.Put(tx, v); err != nil {
				return err
			}
		}
		return model.Put(tx, &model.FunctionAlias{Function: "fn", Name: "canary", FunctionVersion: "1", Weights: map[string]float64{"2": 0.5}})
	})
	r.sync()
	seen := map[string]int{}
	for range 40 {
		res, err := r.e.Invoke(context.Background(), invoke.Request{Account: account, Region: region, Function: "fn", Qualifier: "canary", Payload: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		seen[res.ExecutedVersion]++
	}
	if seen["1"] == 0 || seen["2"] == 0 || seen["1"]+seen["2"] != 40 {
		t.Fatalf("versions run %v, want both 1 and 2", seen)
	}
}

func TestCallerNeedsPermission(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	caller := &invoke.Caller{Service: "apigateway.amazonaws.com", SourceArn: "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/pets", SourceAccount: account}
	req := invoke.Request{Account: account, Region: region, Function: "fn", Payload: []byte(`{}`), Caller: caller}
	_, err := r.e.Invoke(context.Background(), req)
	wantError(t, err, 403, "AccessDeniedException", "")
	r.update(func(tx model.Tx) error {
		fn, _, _ := model.Get[model.Function](tx, "fn")
		fn.Policy = []model.PermissionStatement{{Sid: "apigw", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com",
			SourceArn: "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/*"}}
		return model.Put(tx, fn)
	})
	r.sync()
	if _, err := r.e.Invoke(context.Background(), req); err != nil {
		t.Fatalf("with a matching statement: %v", err)
	}
}

func TestReservedConcurrencyZeroThrottles(t *testing.T) {
	r := newRig(t)
	zero := 0
	r.create("fn", func(fn *model.Function) { fn.ReservedConcurrency = &zero })
	_, err := r.try("fn", `{}`)
	ie := wantError(t, err, 429, "TooManyRequestsException", "Rate Exceeded.")
	if ie.Reason != "ReservedFunctionConcurrentInvocationLimitExceeded" {
		t.Fatalf("reason %q", ie.Reason)
	}
}

func TestReservedConcurrencyLimits(t *testing.T) {
	r := newRig(t)
	one := 1
	r.create("fn", func(fn *model.Function) { fn.ReservedConcurrency = &one })
	slow := r.async("fn", `{"op":"sleep"}`)
	r.logs.wait(t, "sleeping pid=")
	_, err := r.try("fn", `{}`)
	if ie := wantError(t, err, 429, "TooManyRequestsException", "Rate Exceeded."); ie.Reason != "ReservedFunctionConcurrentInvocationLimitExceeded" {
		t.Fatalf("reason %q", ie.Reason)
	}
	r.advance(3 * time.Second)
	<-slow
	r.invoke("fn", `{}`)
}

func TestAccountConcurrencyLimit(t *testing.T) {
	r := newRig(t, func(c *lambda.Config) { c.Concurrency = 2 })
	one := 1
	r.create("reserved", func(fn *model.Function) { fn.ReservedConcurrency = &one })
	r.create("a")
	r.create("b")
	// One of the two is reserved, so the others share one.
	slow := r.async("a", `{"op":"sleep"}`)
	r.logs.wait(t, "sleeping pid=")
	_, err := r.try("b", `{}`)
	if ie := wantError(t, err, 429, "TooManyRequestsException", "Rate Exceeded."); ie.Reason != "ConcurrentInvocationLimitExceeded" {
		t.Fatalf("reason %q", ie.Reason)
	}
	// The reserved function still runs.
	r.invoke("reserved", `{}`)
	r.advance(3 * time.Second)
	<-slow
	r.invoke("b", `{}`)
}

func TestTimeoutKillsTheProcess(t *testing.T) {
	r := newRig(t)
	r.create("fn", func(fn *model.Function) { fn.Config.Timeout = 7 })
	pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`))
	slow := r.async("fn", `{"op":"sleep"}`)
	r.logs.wait(t, fmt.Sprintf("sleeping pid=%d", pid))
	r.advance(7*time.Second - time.Millisecond)
	select {
	case res := <-slow:
		t.Fatalf("ended before its timeout: %s", res.Payload)
	default:
	}
	r.advance(time.Millisecond)
	res := <-slow
	if res.FunctionError != "Unhandled" {
		t.Fatalf("function error %q, payload %s", res.FunctionError, res.Payload)
	}
	want := `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ` + res.RequestID + ` Error: Task timed out after 7.00 seconds"}`
	if string(res.Payload) != want {
		t.Fatalf("payload %s, want %s", res.Payload, want)
	}
	r.logs.wait(t, "2026-01-01T00:00:08.000Z "+res.RequestID+" Task timed out after 7.00 seconds")
	gone(t, pid)
	if again := pidOf(t, r.invoke("fn", `{"op":"pid"}`)); again == pid {
		t.Fatal("the timed-out process ran again")
	}
}

func TestCallerContextEndsTheWait(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.e.Invoke(ctx, invoke.Request{Account: account, Region: region, Function: "fn", Payload: []byte(`{"op":"sleep"}`)})
		done <- err
	}()
	r.logs.wait(t, "sleeping pid=")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want the caller's", err)
	}
	// The invocation still holds its process until its timeout.
	r.advance(3 * time.Second)
	r.logs.wait(t, "Task timed out after 3.00 seconds")
}

func TestCrashIsRuntimeExitError(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`))
	res := r.invoke("fn", `{"op":"crash"}`)
	typ, msg := errorDoc(t, res)
	if typ != "Runtime.ExitError" || msg != "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 3" {
		t.Fatalf("error %s %q", typ, msg)
	}
	r.logs.wait(t, "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 3")
	gone(t, pid)
	if again := pidOf(t, r.invoke("fn", `{"op":"pid"}`)); again == pid {
		t.Fatal("a crashed process ran again")
	}
}

// A bootstrap that exits after each answer is started afresh for the
// next event, however soon it comes: the event it never asked for is not
// its failure.
func TestProcessExitingBetweenInvocations(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	for i := range 20 {
		if res := r.invoke("fn", `{"op":"once"}`); string(res.Payload) != `"once"` {
			t.Fatalf("invocation %d: %s", i, res.Payload)
		}
	}
	if n := strings.Count(r.logs.text(), "Runtime.ExitError"); n != 0 {
		t.Fatalf("%d invocations failed", n)
	}
	// The next event reaches the process before it exits, and never
	// leaves the engine: it goes to a new process.
	first := pidOf(t, r.invoke("fn", `{"op":"linger"}`))
	res := r.invoke("fn", `{"op":"pid"}`)
	if pid := pidOf(t, res); pid == first {
		t.Fatal("the event ran in the exiting process")
	}
	if n := strings.Count(r.logs.text(), "START RequestId: "+res.RequestID); n != 1 {
		t.Errorf("%d START lines for the moved event", n)
	}
}

func TestFunctionErrorKeepsTheSandbox(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`))
	res := r.invoke("fn", `{"op":"error"}`)
	if res.FunctionError != "Unhandled" || string(res.Payload) != `{"errorMessage":"boom","errorType":"MyError","stackTrace":["main.go:1"]}` {
		t.Fatalf("error %q, payload %s", res.FunctionError, res.Payload)
	}
	if again := pidOf(t, r.invoke("fn", `{"op":"pid"}`)); again != pid {
		t.Fatal("a function error cost the warm sandbox")
	}
}

func TestInitErrors(t *testing.T) {
	r := newRig(t)
	r.create("import", func(fn *model.Function) { fn.Config.Environment = map[string]string{"FN_INIT": "error"} })
	typ, msg := errorDoc(t, r.invoke("import", `{}`))
	if typ != "Runtime.ImportModuleError" || msg != "cannot load handler" {
		t.Fatalf("init error %s %q", typ, msg)
	}
	r.create("exits", func(fn *model.Function) { fn.Config.Environment = map[string]string{"FN_INIT": "exit"} })
	res := r.invoke("exits", `{}`)
	typ, msg = errorDoc(t, res)
	if typ != "Runtime.ExitError" || msg != "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 2" {
		t.Fatalf("init exit %s %q", typ, msg)
	}
}

func TestInvalidEntrypoint(t *testing.T) {
	r := newRig(t)
	r.create("missing", func(fn *model.Function) { fn.Config.CodeID = "empty" })
	r.create("noexec", func(fn *model.Function) { fn.Config.CodeID = "noexec" })
	r.create("java", func(fn *model.Function) { fn.Config.Runtime = "java21"; fn.Config.Handler = "example.Handler" })
	for name, want := range map[string][2]string{
		"missing": {"Runtime.InvalidEntrypoint", "Couldn't find valid bootstrap(s)"},
		"noexec":  {"Runtime.InvalidEntrypoint", "permission denied"},
		"java":    {"Runtime.Unsupported", "The runtime java21 is not supported"},
	} {
		res := r.invoke(name, `{}`)
		typ, msg := errorDoc(t, res)
		if typ != want[0] || !strings.HasPrefix(msg, "RequestId: "+res.RequestID+" Error: ") || !strings.Contains(msg, want[1]) {
			t.Errorf("%s: %s %q, want %s ...%q", name, typ, msg, want[0], want[1])
		}
	}
}

func TestIdleSandboxStops(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`))
	r.advance(idle - time.Second)
	alive(t, pid)
	if again := pidOf(t, r.invoke("fn", `{"op":"pid"}`)); again != pid {
		t.Fatal("not warm within the idle time")
	}
	r.advance(idle)
	gone(t, pid)
	if again := pidOf(t, r.invoke("fn", `{"op":"pid"}`)); again == pid {
		t.Fatal("an idle-stopped process ran again")
	}
}

func TestChangedConfigRetiresSandboxes(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`))
	r.clk.Advance(time.Second)
	r.update(func(tx model.Tx) error {
		fn, _, _ := model.Get[model.Function](tx, "fn")
		fn.Config.Environment = map[string]string{"GREETING": "new"}
		fn.Config.LastModified = r.clk.Now()
		fn.Config.LastUpdateStatus = lambda.UpdateInProgress
		return model.Put(tx, fn)
	})
	r.sync()
	gone(t, pid)
	res := r.invoke("fn", `{"op":"env"}`)
	if !strings.Contains(string(res.Payload), "GREETING=new") {
		t.Fatalf("the invocation after the update ran the old configuration: %s", res.Payload)
	}
}

func TestDeletedFunctionStopsItsSandboxes(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`))
	r.update(func(tx model.Tx) error { return model.Delete(tx, &model.Function{Name: "fn"}) })
	r.sync()
	gone(t, pid)
	_, err := r.try("fn", `{}`)
	wantError(t, err, 404, "ResourceNotFoundException", "")
}

func TestRuntimeAPIRefusesAWrongRequestID(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	res := r.invoke("fn", `{"op":"badid"}`)
	var doc struct {
		Status, NextStatus, InitStatus int
		Body, NextBody, InitBody       string
	}
	json.Unmarshal(res.Payload, &doc)
	if doc.Status != 400 || doc.Body != `{"errorType":"InvalidRequestID","errorMessage":"Invalid request ID"}` {
		t.Errorf("a response for another id: %d %s", doc.Status, doc.Body)
	}
	if doc.NextStatus != 403 || !strings.Contains(doc.NextBody, `"errorType":"InvalidStateTransition"`) {
		t.Errorf("next before responding: %d %s", doc.NextStatus, doc.NextBody)
	}
	if doc.InitStatus != 403 || !strings.Contains(doc.InitBody, `"errorType":"InvalidStateTransition"`) {
		t.Errorf("an init error once running: %d %s", doc.InitStatus, doc.InitBody)
	}
}

func TestRuntimeErrorWithoutADocument(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	res := r.invoke("fn", `{"op":"garbage"}`)
	if res.FunctionError != "Unhandled" || string(res.Payload) != `{"errorType":"Custom.Broken","errorMessage":""}` {
		t.Fatalf("error %q, payload %s", res.FunctionError, res.Payload)
	}
	// The sandbox serves on.
	r.invoke("fn", `{"op":"pid"}`)
}

func TestResponseTooLarge(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	typ, msg := errorDoc(t, r.invoke("fn", `{"op":"big"}`))
	if typ != "Function.ResponseSizeTooLarge" || msg != "Response payload size exceeded maximum allowed payload size (6291556 bytes)." {
		t.Fatalf("%s %q", typ, msg)
	}
	r.logs.wait(t, "response refused: 413")
	// The sandbox lives on.
	r.invoke("fn", `{"op":"pid"}`)
}

func TestLogsAndTail(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	res, err := r.e.Invoke(context.Background(), invoke.Request{Account: account, Region: region, Function: "fn",
		Payload: []byte(`{"op":"print","lines":3}`), Tail: true})
	if err != nil {
		t.Fatal(err)
	}
	tail := string(res.LogTail)
	id := res.RequestID
	for _, want := range []string{
		"START RequestId: " + id + " Version: $LATEST\n",
		"line 2 of " + id + "\n",
		"END RequestId: " + id + "\n",
		"REPORT RequestId: " + id + "\tDuration: ",
		"\tMemory Size: 128 MB\t",
	} {
		if !strings.Contains(tail, want) {
			t.Errorf("tail lacks %q:\n%s", want, tail)
		}
	}
	if i, j := strings.Index(tail, "line 2 of"), strings.Index(tail, "END RequestId"); i > j {
		t.Errorf("the function's output comes after END:\n%s", tail)
	}
	rec := r.logs.find("line 0 of " + id)
	if rec == nil || rec["function"] != "fn" || rec["requestId"] != id {
		t.Errorf("the output's log record %v lacks the function and request id", rec)
	}
	// A long log keeps its last 4 KB.
	res, _ = r.e.Invoke(context.Background(), invoke.Request{Account: account, Region: region, Function: "fn",
		Payload: []byte(`{"op":"print","lines":400}`), Tail: true})
	if len(res.LogTail) != lambda.TailSize || !strings.HasSuffix(string(res.LogTail), "\t\n") {
		t.Errorf("tail of %d bytes ending %q", len(res.LogTail), res.LogTail[max(0, len(res.LogTail)-20):])
	}
	if res, _ := r.try("fn", `{}`); res.LogTail != nil {
		t.Error("a tail without Tail")
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	var doc struct{ Pid, Child int }
	json.Unmarshal(r.invoke("fn", `{"op":"child"}`).Payload, &doc)
	if doc.Pid == 0 || doc.Child == 0 {
		t.Fatal("no pids")
	}
	slow := r.async("fn", `{"op":"sleep"}`)
	line := r.logs.wait(t, "sleeping pid=")
	var busy int
	fmt.Sscanf(line[strings.Index(line, "pid=")+4:], "%d", &busy)
	alive(t, doc.Child)
	r.e.Stop()
	for _, pid := range []int{doc.Pid, doc.Child, busy} {
		gone(t, pid)
	}
	res := <-slow
	if typ, _ := errorDoc(t, res); typ != "Runtime.ExitError" {
		t.Errorf("the invocation Stop cut short: %s", res.Payload)
	}
}

// sink is a slog handler keeping every record, for tests to read and
// wait on.
type sink struct {
	mu      sync.Mutex
	recs    []map[string]any
	changed chan struct{}
}

func newSink() *sink { return &sink{changed: make(chan struct{})} }

func (s *sink) Enabled(context.Context, slog.Level) bool { return true }
func (s *sink) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *sink) WithGroup(string) slog.Handler            { return s }
func (s *sink) Handle(_ context.Context, r slog.Record) error {
	rec := map[string]any{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool { rec[a.Key] = a.Value.Any(); return true })
	s.mu.Lock()
	s.recs = append(s.recs, rec)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}

func (s *sink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, r := range s.recs {
		fmt.Fprintln(&b, r["msg"])
	}
	return b.String()
}

func (s *sink) find(sub string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recs {
		if strings.Contains(fmt.Sprint(r["msg"]), sub) {
			return r
		}
	}
	return nil
}

// wait returns the first message containing sub, waiting for it.
func (s *sink) wait(t testing.TB, sub string) string {
	t.Helper()
	return s.waitN(t, sub, 1)
}

// waitN waits for the nth message containing sub and returns it.
func (s *sink) waitN(t testing.TB, sub string, n int) string {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		seen := 0
		for _, r := range s.recs {
			if m := fmt.Sprint(r["msg"]); strings.Contains(m, sub) {
				if seen++; seen == n {
					s.mu.Unlock()
					return m
				}
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("no log line with %q in:\n%s", sub, s.text())
		}
	}
}

// With no delay, a function is Active in the index by the time the write
// that made it Pending has been synced: it can be invoked at once.
func TestNoDelayActivatesBeforeSyncReturns(t *testing.T) {
	r := newRig(t, func(c *lambda.Config) { c.ActivateDelay = 0 })
	for i := range 20 {
		name := fmt.Sprintf("fn%d", i)
		r.put(name)
		r.sync()
		if _, err := r.try(name, `{}`); err != nil {
			t.Fatalf("%s right after Sync: %v", name, err)
		}
	}
}
