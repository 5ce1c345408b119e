package gatehouse_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"gatehouse/internal/servertest"
)

// accessLogs is a slog handler that hands the test every access log
// record the server writes. The line is written after the answer, so the
// test waits for it rather than reading it at once.
type accessLogs chan slog.Record

func (c accessLogs) Enabled(context.Context, slog.Level) bool { return true }
func (c accessLogs) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c accessLogs) WithGroup(string) slog.Handler            { return c }

func (c accessLogs) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "access log" {
		c <- r.Clone()
	}
	return nil
}

// next is the next access log record's level and attributes.
func (c accessLogs) next(t *testing.T) (slog.Level, map[string]string) {
	t.Helper()
	select {
	case r := <-c:
		attrs := map[string]string{}
		r.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value.String()
			return true
		})
		return r.Level, attrs
	case <-time.After(5 * time.Second):
		t.Fatal("no access log record within 5s")
		return 0, nil
	}
}

// accessLogClient keeps one connection, so each request is served only
// after the one before it is done, its access log line included.
func accessLogClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxConnsPerHost: 1}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// accessLogGet sends GET path to the API by its Host name and returns the
// answer.
func accessLogGet(t *testing.T, c *http.Client, srv *servertest.Server, apiID, path string) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
	req.Host = apiID + ".execute-api.localhost"
	req.Header.Set("User-Agent", "access-log-e2e")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// An HTTP API stage with access logging writes one line per request to the
// server's log, in its format; a stage without it writes none.
func TestHTTPAPIAccessLog(t *testing.T) {
	logs := make(accessLogs, 16)
	srv := servertest.Start(t, servertest.Log(slog.New(logs)))
	client := accessLogClient(t)
	gw := srv.APIGatewayV2()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made "+r.URL.Path)
	}))
	t.Cleanup(backend.Close)

	api, err := gw.CreateApi(restCtx, &apigatewayv2.CreateApiInput{Name: aws.String("logged"), ProtocolType: v2types.ProtocolTypeHttp})
	restMust(t, err)
	integ, err := gw.CreateIntegration(restCtx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationUri: aws.String(backend.URL + "/pets/{id}"), IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	restMust(t, err)
	_, err = gw.CreateRoute(restCtx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /pets/{id}"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	restMust(t, err)
	format := `$context.requestId $context.extendedRequestId [$context.requestTime] $context.requestTimeEpoch ` +
		`"$context.httpMethod $context.path $context.protocol" $context.routeKey $context.status $context.responseLength ` +
		`$context.identity.sourceIp "$context.identity.userAgent" $context.stage $context.apiId $context.domainName ` +
		`$context.integrationStatus $context.integrationErrorMessage $context.integrationLatency $context.responseLatency $context.authorizer.error`
	_, err = gw.CreateStage(restCtx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &v2types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:/aws/http/prod:*"), Format: aws.String(format)}})
	restMust(t, err)
	_, err = gw.CreateStage(restCtx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("dev"), AutoDeploy: aws.Bool(true)})
	restMust(t, err)
	id := aws.ToString(api.ApiId)

	// dev has no access log: its request writes no line, so the first
	// line is prod's.
	if resp, body := accessLogGet(t, client, srv, id, "/dev/pets/1"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("dev: %d %s", resp.StatusCode, body)
	}
	resp, body := accessLogGet(t, client, srv, id, "/prod/pets/7")
	if resp.StatusCode != http.StatusCreated || body != "made /pets/7" {
		t.Fatalf("prod: %d %q", resp.StatusCode, body)
	}
	level, attrs := logs.next(t)
	reqID := resp.Header.Get("Apigw-Requestid")
	// The server's clock is the test's fake one: no time passes.
	want := reqID + " " + reqID + ` [01/Jan/2026:00:00:00 +0000] 1767225600000 "GET /prod/pets/7 HTTP/1.1" GET /pets/{id} 201 12 ` +
		`127.0.0.1 "access-log-e2e" prod ` + id + " " + id + ".execute-api.localhost 201 - 0 0 -"
	if level != slog.LevelInfo || len(attrs) != 2 || attrs["log_group"] != "/aws/http/prod" || attrs["line"] != want {
		t.Fatalf("access log record at %v: %q\nwant line %q", level, attrs, want)
	}

	// A request no route matches is logged too, without a route or an
	// integration.
	resp, _ = accessLogGet(t, client, srv, id, "/prod/owners")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unmatched: %d", resp.StatusCode)
	}
	_, attrs = logs.next(t)
	reqID = resp.Header.Get("Apigw-Requestid")
	want = reqID + " " + reqID + ` [01/Jan/2026:00:00:00 +0000] 1767225600000 "GET /prod/owners HTTP/1.1" - 404 23 ` +
		`127.0.0.1 "access-log-e2e" prod ` + id + " " + id + ".execute-api.localhost - - - 0 -"
	if attrs["line"] != want {
		t.Fatalf("unmatched line %q\nwant %q", attrs["line"], want)
	}
}

// A REST stage whose access logging UpdateStage turned on logs each
// request in its format: the resource that matched, the status and length
// the client was sent.
func TestRESTAccessLog(t *testing.T) {
	logs := make(accessLogs, 16)
	srv := servertest.Start(t, servertest.Log(slog.New(logs)))
	client := accessLogClient(t)
	gw := srv.APIGateway()
	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("logged")})
	restMust(t, err)
	pets, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	restMust(t, err)
	pet, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: pets.Id, PathPart: aws.String("{id}")})
	restMust(t, err)
	_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: pet.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
	restMust(t, err)
	_, err = gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: pet.Id, HttpMethod: aws.String("GET"),
		Type: agtypes.IntegrationTypeMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
	restMust(t, err)
	_, err = gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: pet.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")})
	restMust(t, err)
	_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: pet.Id, HttpMethod: aws.String("GET"),
		StatusCode: aws.String("200"), ResponseTemplates: map[string]string{"application/json": `{"pet":"mock"}`}})
	restMust(t, err)
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	restMust(t, err)
	format := `{"requestId":"$context.requestId","apigwId":"$context.extendedRequestId","ip":"$context.identity.sourceIp",` +
		`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path",` +
		`"status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","stage":"$context.stage",` +
		`"routeKey":"$context.routeKey"}`
	_, err = gw.UpdateStage(restCtx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("prod"), PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/accessLogSettings/destinationArn"), Value: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:rest-access")},
		{Op: agtypes.OpReplace, Path: aws.String("/accessLogSettings/format"), Value: aws.String(format)},
	}})
	restMust(t, err)
	id := aws.ToString(api.Id)

	resp, body := accessLogGet(t, client, srv, id, "/prod/pets/7")
	if resp.StatusCode != http.StatusOK || body != `{"pet":"mock"}` {
		t.Fatalf("GET /prod/pets/7: %d %q", resp.StatusCode, body)
	}
	level, attrs := logs.next(t)
	want := `{"requestId":"` + resp.Header.Get("X-Amzn-Requestid") + `","apigwId":"` + resp.Header.Get("X-Amz-Apigw-Id") + `","ip":"127.0.0.1",` +
		`"requestTime":"01/Jan/2026:00:00:00 +0000","httpMethod":"GET","resourcePath":"/pets/{id}","path":"/prod/pets/7",` +
		`"status":"200","protocol":"HTTP/1.1","responseLength":"14","stage":"prod","routeKey":"-"}`
	if level != slog.LevelInfo || len(attrs) != 2 || attrs["log_group"] != "rest-access" || attrs["line"] != want {
		t.Fatalf("access log record at %v: %q\nwant line %q", level, attrs, want)
	}

	// A path no resource serves: AWS's 403, logged without a resource.
	resp, _ = accessLogGet(t, client, srv, id, "/prod/owners")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unmatched: %d", resp.StatusCode)
	}
	_, attrs = logs.next(t)
	want = `{"requestId":"` + resp.Header.Get("X-Amzn-Requestid") + `","apigwId":"` + resp.Header.Get("X-Amz-Apigw-Id") + `","ip":"127.0.0.1",` +
		`"requestTime":"01/Jan/2026:00:00:00 +0000","httpMethod":"GET","resourcePath":"-","path":"/prod/owners",` +
		`"status":"403","protocol":"HTTP/1.1","responseLength":"42","stage":"prod","routeKey":"-"}`
	if attrs["line"] != want {
		t.Fatalf("unmatched line %q\nwant %q", attrs["line"], want)
	}
}
