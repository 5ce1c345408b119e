package gatehouse_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// goHello answers every HTTP API event at once.
const goHello = `package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello " + ev.RawPath}, nil
}

func main() { lambda.Start(handle) }
`

// BenchmarkHTTPAPILambdaWarm measures warm invocations through an HTTP
// API: a real client on a kept-alive loopback connection, the route, the
// 2.0 event, the Lambda engine's Runtime API and a real aws-lambda-go
// process, and the answer back. invocations/s is what one client in a
// loop gets; BenchmarkHTTPAPILambdaWarmParallel what several get.
func BenchmarkHTTPAPILambdaWarm(b *testing.B) {
	url, host := lambdaBenchAPI(b)
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		lambdaBenchCall(b, client, url, host)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "invocations/s")
}

// BenchmarkHTTPAPILambdaWarmParallel is BenchmarkHTTPAPILambdaWarm from
// GOMAXPROCS clients at once, each invocation in a process of its own as
// Lambda's concurrency has it.
func BenchmarkHTTPAPILambdaWarmParallel(b *testing.B) {
	url, host := lambdaBenchAPI(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			lambdaBenchCall(b, client, url, host)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "invocations/s")
}

// lambdaBenchAPI makes a Go function behind an HTTP API's $default route
// and warms it; it returns the URL to call and the API's host.
func lambdaBenchAPI(b *testing.B) (url, host string) {
	b.Helper()
	zip := lambdatest.GoFunction(b, goHello)
	srv := servertest.Start(b)
	ctx := context.Background()
	lc, gw := srv.Lambda(), srv.APIGatewayV2()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	fn, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("hello"), Role: aws.String("arn:aws:iam::000000000000:role/lambda"),
		Runtime: ltypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Code: &ltypes.FunctionCode{ZipFile: zip}})
	must(err)
	srv.Advance(gatehouse.DefaultFunctionDelay)
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("bench"), ProtocolType: v2types.ProtocolTypeHttp})
	must(err)
	_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("hello"), StatementId: aws.String("apigateway"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + aws.ToString(api.ApiId) + "/*")})
	must(err)
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeAwsProxy,
		PayloadFormatVersion: aws.String("2.0"), IntegrationUri: fn.FunctionArn})
	must(err)
	_, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("$default"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	must(err)
	_, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	must(err)
	url, host = srv.URL()+"/warm", aws.ToString(api.ApiId)+".execute-api.localhost"
	lambdaBenchCall(b, http.DefaultClient, url, host) // the cold start, outside the measure
	return url, host
}

func lambdaBenchCall(b *testing.B, client *http.Client, url, host string) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "hello ") {
		b.Fatalf("%d %s", resp.StatusCode, body)
	}
}
