package apigatewayv2_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// rawSize is the size of the record stored under the key ending in
// suffix.
func (f *fixture) rawSize(t *testing.T, suffix string) int {
	t.Helper()
	size := -1
	err := f.srv.Store().View(func(tx store.Tx) error {
		return tx.List("/", func(k string, v []byte) error {
			if strings.HasSuffix(k, suffix) {
				size = len(v)
			}
			return nil
		})
	})
	if err != nil || size < 0 {
		t.Fatalf("no record %s: %v", suffix, err)
	}
	return size
}

// An automatic deployment shares the routes that did not change with the
// deployment before it: its own record stays small whatever the API's
// size, each change writes the entry of what changed, and an entry no
// deployment holds any more is deleted. Deployments made earlier keep
// what they held.
func TestAutoDeploymentWritesOnlyTheChange(t *testing.T) {
	f := start(t)
	api := f.api(t, "big")
	integ := f.publicIntegration(t, api)
	var routes []string
	for i := range 50 {
		routes = append(routes, f.route(t, api, fmt.Sprintf("GET /r/%d", i), integ))
	}
	v1, err := f.gw.CreateDeployment(ctx, &gw.CreateDeploymentInput{ApiId: aws.String(api), Description: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	entries := func() (open, all int) {
		for e := range f.snapshot(t).Deployed.All() {
			if e.APIID == api {
				all++
				if e.Until == 0 {
					open++
				}
			}
		}
		return open, all
	}
	if open, all := entries(); open != 51 || all != 51 {
		t.Fatalf("after the first deployments: %d open entries of %d, want 51 of 51", open, all)
	}

	added := f.route(t, api, "GET /added", integ)
	auto := aws.ToString(f.stage(t, api, "$default").DeploymentId)
	if n := f.rawSize(t, "/apigwv2-deployment/"+api+"/"+auto); n > 400 {
		t.Fatalf("an automatic deployment of 51 routes is stored in %d bytes: it copies the routes", n)
	}
	if n := len(f.deployment(t, api, auto).Routes); n != 51 {
		t.Fatalf("the automatic deployment holds %d routes, want 51", n)
	}
	if open, all := entries(); open != 52 || all != 52 {
		t.Fatalf("after adding a route: %d open entries of %d, want 52 of 52", open, all)
	}

	// Changing a route ends its entry, which v1 still holds; deleting
	// one does the same.
	if _, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: aws.String(api), RouteId: aws.String(routes[0]), RouteKey: aws.String("GET /changed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteRoute(ctx, &gw.DeleteRouteInput{ApiId: aws.String(api), RouteId: aws.String(routes[1])}); err != nil {
		t.Fatal(err)
	}
	if open, all := entries(); open != 51 || all != 53 {
		t.Fatalf("after a change and a delete: %d open entries of %d, want 51 of 53", open, all)
	}
	keys := func(id string) map[string]bool {
		out := map[string]bool{}
		for _, r := range f.deployment(t, api, id).Routes {
			out[r.RouteKey] = true
		}
		return out
	}
	old, cur := keys(aws.ToString(v1.DeploymentId)), keys(aws.ToString(f.stage(t, api, "$default").DeploymentId))
	if len(old) != 50 || !old["GET /r/0"] || !old["GET /r/1"] || old["GET /added"] || old["GET /changed"] {
		t.Fatalf("v1 holds %v", old)
	}
	if len(cur) != 50 || !cur["GET /changed"] || !cur["GET /added"] || cur["GET /r/0"] || cur["GET /r/1"] {
		t.Fatalf("the stage's deployment holds %v", cur)
	}

	// Without v1 nothing holds the ended entries.
	if _, err := f.gw.DeleteDeployment(ctx, &gw.DeleteDeploymentInput{ApiId: aws.String(api), DeploymentId: v1.DeploymentId}); err != nil {
		t.Fatal(err)
	}
	if open, all := entries(); open != 51 || all != 51 {
		t.Fatalf("after deleting v1: %d open entries of %d, want 51 of 51", open, all)
	}
	// A route added while no stage deploys automatically reaches the
	// next deployment all the same.
	if _, err := f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("$default"), AutoDeploy: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	f.route(t, api, "GET /later", integ)
	if _, err := f.gw.DeleteRoute(ctx, &gw.DeleteRouteInput{ApiId: aws.String(api), RouteId: aws.String(added)}); err != nil {
		t.Fatal(err)
	}
	v2, err := f.gw.CreateDeployment(ctx, &gw.CreateDeploymentInput{ApiId: aws.String(api)})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(aws.ToString(v2.DeploymentId)); len(got) != 50 || !got["GET /later"] || got["GET /added"] {
		t.Fatalf("a deployment after changes without autoDeploy holds %v", got)
	}
}

// Deployments stored whole, before entries existed, still describe and
// serve what they hold, and the API's next deployment is made of entries.
func TestWholeDeploymentsStillLoad(t *testing.T) {
	f := start(t)
	api := f.api(t, "old")
	integ := f.publicIntegration(t, api)
	f.route(t, api, "GET /a", integ)
	sc := f.snapshot(t)
	var old model.Deployment
	old.APIID, old.ID, old.Description = api, "olddep", "stored whole"
	for _, r := range sc.Routes {
		old.Routes = append(old.Routes, *r)
	}
	for _, i := range sc.Integrations {
		old.Integrations = append(old.Integrations, *i)
	}
	_, err := f.srv.Store().Update(func(tx store.Tx) error {
		return model.Put(model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}, &old)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"), DeploymentId: aws.String("olddep")}); err != nil {
		t.Fatal(err)
	}
	d, err := f.gw.GetDeployment(ctx, &gw.GetDeploymentInput{ApiId: aws.String(api), DeploymentId: aws.String("olddep")})
	if err != nil || aws.ToString(d.Description) != "stored whole" {
		t.Fatalf("GetDeployment = %+v, %v", d, err)
	}
	if got := f.deployment(t, api, "olddep"); len(got.Routes) != 1 || got.Routes[0].RouteKey != "GET /a" || len(got.Integrations) != 1 {
		t.Fatalf("the whole deployment holds %+v", got)
	}
	f.route(t, api, "GET /b", integ)
	dep, err := f.gw.CreateDeployment(ctx, &gw.CreateDeploymentInput{ApiId: aws.String(api), StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.deployment(t, api, aws.ToString(dep.DeploymentId)); got.Seq == 0 || len(got.Routes) != 2 {
		t.Fatalf("the next deployment is %+v", got)
	}
	if len(f.deployment(t, api, "olddep").Routes) != 1 {
		t.Fatal("the whole deployment changed")
	}
}
