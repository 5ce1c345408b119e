package lambda

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gatehouse/internal/api"
	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/model"
	"gatehouse/internal/store/mem"
)

// Queue takes an asynchronous invocation for API Gateway as Invoke takes
// an Event one: the same event record, under the id it answers, after the
// same checks, and the function's resource policy must allow the caller.
func TestQueue(t *testing.T) {
	codes, err := code.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := mem.New()
	s := New(Config{Store: st, Code: codes})
	ctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	runtime, handler, role := "nodejs22.x", "index.handler", "arn:aws:iam::000000000000:role/r"
	if _, err := s.CreateFunction(ctx, &CreateFunctionInput{FunctionName: "f", Runtime: &runtime, Handler: &handler, Role: &role,
		Code: &FunctionCode{ZipFile: lambdatest.Zip(t, map[string]string{"index.js": "exports.handler = async () => 1;"})}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPermission(ctx, &AddPermissionInput{FunctionName: "f", StatementId: "apigw", Action: "lambda:InvokeFunction",
		Principal: "apigateway.amazonaws.com", SourceArn: "arn:aws:execute-api:us-east-1:000000000000:api1/*/POST/jobs"}); err != nil {
		t.Fatal(err)
	}
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:f"
	allowed := &invoke.Caller{Service: "apigateway.amazonaws.com", SourceArn: "arn:aws:execute-api:us-east-1:000000000000:api1/prod/POST/jobs", SourceAccount: "000000000000"}
	id, err := s.Queue(context.Background(), invoke.Request{Function: fn, Payload: []byte(`{"job":1}`), Caller: allowed})
	if err != nil || id == "" {
		t.Fatalf("Queue = %q, %v", id, err)
	}
	var events []*model.FunctionEvent
	model.View(st, "000000000000", "us-east-1", func(tx model.Tx) error {
		events, err = model.List[model.FunctionEvent](tx)
		return err
	})
	if len(events) != 1 || events[0].ID != id || events[0].Function != "f" || string(events[0].Payload) != `{"job":1}` {
		t.Fatalf("events = %+v", events)
	}

	other := *allowed
	other.SourceArn = "arn:aws:execute-api:us-east-1:000000000000:api2/prod/POST/jobs"
	for _, c := range []struct {
		what       string
		req        invoke.Request
		status     int
		code, text string
	}{
		{"a caller the policy does not name", invoke.Request{Function: fn, Payload: []byte(`{}`), Caller: &other}, 403, "AccessDeniedException",
			"User: apigateway.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: " + fn + " because no resource-based policy allows"},
		{"no function", invoke.Request{Function: fn + "x", Payload: []byte(`{}`)}, 404, "ResourceNotFoundException", "Function not found: " + fn + "x"},
		{"no alias", invoke.Request{Function: fn, Qualifier: "prod", Payload: []byte(`{}`)}, 404, "ResourceNotFoundException", "Function not found: " + fn + ":prod"},
		{"a payload that is not JSON", invoke.Request{Function: fn, Payload: []byte(`{"n":`)}, 400, "InvalidRequestContentException", "Could not parse request body into json"},
		{"over the asynchronous limit", invoke.Request{Function: fn, Payload: []byte(`"` + strings.Repeat("x", maxAsyncPayload) + `"`)}, 413, "RequestTooLargeException", "Request must be smaller than 1048576 bytes"},
	} {
		_, err := s.Queue(context.Background(), c.req)
		var e *invoke.Error
		if !errors.As(err, &e) || e.Status != c.status || e.Code != c.code || !strings.Contains(e.Message, c.text) {
			t.Errorf("%s: %v", c.what, err)
		}
	}
	// DryRun checks the same and keeps nothing.
	if id, err := s.Queue(context.Background(), invoke.Request{Function: fn, Payload: []byte(`{}`), Caller: allowed, DryRun: true}); err != nil || id == "" {
		t.Errorf("DryRun = %q, %v", id, err)
	}
	var e *invoke.Error
	if _, err := s.Queue(context.Background(), invoke.Request{Function: fn, Payload: []byte(`{}`), Caller: &other, DryRun: true}); !errors.As(err, &e) || e.Code != "AccessDeniedException" {
		t.Errorf("DryRun by a caller the policy does not name: %v", err)
	}
	model.View(st, "000000000000", "us-east-1", func(tx model.Tx) error {
		events, err = model.List[model.FunctionEvent](tx)
		return err
	})
	if len(events) != 1 {
		t.Errorf("refused and dry invocations left events: %+v", events)
	}
}
