package gatehouse_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

// goEcho is a real aws-lambda-go function: it answers with its event, the
// environment Lambda gives it, and what its context says.
const goEcho = `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func handle(ctx context.Context, event map[string]any) (map[string]any, error) {
	if event["fail"] != nil {
		return nil, fmt.Errorf("failing as asked")
	}
	lc, _ := lambdacontext.FromContext(ctx)
	fmt.Println("handling", lc.AwsRequestID)
	_, hasDeadline := ctx.Deadline()
	return map[string]any{
		"event": event, "requestId": lc.AwsRequestID, "arn": lc.InvokedFunctionArn, "deadline": hasDeadline && ctx.Err() == nil,
		"name": os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "endpoint": os.Getenv("AWS_ENDPOINT_URL"), "key": os.Getenv("AWS_ACCESS_KEY_ID"),
	}, nil
}

func main() { lambda.Start(handle) }
`

// A Go function made with CreateFunction is Pending, then Active after
// FunctionDelay, and runs through Invoke with its log tail; an
// asynchronous invocation reaches it too.
func TestLambdaGoFunctionEndToEnd(t *testing.T) {
	zip := lambdatest.GoFunction(t, goEcho)
	srv := servertest.Start(t)
	c := srv.Lambda()
	ctx := context.Background()
	if _, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("echo"),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: zip}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo")}); err == nil || !strings.Contains(err.Error(), "Pending") {
		t.Fatalf("invoking a Pending function: %v", err)
	}
	srv.Advance(gatehouse.DefaultFunctionDelay)
	got, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("echo")})
	if err != nil || got.Configuration.State != types.StateActive || got.Configuration.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Fatalf("after the delay: %+v, %v", got, err)
	}
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"hello":"world"}`), LogType: types.LogTypeTail})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("Invoke: %+v, %v", out, err)
	}
	var doc struct {
		Event                               map[string]any
		RequestID, Arn, Name, Endpoint, Key string
		Deadline                            bool
	}
	if err := json.Unmarshal(out.Payload, &doc); err != nil {
		t.Fatalf("%s: %v", out.Payload, err)
	}
	if doc.Event["hello"] != "world" || doc.Name != "echo" || doc.Endpoint != srv.FunctionsURL() || doc.Key != gatehouse.DefaultAccessKeyID ||
		doc.Arn != "arn:aws:lambda:us-east-1:000000000000:function:echo" || !doc.Deadline {
		t.Fatalf("the function saw %+v", doc)
	}
	tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(tail), "handling "+doc.RequestID) || !strings.Contains(string(tail), "REPORT RequestId: "+doc.RequestID) {
		t.Fatalf("log tail:\n%s", tail)
	}
	failed, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"fail":true}`)})
	if err != nil || aws.ToString(failed.FunctionError) != "Unhandled" || !strings.Contains(string(failed.Payload), "failing as asked") {
		t.Fatalf("a failing invocation: %+v %s, %v", failed, failed.Payload, err)
	}

	// The engine deletes the event record once the function has run it.
	changes, stop := srv.Store().Watch()
	defer stop()
	ev, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"async":1}`)})
	if err != nil || ev.StatusCode != 202 {
		t.Fatalf("Event: %+v, %v", ev, err)
	}
	timeout := time.After(5 * time.Second)
	for {
		var evs []*model.FunctionEvent
		model.View(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
			evs, err = model.List[model.FunctionEvent](tx)
			return err
		})
		if len(evs) == 0 {
			return
		}
		select {
		case <-changes:
		case <-timeout:
			t.Fatalf("the asynchronous invocation was never delivered: %+v", evs[0])
		}
	}
}

// goMisbehaving is an aws-lambda-go function that hangs or dies when its
// event says so.
const goMisbehaving = `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, event map[string]string) (string, error) {
	switch event["do"] {
	case "hang":
		fmt.Println("hanging now")
		select {}
	case "crash":
		os.Exit(2)
	}
	return "fine", nil
}

func main() { lambda.Start(handle) }
`

// logLines is a log handler that hands each message to a channel, so a
// test can wait for a function's output.
type logLines chan string

func (l logLines) Enabled(context.Context, slog.Level) bool { return true }
func (l logLines) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l logLines) WithGroup(string) slog.Handler            { return l }
func (l logLines) Handle(_ context.Context, r slog.Record) error {
	select {
	case l <- r.Message:
	default:
	}
	return nil
}

// A function that outlives its timeout is stopped when the server's clock
// passes it, one that exits mid-invocation answers Runtime.ExitError, and
// one with no concurrency is throttled, each as the Lambda API answers.
func TestLambdaFunctionFailuresThroughTheAPI(t *testing.T) {
	zip := lambdatest.GoFunction(t, goMisbehaving)
	lines := make(logLines, 1024)
	srv := servertest.Start(t, servertest.FunctionDelay(-1), servertest.Log(slog.New(lines)))
	c := srv.Lambda()
	ctx := context.Background()
	if _, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("wobbly"),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Timeout: aws.Int32(5), Code: &types.FunctionCode{ZipFile: zip}}); err != nil {
		t.Fatal(err)
	}

	type answer struct {
		out *lambda.InvokeOutput
		err error
	}
	hung := make(chan answer, 1)
	go func() {
		out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("wobbly"), Payload: []byte(`{"do":"hang"}`)})
		hung <- answer{out, err}
	}()
	for waiting := time.After(10 * time.Second); ; {
		select {
		case line := <-lines:
			if line != "hanging now" {
				continue
			}
		case <-waiting:
			t.Fatal("the function never started hanging")
		}
		break
	}
	srv.Advance(5 * time.Second)
	a := <-hung
	if a.err != nil || aws.ToString(a.out.FunctionError) != "Unhandled" ||
		!strings.HasPrefix(string(a.out.Payload), `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: `) ||
		!strings.HasSuffix(string(a.out.Payload), " Error: Task timed out after 5.00 seconds\"}") {
		t.Fatalf("a hung invocation: %+v, %v", a.out, a.err)
	}

	crashed, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("wobbly"), Payload: []byte(`{"do":"crash"}`)})
	if err != nil || aws.ToString(crashed.FunctionError) != "Unhandled" ||
		!strings.Contains(string(crashed.Payload), `"errorType":"Runtime.ExitError"`) ||
		!strings.Contains(string(crashed.Payload), "Runtime exited with error: exit status 2") {
		t.Fatalf("a crash: %+v %s, %v", crashed, crashed.Payload, err)
	}
	if fine, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("wobbly"), Payload: []byte(`{}`)}); err != nil || string(fine.Payload) != `"fine"` {
		t.Fatalf("after the crash: %+v, %v", fine, err)
	}

	if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("wobbly"),
		ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("wobbly"), Payload: []byte(`{}`)})
	var tmr *types.TooManyRequestsException
	if !errors.As(err, &tmr) || tmr.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Fatalf("with no concurrency: %v", err)
	}
}

// goCaller is a function that calls gatehouse back with the credentials
// and endpoint Lambda's environment gives it, as a function calls AWS.
const goCaller = `package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	lambdaapi "github.com/aws/aws-sdk-go-v2/service/lambda"
)

func handle(ctx context.Context) ([]string, error) {
	c := lambdaapi.New(lambdaapi.Options{
		Region:       os.Getenv("AWS_REGION"),
		BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL")),
		Credentials: credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"),
			os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	})
	out, err := c.ListFunctions(ctx, &lambdaapi.ListFunctionsInput{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range out.Functions {
		names = append(names, aws.ToString(f.FunctionName))
	}
	return names, nil
}

func main() { lambda.Start(handle) }
`

// A function's credentials and endpoint work against gatehouse, even one
// that verifies every signature.
func TestLambdaFunctionCallsGatehouseBack(t *testing.T) {
	zip := lambdatest.GoFunction(t, goCaller)
	srv := servertest.Start(t, servertest.FunctionDelay(-1), func(c *gatehouse.Config) {
		c.VerifySignatures, c.AccessKeys = true, map[string]string{"AKIDTEST": "secret"}
	})
	c := srv.Lambda()
	ctx := context.Background()
	if _, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("caller"),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: zip}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("caller")})
	if err != nil {
		t.Fatal(err)
	}
	if out.FunctionError != nil || string(out.Payload) != `["caller"]` {
		t.Fatalf("the function's call back: %s", out.Payload)
	}
}
