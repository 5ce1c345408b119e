package gatehouse_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
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
	if doc.Event["hello"] != "world" || doc.Name != "echo" || doc.Endpoint != srv.URL() || doc.Key != gatehouse.DefaultAccessKeyID ||
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
