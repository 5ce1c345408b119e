package gatehouse_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"gatehouse/internal/servertest"
)

// BenchmarkCreateRoute measures one CreateRoute on an HTTP API that already
// has 1, 100 or 3,000 routes, deployed to a stage, until the write is in
// effect everywhere (the call, then Sync). The cost of a write must not grow
// with the API: a route added to an API without autoDeploy changes nothing
// that is served, so nothing should be recompiled or re-read for it.
//
// Run with a fixed count, as every iteration adds a route:
//
//	go test -run '^$' -bench CreateRoute -benchtime 300x .
func BenchmarkCreateRoute(b *testing.B) {
	for _, backend := range []string{"mem", "bolt"} {
		for _, n := range []int{1, 100, 3000} {
			b.Run(fmt.Sprintf("store=%s/routes=%d", backend, n), func(b *testing.B) {
				var opts []servertest.Option
				if backend == "bolt" {
					opts = append(opts, servertest.DataDir(b.TempDir()))
				}
				srv := servertest.Start(b, opts...)
				gw := srv.APIGatewayV2()
				ctx := context.Background()
				apiID := benchAPI(b, gw, n)
				if err := srv.Sync(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(apiID),
						RouteKey: aws.String(fmt.Sprintf("GET /bench/%d", i))})
					if err != nil {
						b.Fatal(err)
					}
					if err := srv.Sync(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchAPI makes an HTTP API with n routes on one integration, deployed to
// its $default stage, and returns its id.
func benchAPI(b testing.TB, gw *apigatewayv2.Client, n int) string {
	ctx := context.Background()
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("big"), ProtocolType: v2types.ProtocolTypeHttp})
	if err != nil {
		b.Fatal(err)
	}
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId,
		IntegrationType: v2types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"),
		IntegrationUri: aws.String("http://127.0.0.1:9/"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		_, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId,
			RouteKey: aws.String(fmt.Sprintf("GET /r/%d", i)), Target: aws.String("integrations/" + *integ.IntegrationId)})
		if err != nil {
			b.Fatal(err)
		}
	}
	dep, err := gw.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: api.ApiId})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"),
		DeploymentId: dep.DeploymentId}); err != nil {
		b.Fatal(err)
	}
	return *api.ApiId
}
