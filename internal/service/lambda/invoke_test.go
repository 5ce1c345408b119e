package lambda_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// active waits, on the server's fake clock, for the engine to make a
// function (and its last update) ready.
func active(t *testing.T, srv *servertest.Server, c *lambda.Client, name string) {
	t.Helper()
	for range 50 {
		conf, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if conf.State == types.StateActive && conf.LastUpdateStatus == types.LastUpdateStatusSuccessful {
			return
		}
		srv.Clock.Advance(time.Second)
		srv.Sync(ctx)
	}
	t.Fatalf("%s never became Active", name)
}

// echoBootstrap is a custom runtime's bootstrap written in Python with
// its standard library only, speaking the Runtime API as any bootstrap
// does: it logs each event, fails when asked, and answers the event with
// the version that ran and its ANSWER variable. (It starts in a fraction
// of the time a Go function takes to build; the engine's own tests run
// those.)
const echoBootstrap = `#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read() or b"{}")
    print("got", event.get("n"), flush=True)
    if event.get("fail"):
        url, body = api + rid + "/error", {"errorMessage": "asked to fail", "errorType": "Failure"}
    else:
        url, body = api + rid + "/response", {"n": event.get("n"), "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"], "answer": os.environ.get("ANSWER", "")}
    urllib.request.urlopen(urllib.request.Request(url, data=json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), method="POST")).read()
`

// Invoke runs a function through the engine and answers as Lambda does:
// the function's payload, its log tail, the version that ran, a
// function's own failure as a 200 with X-Amz-Function-Error, and the
// engine's throttle in Lambda's error shape.
func TestInvokeThroughTheEngine(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	zip := lambdatest.Zip(t, map[string]string{"bootstrap": echoBootstrap})
	srv := servertest.Start(t)
	c := srv.Lambda()
	_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("echo"), Role: aws.String(role),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: zip},
		Environment: &types.Environment{Variables: map[string]string{"ANSWER": "one"}}})
	if err != nil {
		t.Fatal(err)
	}
	active(t, srv, c, "echo")

	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"n":1}`), LogType: types.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	if out.StatusCode != 200 || string(out.Payload) != `{"answer":"one","n":1,"version":"$LATEST"}` || out.FunctionError != nil ||
		aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Fatalf("Invoke = %d %s %v %v", out.StatusCode, out.Payload, out.FunctionError, out.ExecutedVersion)
	}
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil || !strings.Contains(string(tail), "got 1") {
		t.Fatalf("LogResult = %q, %v", tail, err)
	}

	failed, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"fail":true}`)})
	if err != nil || failed.StatusCode != 200 || aws.ToString(failed.FunctionError) != "Unhandled" ||
		!strings.Contains(string(failed.Payload), `"errorMessage":"asked to fail"`) || failed.LogResult != nil {
		t.Fatalf("failing Invoke = %+v, %s, %v", failed, failed.Payload, err)
	}

	// A version and an alias run what they froze.
	if _, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("echo")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("echo"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("echo"),
		Environment: &types.Environment{Variables: map[string]string{"ANSWER": "two"}}}); err != nil {
		t.Fatal(err)
	}
	active(t, srv, c, "echo")
	byAlias, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo:live"), Payload: []byte(`{"n":2}`)})
	if err != nil || aws.ToString(byAlias.ExecutedVersion) != "1" || string(byAlias.Payload) != `{"answer":"one","n":2,"version":"1"}` {
		t.Fatalf("Invoke live = %+v, %s, %v", byAlias, byAlias.Payload, err)
	}
	latest, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"n":3}`)})
	if err != nil || string(latest.Payload) != `{"answer":"two","n":3,"version":"$LATEST"}` {
		t.Fatalf("Invoke $LATEST = %s, %v", latest.Payload, err)
	}

	// A throttle keeps Lambda's shape, Reason included.
	if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("echo"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{}`)})
	var tmr *types.TooManyRequestsException
	if !errors.As(err, &tmr) || tmr.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || aws.ToString(tmr.Type) != "User" {
		t.Fatalf("throttled Invoke: %#v", err)
	}
}

// The shipped runtime loops run Node.js and Python handlers from the
// packages lambdatest makes, invoked through the Lambda API.
func TestInvokeNodeAndPython(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	cases := []struct {
		name, handler string
		runtime       types.Runtime
		require       func(testing.TB)
		zip           func(testing.TB) []byte
	}{
		{"node", "index.handler", types.RuntimeNodejs22x, lambdatest.RequireNode, func(t testing.TB) []byte {
			return lambdatest.NodeFunction(t, "export const handler = async (event) => ({ sum: event.a + event.b });")
		}},
		{"python", "lambda_function.lambda_handler", types.RuntimePython311, func(t testing.TB) { lambdatest.RequirePython(t, "3") }, func(t testing.TB) []byte {
			return lambdatest.PythonFunction(t, "def lambda_handler(event, context):\n    return {'sum': event['a'] + event['b']}\n")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.require(t)
			_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(tc.name), Role: aws.String(role),
				Runtime: tc.runtime, Handler: aws.String(tc.handler), Code: &types.FunctionCode{ZipFile: tc.zip(t)}})
			if err != nil {
				t.Fatal(err)
			}
			active(t, srv, c, tc.name)
			out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(tc.name), Payload: []byte(`{"a":2,"b":3}`)})
			var doc struct{ Sum int }
			if err != nil || out.FunctionError != nil || json.Unmarshal(out.Payload, &doc) != nil || doc.Sum != 5 {
				t.Fatalf("Invoke = %s, %v", out.Payload, err)
			}
		})
	}
}
