package lambda

import (
	"context"
	"testing"

	"gatehouse/internal/api"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/store/mem"
)

// A package over the 50 MB a request may carry is refused as Lambda
// refuses it, before the code store reads a byte of it.
func TestPackageOver50MB(t *testing.T) {
	codes, err := code.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Store: mem.New(), Code: codes})
	ctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	runtime, handler, role := "nodejs22.x", "index.handler", "arn:aws:iam::000000000000:role/r"
	_, err = s.CreateFunction(ctx, &CreateFunctionInput{FunctionName: "big", Runtime: &runtime, Handler: &handler, Role: &role,
		Code: &FunctionCode{ZipFile: make([]byte, maxZipped+1)}})
	e := api.AsError(err)
	if e == nil || e.Status != 413 || e.Code != "RequestEntityTooLargeException" ||
		e.Message != "Request must be smaller than 70167211 bytes for the CreateFunction operation" {
		t.Fatalf("err = %+v", e)
	}
}
