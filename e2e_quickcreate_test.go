package gatehouse_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// pythonHello answers a 2.0 event with its route and path.
const pythonHello = `def lambda_handler(event, context):
    return {"statusCode": 200, "body": "hello " + event["routeKey"] + " " + event["rawPath"]}
`

// A function behind a quick-created HTTP API, as most users put one:
// create-api --target with the function's ARN serves it at once from the
// $default stage, once the function's policy lets API Gateway invoke it.
func TestQuickCreateLambdaEndToEnd(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	ctx := context.Background()
	srv := servertest.Start(t, servertest.FunctionDelay(-1))
	lc, gw := srv.Lambda(), srv.APIGatewayV2()
	fn, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("hello"),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Runtime: ltypes.RuntimePython312,
		Handler: aws.String("lambda_function.lambda_handler"), Code: &ltypes.FunctionCode{ZipFile: lambdatest.PythonFunction(t, pythonHello)}})
	if err != nil {
		t.Fatal(err)
	}
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("hello"), ProtocolType: v2types.ProtocolTypeHttp,
		Target: fn.FunctionArn})
	if err != nil {
		t.Fatal(err)
	}
	apiID := aws.ToString(api.ApiId)
	get := func(path string) (int, string) { return quickGet(t, srv, apiID, path) }

	// Quick create adds no permission: the function's policy has none
	// for API Gateway yet.
	if code, body := get("/anything"); code != 500 {
		t.Fatalf("before add-permission: %d %q, want 500", code, body)
	}
	_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("hello"), StatementId: aws.String("apigateway"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + apiID + "/*")})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get("/anything"); code != 200 || body != "hello $default /anything" {
		t.Fatalf("GET /anything = %d %q", code, body)
	}

	// UpdateApi re-keys the quick-created route; the stage deploys it.
	if _, err := gw.UpdateApi(ctx, &apigatewayv2.UpdateApiInput{ApiId: api.ApiId, RouteKey: aws.String("GET /hi")}); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/hi"); code != 200 || !strings.HasPrefix(body, "hello GET /hi /hi") {
		t.Fatalf("GET /hi = %d %q", code, body)
	}

	// With credentialsArn API Gateway invokes the function as that role:
	// the function's policy, which names only the first API, is not asked.
	role, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("as-role"), ProtocolType: v2types.ProtocolTypeHttp,
		Target: fn.FunctionArn, CredentialsArn: aws.String("arn:aws:iam::000000000000:role/apigateway")})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := quickGet(t, srv, aws.ToString(role.ApiId), "/r"); code != 200 || body != "hello $default /r" {
		t.Fatalf("GET /r through the role = %d %q", code, body)
	}
}

// quickGet GETs path from an HTTP API's invoke URL.
func quickGet(t *testing.T, srv *servertest.Server, apiID, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+path, nil)
	req.Host = apiID + ".execute-api.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
