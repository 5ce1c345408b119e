package gatehouse_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"gatehouse/internal/servertest"
)

// An invoke request whose request line and headers pass AWS's 10240-byte
// quota is refused before it reaches the backend, for HTTP and REST APIs
// alike; one under it goes through.
func TestInvokeHeaderQuota(t *testing.T) {
	srv := servertest.Start(t)
	var hits atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(backend.Close)
	ctx := context.Background()

	gw2 := srv.APIGatewayV2()
	v2, err := gw2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("big-headers"), ProtocolType: v2types.ProtocolTypeHttp})
	restMust(t, err)
	integ, err := gw2.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: v2.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationUri: aws.String(backend.URL), IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	restMust(t, err)
	_, err = gw2.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: v2.ApiId, RouteKey: aws.String("GET /anything"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	restMust(t, err)
	_, err = gw2.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: v2.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	restMust(t, err)

	gw := srv.APIGateway()
	rest, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("big-headers")})
	restMust(t, err)
	res, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: rest.Id, ParentId: rest.RootResourceId, PathPart: aws.String("pets")})
	restMust(t, err)
	_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: rest.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
	restMust(t, err)
	_, err = gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: rest.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String(backend.URL + "/pets")})
	restMust(t, err)
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: rest.Id, StageName: aws.String("prod")})
	restMust(t, err)

	send := func(apiID, path string, size int) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
		req.Host = apiID + ".execute-api.localhost"
		req.Header.Set("X-Big", strings.Repeat("a", size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, api := range []struct{ kind, id, path string }{
		{"HTTP API", aws.ToString(v2.ApiId), "/anything"},
		{"REST API", aws.ToString(rest.Id), "/prod/pets"},
	} {
		hits.Store(0)
		status, body := send(api.id, api.path, 11*1024)
		if status != http.StatusRequestHeaderFieldsTooLarge || body != `{"message":"Request Header Fields Too Large"}` {
			t.Fatalf("%s, 11 KB header: %d %q, want 431", api.kind, status, body)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("%s: the backend saw %d requests with an 11 KB header", api.kind, n)
		}
		if status, body := send(api.id, api.path, 9*1024); status != http.StatusOK {
			t.Fatalf("%s, 9 KB header: %d %q, want 200", api.kind, status, body)
		}
		if n := hits.Load(); n != 1 {
			t.Fatalf("%s: the backend saw %d requests, want the one under the quota", api.kind, n)
		}
	}
}
