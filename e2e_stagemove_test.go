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

// stageAPI is an HTTP API with one integration, for tests that move
// stages between deployments.
type stageAPI struct {
	t     *testing.T
	srv   *servertest.Server
	gw    *apigatewayv2.Client
	id    string
	integ string
}

func newStageAPI(t *testing.T) *stageAPI {
	srv := servertest.Start(t)
	gw := srv.APIGatewayV2()
	a := &stageAPI{t: t, srv: srv, gw: gw}
	api, err := gw.CreateApi(context.Background(), &apigatewayv2.CreateApiInput{Name: aws.String("moves"), ProtocolType: v2types.ProtocolTypeHttp})
	a.must(err)
	a.id = *api.ApiId
	integ, err := gw.CreateIntegration(context.Background(), &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
		IntegrationUri: aws.String(fmt.Sprintf("http://127.0.0.1:%d/", echoBackend(t, "b")))})
	a.must(err)
	a.integ = *integ.IntegrationId
	return a
}

func (a *stageAPI) must(err error) {
	a.t.Helper()
	if err != nil {
		a.t.Fatal(err)
	}
}

func (a *stageAPI) route(key string) string {
	a.t.Helper()
	out, err := a.gw.CreateRoute(context.Background(), &apigatewayv2.CreateRouteInput{ApiId: &a.id, RouteKey: aws.String(key),
		Target: aws.String("integrations/" + a.integ)})
	a.must(err)
	return *out.RouteId
}

func (a *stageAPI) rekey(id, key string) {
	a.t.Helper()
	_, err := a.gw.UpdateRoute(context.Background(), &apigatewayv2.UpdateRouteInput{ApiId: &a.id, RouteId: &id, RouteKey: &key})
	a.must(err)
}

// deploy makes a deployment, onto stage unless it is "".
func (a *stageAPI) deploy(stage string) string {
	a.t.Helper()
	in := &apigatewayv2.CreateDeploymentInput{ApiId: &a.id}
	if stage != "" {
		in.StageName = &stage
	}
	out, err := a.gw.CreateDeployment(context.Background(), in)
	a.must(err)
	return *out.DeploymentId
}

func (a *stageAPI) point(stage, dep string) {
	a.t.Helper()
	_, err := a.gw.UpdateStage(context.Background(), &apigatewayv2.UpdateStageInput{ApiId: &a.id, StageName: &stage, DeploymentId: &dep})
	a.must(err)
}

func (a *stageAPI) stage(name, dep string, auto bool) {
	a.t.Helper()
	in := &apigatewayv2.CreateStageInput{ApiId: &a.id, StageName: &name, AutoDeploy: aws.Bool(auto)}
	if dep != "" {
		in.DeploymentId = &dep
	}
	_, err := a.gw.CreateStage(context.Background(), in)
	a.must(err)
}

func (a *stageAPI) expect(when string, want map[string]int) {
	a.t.Helper()
	for path, code := range want {
		if got := invoke(a.t, a.srv, a.id, path).status; got != code {
			a.t.Errorf("%s: GET %s = %d, want %d", when, path, got, code)
		}
	}
}

// UpdateStage back to an earlier deployment serves that deployment's
// routes as soon as the call answers, not the later one's.
func TestUpdateStageRollsBack(t *testing.T) {
	a := newStageAPI(t)
	r := a.route("GET /a")
	d1 := a.deploy("")
	a.stage("s", d1, false)
	a.expect("on D1", map[string]int{"/s/a": 200, "/s/b": 404})
	a.rekey(r, "GET /b")
	d2 := a.deploy("s")
	a.expect("on D2", map[string]int{"/s/b": 200, "/s/a": 404})
	a.point("s", d1)
	a.expect("back on D1", map[string]int{"/s/a": 200, "/s/b": 404})
	a.point("s", d2)
	a.expect("on D2 again", map[string]int{"/s/b": 200, "/s/a": 404})
}

// A deployment made without a stage and then given to one (as Terraform
// and the CDK do) is served when UpdateStage answers.
func TestUpdateStageMovesForward(t *testing.T) {
	a := newStageAPI(t)
	a.route("GET /old")
	a.stage("prod", a.deploy(""), false)
	a.expect("on D1", map[string]int{"/prod/old": 200, "/prod/new": 404})
	a.route("GET /new")
	d2 := a.deploy("")
	a.expect("D2 on no stage", map[string]int{"/prod/old": 200, "/prod/new": 404})
	a.point("prod", d2)
	a.expect("on D2", map[string]int{"/prod/old": 200, "/prod/new": 200})
}

// Two autoDeploy stages of one API, a manual deployment made between
// their automatic ones, and a write that leaves the API no route (which
// deploys nothing) each serve the right routes as soon as the write
// answers.
func TestAutoDeployStagesInterleave(t *testing.T) {
	a := newStageAPI(t)
	first := a.route("GET /a")
	a.stage("one", "", true)
	a.stage("two", "", true)
	a.stage("pinned", a.deploy(""), false)
	a.expect("start", map[string]int{"/one/a": 200, "/two/a": 200, "/pinned/a": 200})
	for i := range 4 {
		a.route(fmt.Sprintf("GET /r/%d", i))
		want := map[string]int{"/one/a": 200, "/pinned/a": 200}
		for j := range 5 {
			code := 404
			if j <= i {
				code = 200
			}
			want[fmt.Sprintf("/one/r/%d", j)] = code
			want[fmt.Sprintf("/two/r/%d", j)] = code
		}
		a.expect(fmt.Sprintf("route %d", i), want)
		if i == 0 {
			// A manual deployment between automatic ones.
			a.route("GET /r/x")
			a.rekey(first, "GET /z")
			a.expect("manual", map[string]int{"/one/z": 200, "/two/z": 200, "/one/a": 404, "/two/a": 404, "/one/r/x": 200})
			a.rekey(first, "GET /a")
			a.point("pinned", a.deploy(""))
		}
	}
	a.expect("pinned", map[string]int{"/pinned/r/x": 200, "/pinned/z": 404, "/pinned/a": 200, "/pinned/r/0": 200, "/pinned/r/1": 404, "/two/r/x": 200})
}

// A write that leaves an autoDeploy stage's API without a route deploys
// nothing but ends the entries of the routes; the next route's
// deployment, which does not follow the stage's last one, serves without
// them while another stage still serves them.
func TestAutoDeployAfterTheLastRouteGoes(t *testing.T) {
	a := newStageAPI(t)
	first := a.route("GET /a")
	a.stage("$default", "", true)
	a.route("GET /b")
	a.expect("two routes", map[string]int{"/a": 200, "/b": 200})
	for _, id := range []string{first} {
		_, err := a.gw.DeleteRoute(context.Background(), &apigatewayv2.DeleteRouteInput{ApiId: &a.id, RouteId: &id})
		a.must(err)
	}
	a.expect("one route", map[string]int{"/a": 404, "/b": 200})
	// A second stage keeps the deployment, and the entry of /b with it.
	st, err := a.gw.GetStage(context.Background(), &apigatewayv2.GetStageInput{ApiId: &a.id, StageName: aws.String("$default")})
	a.must(err)
	a.stage("keep", *st.DeploymentId, false)
	out, err := a.gw.GetRoutes(context.Background(), &apigatewayv2.GetRoutesInput{ApiId: &a.id})
	a.must(err)
	for _, r := range out.Items {
		_, err := a.gw.DeleteRoute(context.Background(), &apigatewayv2.DeleteRouteInput{ApiId: &a.id, RouteId: r.RouteId})
		a.must(err)
	}
	a.route("GET /c")
	a.expect("after none", map[string]int{"/a": 404, "/b": 404, "/c": 200, "/keep/b": 200, "/keep/c": 404})
}
