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

// On an autoDeploy stage each route change is served when the call
// answers, and only it: a route moved to a new key stops answering at the
// old one, a deleted route stops answering, an added one answers, and
// the others keep answering through the integration they had. A manual
// deployment made earlier keeps serving what it held.
func TestAutoDeployServesEachRouteChange(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("auto"), ProtocolType: v2types.ProtocolTypeHttp})
	must(err)
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
		IntegrationUri: aws.String(fmt.Sprintf("http://127.0.0.1:%d/", echoBackend(t, "b")))})
	must(err)
	route := func(key string) string {
		out, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String(key),
			Target: aws.String("integrations/" + *integ.IntegrationId)})
		must(err)
		return *out.RouteId
	}
	var ids []string
	var added string
	for i := range 5 {
		ids = append(ids, route(fmt.Sprintf("GET /r/%d", i)))
	}
	dep, err := gw.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: api.ApiId})
	must(err)
	_, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("v1"), DeploymentId: dep.DeploymentId})
	must(err)
	_, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	must(err)
	id := *api.ApiId
	status := func(path string) int { return invoke(t, srv, id, path).status }

	for step, tc := range []struct {
		change func()
		want   map[string]int
	}{
		{func() { added = route("GET /added") }, map[string]int{"/added": 200, "/r/0": 200}},
		// No deployment but the one replaced held the route as it was.
		{func() {
			_, err := gw.UpdateRoute(ctx, &apigatewayv2.UpdateRouteInput{ApiId: api.ApiId, RouteId: aws.String(added), RouteKey: aws.String("GET /added2")})
			must(err)
		}, map[string]int{"/added2": 200, "/added": 404}},
		{func() {
			_, err := gw.UpdateRoute(ctx, &apigatewayv2.UpdateRouteInput{ApiId: api.ApiId, RouteId: aws.String(ids[0]), RouteKey: aws.String("GET /moved")})
			must(err)
		}, map[string]int{"/moved": 200, "/r/0": 404, "/added2": 200, "/v1/r/0": 200, "/v1/moved": 404}},
		{func() {
			_, err := gw.DeleteRoute(ctx, &apigatewayv2.DeleteRouteInput{ApiId: api.ApiId, RouteId: aws.String(ids[1])})
			must(err)
		}, map[string]int{"/r/1": 404, "/r/2": 200, "/moved": 200, "/v1/r/1": 200}},
		{func() {
			_, err := gw.UpdateRoute(ctx, &apigatewayv2.UpdateRouteInput{ApiId: api.ApiId, RouteId: aws.String(ids[2]), RouteKey: aws.String("GET /r/{n}")})
			must(err)
		}, map[string]int{"/r/2": 200, "/r/9": 200, "/r/1": 200}},
	} {
		tc.change()
		for path, want := range tc.want {
			if got := status(path); got != want {
				t.Errorf("after change %d: GET %s = %d, want %d", step, path, got, want)
			}
		}
	}
}
