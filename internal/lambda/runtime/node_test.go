package runtime

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/lambda/lambdatest"
)

func TestNodeAnswersWithContext(t *testing.T) {
	lambdatest.RequireNode(t)
	a := newFakeAPI(t)
	start(t, a, "nodejs20.x", "index.handler", map[string]string{"index.mjs": `
export const handler = async (event, context) => ({
  event,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity ?? null,
  clientContext: context.clientContext ?? null,
  remaining: context.getRemainingTimeInMillis(),
  waits: context.callbackWaitsForEmptyEventLoop,
  trace: process.env._X_AMZN_TRACE_ID,
  handlerEnv: process.env._HANDLER,
  execEnv: process.env.AWS_EXECUTION_ENV,
});
`})
	p := a.invoke(t, invocation{id: "req-1", body: `{"a":[1,2]}`, headers: map[string]string{
		"Lambda-Runtime-Cognito-Identity": `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`,
		"Lambda-Runtime-Client-Context":   `{"client":{"app_title":"app"},"custom":{"k":"v"}}`,
	}})
	if p.kind != "response" || p.id != "req-1" {
		t.Fatalf("posted %s for %s: %s", p.kind, p.id, p.body)
	}
	got := decode(t, p)
	remaining := got["remaining"].(float64)
	if remaining <= 0 || remaining > 3600_000 {
		t.Errorf("getRemainingTimeInMillis() = %v, want within the hour the deadline gives", remaining)
	}
	delete(got, "remaining")
	want := map[string]any{
		"event":              map[string]any{"a": []any{1.0, 2.0}},
		"functionName":       "fn",
		"functionVersion":    "$LATEST",
		"invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
		"memoryLimitInMB":    "256",
		"awsRequestId":       "req-1",
		"logGroupName":       "/aws/lambda/fn",
		"logStreamName":      "2026/12/02/[$LATEST]0123456789abcdef",
		"identity":           map[string]any{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
		"clientContext":      map[string]any{"client": map[string]any{"app_title": "app"}, "custom": map[string]any{"k": "v"}},
		"waits":              true,
		"trace":              "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		"handlerEnv":         "index.handler",
		"execEnv":            "AWS_Lambda_nodejs20.x",
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("response\n got %s\nwant %s", gotJSON, wantJSON)
	}

	// The process is warm: a second invocation reuses it.
	p = a.invoke(t, invocation{id: "req-2", body: `"x"`})
	if p.kind != "response" || !strings.Contains(string(p.body), `"awsRequestId":"req-2"`) {
		t.Errorf("second invocation posted %s %s", p.kind, p.body)
	}
}

// Handler styles: each line is a module and the response it must give.
func TestNodeHandlerStyles(t *testing.T) {
	lambdatest.RequireNode(t)
	for _, c := range []struct {
		name, file, src, want string
	}{
		{"async", "index.mjs", `export const handler = async (e) => e.n + 1;`, `2`},
		{"promise", "index.mjs", `export function handler(e) { return new Promise((ok) => setTimeout(() => ok({ n: e.n }), 5)); }`, `{"n":1}`},
		{"callback", "index.js", `exports.handler = (e, ctx, cb) => { setTimeout(() => cb(null, 'cb'), 5); };`, `"cb"`},
		// The callback's result is sent once the event loop is empty, so
		// the timer's change is in it.
		{"callback waits for the event loop", "index.js", `exports.handler = (e, ctx, cb) => { const r = { n: 1 }; cb(null, r); setTimeout(() => { r.n = 2; }, 20); };`, `{"n":2}`},
		{"callback does not wait when told", "index.js", `exports.handler = (e, ctx, cb) => { ctx.callbackWaitsForEmptyEventLoop = false; const r = { n: 1 }; cb(null, r); setTimeout(() => { r.n = 2; }, 20); };`, `{"n":1}`},
		{"context.succeed", "index.js", `exports.handler = (e, ctx) => { ctx.succeed('ok'); };`, `"ok"`},
		{"sync without callback answers null", "index.js", `exports.handler = () => 'ignored';`, `null`},
		{"undefined is null", "index.mjs", `export const handler = async () => undefined;`, `null`},
		{"only the first outcome counts", "index.js", `exports.handler = (e, ctx, cb) => { cb(null, 'first'); cb(null, 'second'); };`, `"first"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newFakeAPI(t)
			start(t, a, "nodejs22.x", "index.handler", map[string]string{c.file: c.src})
			p := a.invoke(t, invocation{id: "r", body: `{"n":1}`})
			if p.kind != "response" || string(p.body) != c.want {
				t.Errorf("posted %s %s, want response %s", p.kind, p.body, c.want)
			}
		})
	}
}

// Where Lambda's Node.js runtime finds a handler's module.
func TestNodeModuleResolution(t *testing.T) {
	lambdatest.RequireNode(t)
	cjs := `exports.handler = async () => 'cjs';`
	esm := `export const handler = async () => 'esm';`
	for _, c := range []struct {
		name, handler string
		files         map[string]string
		want          string
	}{
		{"index.js is CommonJS", "index.handler", map[string]string{"index.js": cjs}, `"cjs"`},
		{"index.mjs is an ES module", "index.handler", map[string]string{"index.mjs": esm}, `"esm"`},
		{"package.json type module makes .js an ES module", "index.handler", map[string]string{"index.js": esm, "package.json": `{"type":"module"}`}, `"esm"`},
		{".js wins over .mjs", "index.handler", map[string]string{"index.js": cjs, "index.mjs": esm}, `"cjs"`},
		{".cjs", "app.handler", map[string]string{"app.cjs": cjs}, `"cjs"`},
		{"a subdirectory", "src/handlers/app.handler", map[string]string{"src/handlers/app.mjs": esm}, `"esm"`},
		{"a nested export", "index.api.v1.handler", map[string]string{"index.js": `exports.api = { v1: { handler: async () => 'nested' } };`}, `"nested"`},
		{"a package in node_modules", "lib.handler", map[string]string{"node_modules/lib/index.js": cjs}, `"cjs"`},
		{"top-level modules on NODE_PATH", "src/app.handler", map[string]string{"src/app.js": `exports.handler = async () => require('shared').v;`, "shared.js": `exports.v = 'shared';`}, `"shared"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newFakeAPI(t)
			start(t, a, "nodejs20.x", c.handler, c.files)
			p := a.invoke(t, invocation{id: "r", body: `{}`})
			if p.kind != "response" || string(p.body) != c.want {
				t.Errorf("posted %s %s, want response %s", p.kind, p.body, c.want)
			}
		})
	}
}

func TestNodeErrors(t *testing.T) {
	lambdatest.RequireNode(t)
	for _, c := range []struct {
		name, src       string
		errorType, msg  string
		traceStartsWith string
		logType         string // the errorType the log shows, when not errorType
	}{
		{"throw", `export const handler = async () => { throw new Error('boom'); };`, "Error", "boom", "Error: boom", ""},
		{"rejection of a custom error", `class Nope extends Error { constructor(m) { super(m); this.name = 'Nope'; } }
export const handler = () => Promise.reject(new Nope('no'));`, "Nope", "no", "Nope: no", ""},
		{"callback with a string", `export const handler = (e, ctx, cb) => cb('bad input');`, "string", "bad input", "", "Error"},
		{"synchronous throw", `export const handler = () => { throw new TypeError('t'); };`, "TypeError", "t", "TypeError: t", ""},
		{"context.fail", `export const handler = (e, ctx) => ctx.fail(new Error('failed'));`, "Error", "failed", "Error: failed", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newFakeAPI(t)
			proc := start(t, a, "nodejs20.x", "index.handler", map[string]string{"index.mjs": c.src})
			p := a.invoke(t, invocation{id: "req-e", body: `{}`})
			if p.kind != "error" || p.id != "req-e" {
				t.Fatalf("posted %s for %s: %s", p.kind, p.id, p.body)
			}
			var doc struct {
				ErrorType    string   `json:"errorType"`
				ErrorMessage string   `json:"errorMessage"`
				Trace        []string `json:"trace"`
			}
			if err := json.Unmarshal(p.body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.ErrorType != c.errorType || doc.ErrorMessage != c.msg || p.errorType != c.errorType {
				t.Errorf("error %s / %q (header %q), want %s / %q", doc.ErrorType, doc.ErrorMessage, p.errorType, c.errorType, c.msg)
			}
			if doc.Trace == nil || (c.traceStartsWith != "" && (len(doc.Trace) < 2 || doc.Trace[0] != c.traceStartsWith)) {
				t.Errorf("trace %q, want one starting with %q", doc.Trace, c.traceStartsWith)
			}
			// Still warm after a handled error.
			if p := a.invoke(t, invocation{id: "req-f", body: `{}`}); p.kind != "error" || p.id != "req-f" {
				t.Errorf("the next invocation posted %s for %s", p.kind, p.id)
			}
			log := proc.stop()
			logType := c.errorType
			if c.logType != "" {
				logType = c.logType
			}
			want := "\treq-e\tERROR\tInvoke Error \t{\"errorType\":\"" + logType + "\""
			if !strings.Contains(log, want) {
				t.Errorf("log has no line with %q:\n%s", want, log)
			}
		})
	}
}

func TestNodeInitErrors(t *testing.T) {
	lambdatest.RequireNode(t)
	for _, c := range []struct {
		name, handler string
		files         map[string]string
		errorType     string
		msg           *regexp.Regexp
	}{
		{"missing module", "nope.handler", map[string]string{"index.mjs": "export const handler = 1;"}, "Runtime.ImportModuleError", regexp.MustCompile(`^Error: Cannot find module 'nope'\nRequire stack:\n- `)},
		{"missing import inside the module", "index.handler", map[string]string{"index.mjs": "import 'left-pad';\nexport const handler = async () => 1;"}, "Runtime.ImportModuleError", regexp.MustCompile(`^Error \[ERR_MODULE_NOT_FOUND\]: Cannot find package 'left-pad' imported from `)},
		{"missing export", "index.missing", map[string]string{"index.mjs": "export const handler = async () => 1;"}, "Runtime.HandlerNotFound", regexp.MustCompile(`^index\.missing is undefined or not exported$`)},
		{"export not a function", "index.handler", map[string]string{"index.js": "exports.handler = 42;"}, "Runtime.HandlerNotFound", regexp.MustCompile(`^index\.handler is not a function$`)},
		{"no dot", "index", map[string]string{"index.js": ""}, "Runtime.MalformedHandlerName", regexp.MustCompile(`^Bad handler$`)},
		{"relative path", "../index.handler", map[string]string{"index.js": ""}, "Runtime.MalformedHandlerName", regexp.MustCompile(`^'\.\./index\.handler' is not a valid handler name\. Use absolute paths when specifying root directories in handler names\.$`)},
		{"syntax error", "index.handler", map[string]string{"index.js": "exports.handler = async () => {"}, "Runtime.UserCodeSyntaxError", regexp.MustCompile(`^SyntaxError: `)},
		{"throw at load", "index.handler", map[string]string{"index.js": "throw new RangeError('at load');"}, "RangeError", regexp.MustCompile(`^at load$`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newFakeAPI(t)
			proc := start(t, a, "nodejs20.x", c.handler, c.files)
			p := a.result(t)
			if p.kind != "init" {
				t.Fatalf("posted %s %s, want an init error", p.kind, p.body)
			}
			var doc struct{ ErrorType, ErrorMessage string }
			json.Unmarshal(p.body, &doc)
			if doc.ErrorType != c.errorType || !c.msg.MatchString(doc.ErrorMessage) || p.errorType != c.errorType {
				t.Errorf("init error %s %q (header %q), want %s matching %s", doc.ErrorType, doc.ErrorMessage, p.errorType, c.errorType, c.msg)
			}
			log := proc.exited(t)
			if !strings.Contains(log, "\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\""+c.errorType+"\"") {
				t.Errorf("log lacks the Uncaught Exception line:\n%s", log)
			}
			if code := proc.cmd.ProcessState.ExitCode(); code != 129 {
				t.Errorf("exit code %d, want 129", code)
			}
		})
	}
}

// An exception no one catches, thrown after the handler returned to the
// event loop, fails the invocation and ends the process.
func TestNodeUncaughtExceptionEndsTheProcess(t *testing.T) {
	lambdatest.RequireNode(t)
	a := newFakeAPI(t)
	proc := start(t, a, "nodejs20.x", "index.handler", map[string]string{"index.mjs": `
export const handler = async () => { await new Promise(() => setTimeout(() => { throw new Error('late'); }, 1)); };`})
	p := a.invoke(t, invocation{id: "r", body: `{}`})
	if doc := decode(t, p); p.kind != "error" || doc["errorMessage"] != "late" {
		t.Errorf("posted %s %s", p.kind, p.body)
	}
	proc.exited(t)
	if code := proc.cmd.ProcessState.ExitCode(); code != 129 {
		t.Errorf("exit code %d, want 129", code)
	}
}

// An async handler whose promise can never settle once the event loop is
// empty is failed at once rather than left to time out.
func TestNodeAsyncHandlerThatNeverSettles(t *testing.T) {
	lambdatest.RequireNode(t)
	a := newFakeAPI(t)
	start(t, a, "nodejs20.x", "index.handler", map[string]string{"index.mjs": `export const handler = async () => { await new Promise(() => {}); };`})
	p := a.invoke(t, invocation{id: "r", body: `{}`})
	if doc := decode(t, p); p.kind != "error" || doc["errorType"] != "Runtime.NodeJsExit" {
		t.Errorf("posted %s %s, want a Runtime.NodeJsExit error", p.kind, p.body)
	}
}

var nodeLogLine = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(\S+)\t([A-Z]+)\t(.*)$`)

func TestNodeLogLines(t *testing.T) {
	lambdatest.RequireNode(t)
	a := newFakeAPI(t)
	proc := start(t, a, "nodejs20.x", "index.handler", map[string]string{"index.js": `
console.log('loading');
exports.handler = async (event) => {
  console.log('hello %s', event.name, { n: 1 });
  console.info('info');
  console.warn('warn');
  console.error('error');
  console.debug('debug');
  console.log('two\nlines');
  return 'ok';
};`})
	if p := a.invoke(t, invocation{id: "req-log", body: `{"name":"world"}`}); p.kind != "response" {
		t.Fatalf("posted %s %s", p.kind, p.body)
	}
	var got []string
	for _, m := range nodeLogLine.FindAllStringSubmatch(proc.stop(), -1) {
		got = append(got, m[1]+" "+m[2]+" "+m[3])
	}
	want := []string{
		"undefined INFO loading",
		"req-log INFO hello world { n: 1 }",
		"req-log INFO info",
		"req-log WARN warn",
		"req-log ERROR error",
		"req-log DEBUG debug",
		"req-log INFO two\rlines",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines\n got %q\nwant %q", got, want)
	}
}
