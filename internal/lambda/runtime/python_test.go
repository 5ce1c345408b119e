package runtime

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/lambda/lambdatest"
)

// pythonRuntime is the runtime the Python tests run. Command runs it
// with python3 when python3.11 itself is missing, so any python3 will do.
func pythonRuntime(t *testing.T) string {
	lambdatest.RequirePython(t, "3")
	return "python3.11"
}

func TestPythonAnswersWithContext(t *testing.T) {
	rt := pythonRuntime(t)
	a := newFakeAPI(t)
	start(t, a, rt, "lambda_function.lambda_handler", map[string]string{"lambda_function.py": `
import os

def lambda_handler(event, context):
    cc = context.client_context
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client": [cc.client.app_title, cc.client.installation_id, cc.custom],
        "remaining": context.get_remaining_time_in_millis(),
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "exec_env": os.environ.get("AWS_EXECUTION_ENV"),
    }
`})
	p := a.invoke(t, invocation{id: "req-1", body: `{"a":[1,2]}`, headers: map[string]string{
		"Lambda-Runtime-Cognito-Identity": `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`,
		"Lambda-Runtime-Client-Context":   `{"client":{"app_title":"app"},"custom":{"k":"v"}}`,
	}})
	if p.kind != "response" || p.id != "req-1" || p.ctype != "application/json" {
		t.Fatalf("posted %s for %s (%s): %s", p.kind, p.id, p.ctype, p.body)
	}
	got := decode(t, p)
	remaining := got["remaining"].(float64)
	if remaining <= 0 || remaining > 3600_000 {
		t.Errorf("get_remaining_time_in_millis() = %v, want within the hour the deadline gives", remaining)
	}
	delete(got, "remaining")
	want := map[string]any{
		"event":                map[string]any{"a": []any{1.0, 2.0}},
		"aws_request_id":       "req-1",
		"function_name":        "fn",
		"function_version":     "$LATEST",
		"invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
		"memory_limit_in_mb":   "256",
		"log_group_name":       "/aws/lambda/fn",
		"log_stream_name":      "2026/12/02/[$LATEST]0123456789abcdef",
		"identity":             []any{"id-1", "pool-1"},
		"client":               []any{"app", nil, map[string]any{"k": "v"}},
		"trace":                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		"exec_env":             "AWS_Lambda_" + rt,
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("response\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestPythonRemainingTimeStopsAtZero(t *testing.T) {
	rt := pythonRuntime(t)
	a := newFakeAPI(t)
	start(t, a, rt, "lambda_function.lambda_handler", map[string]string{"lambda_function.py": `
def lambda_handler(event, context):
    return context.get_remaining_time_in_millis()
`})
	past := fmt.Sprint(time.Now().Add(-time.Minute).UnixMilli())
	p := a.invoke(t, invocation{id: "r", body: `{}`, headers: map[string]string{"Lambda-Runtime-Deadline-Ms": past}})
	if string(p.body) != "0" {
		t.Errorf("remaining time past the deadline = %s, want 0", p.body)
	}
}

func TestPythonResults(t *testing.T) {
	rt := pythonRuntime(t)
	for _, c := range []struct {
		name, src, want, ctype string
	}{
		{"None is null", "def lambda_handler(e, c):\n    return None\n", "null", "application/json"},
		{"bytes go as they are", "def lambda_handler(e, c):\n    return b'raw\\x00'\n", "raw\x00", "application/unknown"},
		{"Decimal is a number", "import decimal\ndef lambda_handler(e, c):\n    return [decimal.Decimal('2'), decimal.Decimal('1.5')]\n", "[2, 1.5]", "application/json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newFakeAPI(t)
			start(t, a, rt, "lambda_function.lambda_handler", map[string]string{"lambda_function.py": c.src})
			p := a.invoke(t, invocation{id: "r", body: `{}`})
			if p.kind != "response" || string(p.body) != c.want || p.ctype != c.ctype {
				t.Errorf("posted %s %q (%s), want %q (%s)", p.kind, p.body, p.ctype, c.want, c.ctype)
			}
		})
	}
}

func TestPythonHandlerNames(t *testing.T) {
	rt := pythonRuntime(t)
	fn := "def handler(event, context):\n    return __name__\n"
	for _, c := range []struct {
		handler string
		files   map[string]string
		want    string
	}{
		{"app.handler", map[string]string{"app.py": fn}, `"app"`},
		{"pkg.mod.handler", map[string]string{"pkg/__init__.py": "", "pkg/mod.py": fn}, `"pkg.mod"`},
		{"pkg/mod.handler", map[string]string{"pkg/__init__.py": "", "pkg/mod.py": fn}, `"pkg.mod"`},
		{"ns/mod.handler", map[string]string{"ns/mod.py": fn}, `"ns.mod"`},
	} {
		t.Run(c.handler, func(t *testing.T) {
			a := newFakeAPI(t)
			start(t, a, rt, c.handler, c.files)
			if p := a.invoke(t, invocation{id: "r", body: `{}`}); p.kind != "response" || string(p.body) != c.want {
				t.Errorf("posted %s %s, want %s", p.kind, p.body, c.want)
			}
		})
	}
}

func TestPythonError(t *testing.T) {
	rt := pythonRuntime(t)
	a := newFakeAPI(t)
	proc := start(t, a, rt, "lambda_function.lambda_handler", map[string]string{"lambda_function.py": `
def check(event):
    raise ValueError("bad input")

def lambda_handler(event, context):
    check(event)
`})
	p := a.invoke(t, invocation{id: "req-e", body: `{}`})
	if p.kind != "error" || p.id != "req-e" || p.errorType != "ValueError" {
		t.Fatalf("posted %s for %s (type %q): %s", p.kind, p.id, p.errorType, p.body)
	}
	var doc struct {
		ErrorMessage, ErrorType, RequestID string
		StackTrace                         []string
	}
	if err := json.Unmarshal(p.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ErrorMessage != "bad input" || doc.ErrorType != "ValueError" || doc.RequestID != "req-e" {
		t.Errorf("error %+v", doc)
	}
	// The trace is the function's frames only, the loop's left out.
	if len(doc.StackTrace) != 2 || !strings.Contains(doc.StackTrace[0], "lambda_function.py\", line 6, in lambda_handler") ||
		!strings.Contains(doc.StackTrace[1], "line 3, in check\n    raise ValueError(\"bad input\")") {
		t.Errorf("stackTrace %q", doc.StackTrace)
	}
	if keys := string(p.body); !strings.HasPrefix(keys, `{"errorMessage": `) {
		t.Errorf("error document %s: want errorMessage, errorType, requestId, stackTrace in that order", keys)
	}
	if p := a.invoke(t, invocation{id: "req-f", body: `{}`}); p.kind != "error" || p.id != "req-f" {
		t.Errorf("the next invocation posted %s for %s: the process should stay warm", p.kind, p.id)
	}
	log := proc.stop()
	want := "[ERROR] ValueError: bad input\rTraceback (most recent call last):\r\u00a0\u00a0File "
	if !strings.Contains(log, want) {
		t.Errorf("log lacks %q:\n%q", want, log)
	}
}

func TestPythonInitErrors(t *testing.T) {
	rt := pythonRuntime(t)
	for _, c := range []struct {
		name, handler string
		files         map[string]string
		errorType     string
		msg           string // the message, or its start when the interpreter words the rest
	}{
		{"missing module", "nope.handler", map[string]string{"app.py": ""}, "Runtime.ImportModuleError", "Unable to import module 'nope': No module named 'nope'"},
		{"missing import inside the module", "app.handler", map[string]string{"app.py": "import requests_not_here\n"}, "Runtime.ImportModuleError", "Unable to import module 'app': No module named 'requests_not_here'"},
		{"missing function", "app.missing", map[string]string{"app.py": "def handler(e, c): pass\n"}, "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'"},
		{"no dot", "app", map[string]string{"app.py": ""}, "Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)"},
		{"built-in module", "sys.handler", map[string]string{}, "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"},
		{"syntax error", "app.handler", map[string]string{"app.py": "def handler(:\n"}, "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': "},
		{"raise at import", "app.handler", map[string]string{"app.py": "raise KeyError('k')\n"}, "KeyError", "'k'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newFakeAPI(t)
			proc := start(t, a, rt, c.handler, c.files)
			p := a.result(t)
			if p.kind != "init" {
				t.Fatalf("posted %s %s, want an init error", p.kind, p.body)
			}
			var doc struct {
				ErrorMessage, ErrorType, RequestID string
				StackTrace                         []string
			}
			json.Unmarshal(p.body, &doc)
			if doc.ErrorType != c.errorType || !strings.HasPrefix(doc.ErrorMessage, c.msg) || p.errorType != c.errorType || doc.StackTrace == nil {
				t.Errorf("init error %s %q (header %q, trace %q), want %s %q", doc.ErrorType, doc.ErrorMessage, p.errorType, doc.StackTrace, c.errorType, c.msg)
			}
			log := proc.exited(t)
			if want := "[ERROR] " + c.errorType + ": " + doc.ErrorMessage + "\rTraceback (most recent call last):"; !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%q", want, log)
			}
			if code := proc.cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
		})
	}
}

var pythonLogLine = regexp.MustCompile(`^\[([A-Z]+)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(\S*)\t(.*)$`)

func TestPythonLogLines(t *testing.T) {
	rt := pythonRuntime(t)
	a := newFakeAPI(t)
	proc := start(t, a, rt, "lambda_function.lambda_handler", map[string]string{"lambda_function.py": `
import logging
logger = logging.getLogger()
logger.warning("loading")

def lambda_handler(event, context):
    print("printed", event["name"])
    logger.info("not shown: the root logger's level is WARNING, as on Lambda")
    logger.setLevel(logging.INFO)
    logger.info("hello %s", event["name"])
    logger.error("bad")
    return "ok"
`})
	if p := a.invoke(t, invocation{id: "req-log", body: `{"name":"world"}`}); p.kind != "response" {
		t.Fatalf("posted %s %s", p.kind, p.body)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(proc.stop(), "\n"), "\n") {
		if m := pythonLogLine.FindStringSubmatch(line); m != nil {
			line = m[1] + " " + m[2] + " " + m[3]
		}
		got = append(got, line)
	}
	want := []string{
		"WARNING  loading",
		"printed world",
		"INFO req-log hello world",
		"ERROR req-log bad",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log\n got %q\nwant %q", got, want)
	}
}
