package gatehouse_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/servertest"
)

// A REST stage's method settings throttle it: "*/*" gives the stage one
// bucket its methods share, a method's own settings give it its own, and
// a throttled request never reaches the integration.
func TestRESTThrottling(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	var hits atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	t.Cleanup(backend.Close)

	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("shop")})
	restMust(t, err)
	for _, part := range []string{"pets", "orders"} {
		res, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(part)})
		restMust(t, err)
		_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
		restMust(t, err)
		_, err = gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
			Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String(backend.URL + "/" + part)})
		restMust(t, err)
	}
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	restMust(t, err)
	id := aws.ToString(api.Id)
	update := func(ops ...agtypes.PatchOperation) {
		t.Helper()
		_, err := gw.UpdateStage(restCtx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("prod"), PatchOperations: ops})
		restMust(t, err)
	}
	op := func(op agtypes.Op, path, value string) agtypes.PatchOperation {
		p := agtypes.PatchOperation{Op: op, Path: aws.String(path)}
		if value != "" {
			p.Value = aws.String(value)
		}
		return p
	}
	// The stage: 1 a second, burst 2. GET /orders: 0.5 a second, burst 1.
	update(op(agtypes.OpReplace, "/*/*/throttling/rateLimit", "1"), op(agtypes.OpReplace, "/*/*/throttling/burstLimit", "2"),
		op(agtypes.OpReplace, "/~1orders/GET/throttling/rateLimit", "0.5"), op(agtypes.OpReplace, "/~1orders/GET/throttling/burstLimit", "1"))

	expect := func(what, path string, status int) {
		t.Helper()
		r := restInvoke(t, srv, id, "prod", path, false)
		if r.status != status {
			t.Fatalf("%s: GET %s = %d %q, want %d", what, path, r.status, r.body, status)
		}
		if status == http.StatusTooManyRequests && (r.body != `{"message":"Too Many Requests"}` ||
			r.header.Get("X-Amzn-Errortype") != "TooManyRequestsException" || r.header.Get("Content-Type") != "application/json" ||
			r.header.Get("X-Amzn-Requestid") == "") {
			t.Fatalf("%s: throttled answer %v %q", what, r.header, r.body)
		}
	}
	expect("burst", "/pets", 200)
	expect("burst", "/pets", 200)
	expect("past the stage's burst", "/pets", 429)
	expect("own bucket", "/orders", 200)
	expect("own bucket, spent", "/orders", 429)
	if n := hits.Load(); n != 3 {
		t.Fatalf("the backend saw %d requests, want the 3 that were not throttled", n)
	}

	srv.Advance(time.Second) // a token for the stage, half of one for /orders
	expect("refilled", "/pets", 200)
	expect("one token only", "/pets", 429)
	expect("half a token", "/orders", 429)
	srv.Advance(time.Second)
	expect("a whole token", "/orders", 200)

	// Other changes recompile the stage without refilling its buckets.
	update(op(agtypes.OpReplace, "/description", "recompiled"))
	expect("spent across a recompile", "/orders", 429)

	// Settings removed: no throttling at all.
	update(op(agtypes.OpRemove, "/~1orders/GET", ""), op(agtypes.OpRemove, "/*/*", ""))
	for range 5 {
		expect("unthrottled", "/pets", 200)
		expect("unthrottled", "/orders", 200)
	}
}
