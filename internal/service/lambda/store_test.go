package lambda_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

// Packages live in the data directory, under lambda/code, and outlive a
// restart with the functions that name them; an in-memory server's
// packages go when it stops.
func TestCodeStoreLocation(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.Start(t, servertest.DataDir(dir))
	create(t, srv.Lambda(), "kept", nodeZip(t))
	if root := srv.Code().Root(); root != filepath.Join(dir, "lambda", "code") {
		t.Fatalf("code store at %s", root)
	}
	srv = srv.Restart()
	var f *model.Function
	model.View(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		f, _, _ = model.Get[model.Function](tx, "kept")
		return nil
	})
	if f == nil {
		t.Fatal("the function did not survive the restart")
	}
	if _, err := os.Stat(filepath.Join(srv.Code().Dir(f.Config.CodeID), "index.mjs")); err != nil {
		t.Fatalf("its code did not: %v", err)
	}
	if _, err := srv.Lambda().GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}

	mem := servertest.Start(t)
	root := mem.Code().Root()
	create(t, mem.Lambda(), "gone", nodeZip(t))
	if err := mem.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("the in-memory server's code store %s is still there: %v", root, err)
	}
}
