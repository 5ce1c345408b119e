package apigatewayv2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
	"gatehouse/internal/store"
)

// The route-key index follows every change of a key: a key freed by
// UpdateRoute or DeleteRoute can be used again, the new key cannot, and a
// deleted API leaves no entries behind.
func TestRouteKeyIndexFollowsChanges(t *testing.T) {
	f := start(t)
	api := f.api(t, "index")
	create := func(key string) (string, error) {
		out, err := f.gw.CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String(key)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.RouteId), nil
	}
	id, err := create("GET /pets/{id}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: aws.String(api), RouteId: aws.String(id), RouteKey: aws.String("GET /cats/{id}")}); err != nil {
		t.Fatal(err)
	}
	if _, err := create("GET /pets/{petId}"); err != nil {
		t.Fatalf("the key UpdateRoute left is still taken: %v", err)
	}
	_, err = create("GET /cats/{id}")
	wantError(t, err, "ConflictException", "already has a route")
	_, err = create("POST /cats/{catId}")
	wantError(t, err, "ConflictException", "conflicting variable")
	// The route's own key, and its own variable name, are not a conflict.
	if _, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: aws.String(api), RouteId: aws.String(id), RouteKey: aws.String("GET /cats/{id}")}); err != nil {
		t.Fatalf("updating a route to its own key: %v", err)
	}
	if _, err := f.gw.DeleteRoute(ctx, &gw.DeleteRouteInput{ApiId: aws.String(api), RouteId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := create("GET /cats/{catId}"); err != nil {
		t.Fatalf("the key DeleteRoute freed is still taken: %v", err)
	}
	if _, err := f.gw.DeleteApi(ctx, &gw.DeleteApiInput{ApiId: aws.String(api)}); err != nil {
		t.Fatal(err)
	}
	f.srv.Store().View(func(tx store.Tx) error {
		return tx.List("/", func(key string, _ []byte) error {
			if model.KindOf(key) == (model.RouteKeyEntry{}).Kind() {
				t.Errorf("DeleteApi left %s", key)
			}
			return nil
		})
	})
}

// Routes stored before the index existed are indexed when the server
// starts, so their keys are still taken.
func TestRouteKeysIndexedAtStart(t *testing.T) {
	dir := t.TempDir()
	f := start(t, servertest.DataDir(dir))
	api := f.api(t, "old")
	_, err := f.srv.Store().Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		return model.Put(mt, &model.Route{APIID: api, ID: "old0001", RouteKey: "GET /old/{id}", AuthorizationType: "NONE"})
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := f.srv.Restart()
	_, err = srv.APIGatewayV2().CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String("GET /old/{id}")})
	wantError(t, err, "ConflictException", "already has a route")
	_, err = srv.APIGatewayV2().CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String("GET /old/{oldId}/x")})
	wantError(t, err, "ConflictException", "conflicting variable")
}
