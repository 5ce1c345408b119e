package lambda_test

import (
	"context"
	"flag"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/model"
	"gatehouse/internal/service/lambda"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/wire/restjson"
	"gatehouse/internal/wire/wiretest"
)

var update = flag.Bool("update", false, "rewrite the response half of each golden file from the handler's answer")

const goldenAccount, goldenRegion = "123456789012", "us-east-1"

// goldenHandler serves Lambda over a store holding one Active function,
// hello, with a published version 1 and fixed ids and dates, with fixed
// request metadata, as the edge would stamp it.
func goldenHandler(t *testing.T) http.Handler {
	st := mem.New()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	codes, err := code.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := codes.Put(lambdatest.Zip(t, map[string]string{"index.mjs": "export const handler = async () => 'hi';"}))
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:lambda:us-east-1:123456789012:function:hello"
	c := model.FunctionConfig{Version: "$LATEST", Runtime: "nodejs22.x", Handler: "index.handler",
		Role: "arn:aws:iam::123456789012:role/lambda-role", Timeout: 3, MemorySize: 128, EphemeralStorage: 512,
		Architectures: []string{"x86_64"}, PackageType: "Zip", CodeSha256: pkg.Sha256, CodeID: pkg.ID, CodeSize: pkg.Size,
		RevisionID: "3f1c9a5e-0b7d-4c2a-9e8f-1a2b3c4d5e6f", LastModified: at.Add(1500 * time.Millisecond),
		State: "Active", LastUpdateStatus: "Successful", Environment: map[string]string{"GREETING": "hi"}}
	v1 := c
	v1.Version, v1.RevisionID = "1", "8d2e4f60-1a3b-4c5d-8e9f-0a1b2c3d4e5f"
	err = model.Update(st, goldenAccount, goldenRegion, func(tx model.Tx) error {
		policy := []model.PermissionStatement{{Sid: "apigw", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com",
			SourceArn: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/items", SourceAccount: "123456789012"}}
		if err := model.Put(tx, &model.Function{Name: "hello", ARN: arn, Config: c, LastVersion: 1, Tags: model.Tags{"team": "api"},
			Policy: policy}); err != nil {
			return err
		}
		if err := model.Put(tx, &model.FunctionAlias{Function: "hello", Name: "prod", ARN: arn + ":prod", FunctionVersion: "1",
			RevisionID: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"}); err != nil {
			return err
		}
		return model.Put(tx, &model.FunctionVersion{Function: "hello", ARN: arn + ":1", Config: v1})
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := lambda.New(lambda.Config{Store: st, Clock: clocktest.New(at), Code: codes,
		Endpoint: func() string { return "http://gatehouse.test" }})
	h := restjson.NewHandler(svc.Ops(), nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		meta := api.Meta{RequestID: "req-golden", Account: goldenAccount, Region: goldenRegion}
		h.ServeHTTP(w, r.WithContext(api.WithMeta(context.Background(), meta)))
	})
}

// TestGolden checks Lambda's answers as REST-JSON encodes them against
// testdata/golden (format in wiretest). go test -update rewrites the
// expected answers.
func TestGolden(t *testing.T) {
	wiretest.Golden(t, filepath.Join("testdata", "golden"), goldenHandler(t), *update)
}
