package lambda_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

var ctx = context.Background()

const role = "arn:aws:iam::000000000000:role/lambda-role"

func nodeZip(t *testing.T) []byte {
	return lambdatest.NodeFunction(t, "export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });")
}

func create(t *testing.T, c *lambda.Client, name string, zip []byte) *lambda.CreateFunctionOutput {
	t.Helper()
	out, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(role),
		Runtime: types.RuntimeNodejs22x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zip}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// apiError asserts err is an AWS error with code and a message containing
// msg.
func apiError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("err = %v, want %s containing %q", err, code, msg)
	}
}

func TestCreateGetListDeleteFunction(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	zip := nodeZip(t)
	sum := sha256.Sum256(zip)
	out, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("hello"), Role: aws.String(role), Runtime: types.RuntimeNodejs22x,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zip},
		Environment: &types.Environment{Variables: map[string]string{"GREETING": "hi"}},
		Timeout:     aws.Int32(10), MemorySize: aws.Int32(256), Architectures: []types.Architecture{types.ArchitectureArm64},
		Tags:        map[string]string{"team": "api"},
		Description: aws.String("says hello"),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:lambda:us-east-1:000000000000:function:hello"
	if aws.ToString(out.FunctionArn) != arn || out.State != types.StatePending || aws.ToString(out.StateReason) != "The function is being created." ||
		out.StateReasonCode != types.StateReasonCodeCreating || aws.ToString(out.CodeSha256) != base64.StdEncoding.EncodeToString(sum[:]) ||
		out.CodeSize != int64(len(zip)) || aws.ToString(out.Version) != "$LATEST" || aws.ToInt32(out.Timeout) != 10 ||
		aws.ToInt32(out.MemorySize) != 256 || out.Architectures[0] != types.ArchitectureArm64 || out.PackageType != types.PackageTypeZip ||
		out.Environment.Variables["GREETING"] != "hi" || aws.ToString(out.LastModified) != "2026-01-01T00:00:00.000+0000" ||
		aws.ToString(out.RevisionId) == "" || aws.ToInt32(out.EphemeralStorage.Size) != 512 || aws.ToString(out.Description) != "says hello" {
		t.Fatalf("CreateFunction = %+v", out)
	}

	// The package is unpacked in the code store, under its id.
	var f *model.Function
	if err := model.View(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		var err error
		f, _, err = model.Get[model.Function](tx, "hello")
		return err
	}); err != nil || f == nil {
		t.Fatalf("record: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(srv.Code().Dir(f.Config.CodeID), "index.mjs")); err != nil || !strings.Contains(string(b), "handler") {
		t.Fatalf("unpacked code: %q, %v", b, err)
	}

	for _, name := range []string{"hello", arn, "000000000000:function:hello"} {
		got, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(got.Configuration.FunctionArn) != arn || got.Tags["team"] != "api" || aws.ToString(got.Code.RepositoryType) != "S3" {
			t.Fatalf("GetFunction(%s) = %+v", name, got)
		}
		// Code.Location serves the package back.
		resp, err := http.Get(aws.ToString(got.Code.Location))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != string(zip) || resp.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("Code.Location: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
	conf, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("hello"), Qualifier: aws.String("$LATEST")})
	if err != nil || aws.ToString(conf.FunctionArn) != arn+":$LATEST" || aws.ToString(conf.Handler) != "index.handler" {
		t.Fatalf("GetFunctionConfiguration = %+v, %v", conf, err)
	}

	_, err = c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("hello"), Role: aws.String(role),
		Runtime: types.RuntimeNodejs22x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zip}})
	apiError(t, err, "ResourceConflictException", "Function already exist: hello")
	var rce *types.ResourceConflictException
	if !errors.As(err, &rce) {
		t.Fatalf("err is %T, want *types.ResourceConflictException", err)
	}

	create(t, c, "alpha", zip)
	create(t, c, "zeta", zip)
	list, err := c.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	if err != nil || len(list.Functions) != 2 || aws.ToString(list.Functions[0].FunctionName) != "alpha" || list.NextMarker == nil {
		t.Fatalf("ListFunctions = %+v, %v", list, err)
	}
	rest, err := c.ListFunctions(ctx, &lambda.ListFunctionsInput{Marker: list.NextMarker})
	if err != nil || len(rest.Functions) != 1 || aws.ToString(rest.Functions[0].FunctionName) != "zeta" || rest.NextMarker != nil {
		t.Fatalf("ListFunctions page 2 = %+v, %v", rest, err)
	}

	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("hello")})
	apiError(t, err, "ResourceNotFoundException", "Function not found: "+arn)
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || aws.ToString(rnf.Type) != "User" {
		t.Fatalf("err = %#v, want a ResourceNotFoundException of Type User", err)
	}
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("alpha"), Qualifier: aws.String("7")})
	apiError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:alpha:7")
}

func TestCreateFunctionRefusals(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	zip := nodeZip(t)
	base := func() *lambda.CreateFunctionInput {
		return &lambda.CreateFunctionInput{FunctionName: aws.String("f"), Role: aws.String(role),
			Runtime: types.RuntimeNodejs22x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zip}}
	}
	cases := []struct {
		name      string
		edit      func(*lambda.CreateFunctionInput)
		code, msg string
	}{
		{"bad name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("bad name") },
			"ValidationException", "1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"bad role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("lambdarole") },
			"ValidationException", `Value 'lambdarole' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`},
		{"two errors", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(0); in.MemorySize = aws.Int32(64) },
			"ValidationException", "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '64' at 'memorySize'"},
		{"timeout", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) },
			"ValidationException", "Member must have value less than or equal to 900"},
		{"memory", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(10241) },
			"ValidationException", "Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"two architectures", func(in *lambda.CreateFunctionInput) {
			in.Architectures = []types.Architecture{types.ArchitectureX8664, types.ArchitectureArm64}
		}, "ValidationException", "Member must have length less than or equal to 1"},
		{"unknown runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "python9.9" },
			"InvalidParameterValueException", "Value python9.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["},
		{"runtime gatehouse does not run", func(in *lambda.CreateFunctionInput) { in.Runtime = types.RuntimeJava21 },
			"InvalidParameterValueException", "gatehouse does not run the java21 runtime"},
		{"no handler", func(in *lambda.CreateFunctionInput) { in.Handler = nil },
			"InvalidParameterValueException", "Runtime and Handler are mandatory parameters for functions created with deployment packages."},
		{"reserved variables", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x", "AWS_LAMBDA_FUNCTION_NAME": "y", "OK": "z"}}
		}, "InvalidParameterValueException", "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_LAMBDA_FUNCTION_NAME, AWS_REGION"},
		{"variables over 4 KB", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"BIG": strings.Repeat("x", 4096)}}
		}, "InvalidParameterValueException", "exceeded the 4KB limit. String measured: {\"BIG\":\"xxx"},
		{"not a zip", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = []byte("not a zip") },
			"InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"S3", func(in *lambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{S3Bucket: aws.String("b"), S3Key: aws.String("k")}
		},
			"InvalidParameterValueException", "gatehouse has no S3"},
		{"image", func(in *lambda.CreateFunctionInput) {
			in.PackageType = types.PackageTypeImage
			in.Code = &types.FunctionCode{ImageUri: aws.String("123.dkr.ecr.us-east-1.amazonaws.com/x:1")}
		}, "InvalidParameterValueException", "gatehouse has no ECR"},
		{"layers", func(in *lambda.CreateFunctionInput) {
			in.Layers = []string{"arn:aws:lambda:us-east-1:000000000000:layer:l:1"}
		},
			"InvalidParameterValueException", "gatehouse does not support layers."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.edit(in)
			_, err := c.CreateFunction(ctx, in)
			apiError(t, err, tc.code, tc.msg)
		})
	}
	// Nothing was created, nor any code stored but the one valid package
	// (stored by the cases refused after the package was checked).
	list, err := c.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 0 {
		t.Fatalf("ListFunctions = %+v, %v", list, err)
	}
}

// A Pending function refuses RequestResponse invocations as Lambda does,
// answers DryRun, and takes Event invocations, which wait durably for the
// engine.
func TestInvokePendingDryRunAndEvent(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	create(t, c, "f", nodeZip(t))
	_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), Payload: []byte(`{}`)})
	apiError(t, err, "ResourceConflictException", "The operation cannot be performed at this time. The function is currently in the following state: Pending")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope"), Payload: []byte(`{}`)})
	apiError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")

	dry, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || dry.StatusCode != 204 {
		t.Fatalf("DryRun = %+v, %v", dry, err)
	}
	ev, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"n":1}`)})
	if err != nil || ev.StatusCode != 202 {
		t.Fatalf("Event = %+v, %v", ev, err)
	}
	var events []*model.FunctionEvent
	model.View(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		events, err = model.List[model.FunctionEvent](tx)
		return err
	})
	// The engine may have made its first attempt already: the function is
	// still Pending, so the record stays, with its retry due later.
	if len(events) != 1 || string(events[0].Payload) != `{"n":1}` || events[0].Function != "f" || events[0].ID == "" || !events[0].Received.Equal(srv.Clock.Now()) {
		t.Fatalf("events = %+v", events)
	}
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), InvocationType: types.InvocationTypeEvent, Qualifier: aws.String("prod")})
	apiError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:prod")
	for _, typ := range []types.InvocationType{types.InvocationTypeRequestResponse, types.InvocationTypeEvent, types.InvocationTypeDryRun} {
		_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), InvocationType: typ, Payload: []byte(`{"n":`)})
		apiError(t, err, "InvalidRequestContentException", "Could not parse request body into json")
	}
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), Payload: make([]byte, 6291457)})
	apiError(t, err, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
}
