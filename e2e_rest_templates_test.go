package gatehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

// templateSeen is what the templates' backend saw.
type templateSeen struct {
	Method, Path, Query, ContentType, Tenant, Body string
}

// templateBackend records each request and answers with a list of pets,
// in the status *status holds.
func templateBackend(t *testing.T, status *int, seen chan<- templateSeen) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen <- templateSeen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
			Tenant: r.Header.Get("X-Tenant"), Body: string(b)}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(*status)
		io.WriteString(w, `{"pets":[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99}],"error":"bad pet"}`)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// errorLog keeps the error records a server logs.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := r.Message
	r.Attrs(func(a slog.Attr) bool { line += " " + a.Key + "=" + a.Value.String(); return true })
	l.msgs = append(l.msgs, line)
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }
func (l *errorLog) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

type templateReply struct {
	status int
	header http.Header
	body   string
}

func templateCall(t *testing.T, srv *servertest.Server, apiID, method, path, contentType, accept, body string) templateReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, srv.URL()+"/restapis/"+apiID+"/prod/_user_request_"+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	restMust(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return templateReply{resp.StatusCode, resp.Header, string(b)}
}

func wantBadRequest(t *testing.T, err error, what, text string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "BadRequestException" || !strings.Contains(ae.ErrorMessage(), text) {
		t.Fatalf("%s: %v, want a BadRequestException with %q", what, err, text)
	}
}

const (
	petRequestTemplate = `#set($root = $input.path('$'))
#set($context.requestOverride.header.X-Tenant = $input.params('tenant'))
{
  "petId": "$input.params('id')",
  "name": "$util.escapeJavaScript($root.name)",
  "tags": [#foreach($t in $root.tags)"$t"#if($foreach.hasNext),#end#end],
  "stage": "$context.stage",
  "env": "$stageVariables.env",
  "raw": $input.json('$')
}`
	petResponseTemplate = `#set($root = $input.path('$'))
[
#foreach($p in $root.pets)
  {"id": $p.id, "kind": "$p.type.toUpperCase()", "price": $p.price}#if($foreach.hasNext),#end
#end
]`
	petErrorTemplate = `#set($context.responseOverride.status = 418)
#set($context.responseOverride.header.X-Reason = $input.path('$.error'))
{"message": "$input.path('$.error')"}`
)

// An HTTP (non-proxy) integration maps the method request through the
// request template its Content-Type selects, and the backend's answer
// through the response template the Accept header selects; overrides set
// by templates win, passthrough decides what no template maps, and a
// template that fails at run time answers 500.
func TestRESTMappingTemplatesHTTP(t *testing.T) {
	logs := &errorLog{}
	srv := servertest.Start(t, servertest.Log(slog.New(logs)))
	gw := srv.APIGateway()
	status := http.StatusOK
	seen := make(chan templateSeen, 4)
	backend := templateBackend(t, &status, seen)

	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("templated")})
	restMust(t, err)
	pets, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	restMust(t, err)
	pet, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: pets.Id, PathPart: aws.String("{id}")})
	restMust(t, err)
	m := func() (*string, *string, *string) { return api.Id, pet.Id, aws.String("POST") }
	id, res, verb := m()
	_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: res, HttpMethod: verb, AuthorizationType: aws.String("NONE"),
		RequestParameters: map[string]bool{"method.request.path.id": true}})
	restMust(t, err)

	// A template that does not parse is refused when it is put.
	put := apigateway.PutIntegrationInput{RestApiId: id, ResourceId: res, HttpMethod: verb, Type: agtypes.IntegrationTypeHttp,
		IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(backend + "/store/{id}"),
		RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id"},
		RequestTemplates:  map[string]string{"application/json": "#if($x)never closed"}}
	_, err = gw.PutIntegration(restCtx, &put)
	wantBadRequest(t, err, "PutIntegration with a broken template", "#if without #end at line 1, column 1")
	put.RequestTemplates = map[string]string{"application/json": petRequestTemplate}
	put.PassthroughBehavior = aws.String("WHEN_NO_TEMPLATES")
	_, err = gw.PutIntegration(restCtx, &put)
	restMust(t, err)
	_, err = gw.UpdateIntegration(restCtx, &apigateway.UpdateIntegrationInput{RestApiId: id, ResourceId: res, HttpMethod: verb,
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpAdd, Path: aws.String("/requestTemplates/text~1plain"), Value: aws.String("$input.json(")}}})
	wantBadRequest(t, err, "UpdateIntegration with a broken template", "text/plain")
	ig, err := gw.GetIntegration(restCtx, &apigateway.GetIntegrationInput{RestApiId: id, ResourceId: res, HttpMethod: verb})
	restMust(t, err)
	if len(ig.RequestTemplates) != 1 || ig.RequestTemplates["application/json"] != petRequestTemplate {
		t.Fatalf("a refused update changed the templates: %v", ig.RequestTemplates)
	}

	for _, code := range []string{"200", "418"} {
		_, err = gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: id, ResourceId: res, HttpMethod: verb, StatusCode: aws.String(code)})
		restMust(t, err)
	}
	_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: res, HttpMethod: verb,
		StatusCode: aws.String("200"), ResponseTemplates: map[string]string{"application/json": "#foreach($p in $input.path('$.pets'))"}})
	wantBadRequest(t, err, "PutIntegrationResponse with a broken template", "#foreach without #end")
	_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: res, HttpMethod: verb,
		StatusCode: aws.String("200"), ResponseTemplates: map[string]string{
			"application/json": petResponseTemplate,
			"application/xml":  `<pets count="$input.path('$.pets').size()"/>`,
		}})
	restMust(t, err)
	_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: res, HttpMethod: verb,
		StatusCode: aws.String("418"), SelectionPattern: aws.String(`4\d{2}`), ResponseTemplates: map[string]string{"application/json": petErrorTemplate}})
	restMust(t, err)
	_, err = gw.UpdateIntegrationResponse(restCtx, &apigateway.UpdateIntegrationResponseInput{RestApiId: id, ResourceId: res, HttpMethod: verb,
		StatusCode: aws.String("418"), PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/responseTemplates/application~1json"), Value: aws.String("#end")}}})
	wantBadRequest(t, err, "UpdateIntegrationResponse with a broken template", "#end without a matching #if or #foreach")
	ir, err := gw.GetIntegrationResponse(restCtx, &apigateway.GetIntegrationResponseInput{RestApiId: id, ResourceId: res, HttpMethod: verb, StatusCode: aws.String("418")})
	restMust(t, err)
	if ir.ResponseTemplates["application/json"] != petErrorTemplate {
		t.Fatalf("a refused update changed the template: %q", ir.ResponseTemplates["application/json"])
	}
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("prod"), Variables: map[string]string{"env": "test"}})
	restMust(t, err)
	apiID := aws.ToString(id)

	// JSON in: the request template builds the backend's body and sets a
	// header; the response template reshapes the backend's answer.
	r := templateCall(t, srv, apiID, "POST", "/pets/7?tenant=acme", "application/json", "", `{"name":"Rex \"the\" dog","tags":["good","old"]}`)
	got := <-seen
	var sent map[string]any
	if err := json.Unmarshal([]byte(got.Body), &sent); err != nil {
		t.Fatalf("the backend got no JSON: %v\n%s", err, got.Body)
	}
	if got.Path != "/store/7" || got.Tenant != "acme" || got.ContentType != "application/json" || sent["petId"] != "7" || sent["name"] != `Rex "the" dog` ||
		sent["stage"] != "prod" || sent["env"] != "test" || len(sent["tags"].([]any)) != 2 || sent["raw"].(map[string]any)["name"] != `Rex "the" dog` {
		t.Fatalf("backend saw %+v", got)
	}
	var answer []map[string]any
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(r.body), &answer) != nil ||
		len(answer) != 2 || answer[1]["kind"] != "CAT" || answer[0]["price"] != 249.99 {
		t.Fatalf("mapped answer: %d %v %q", r.status, r.header, r.body)
	}

	// The Accept header picks the response template and its content type.
	r = templateCall(t, srv, apiID, "POST", "/pets/7", "application/json; charset=utf-8", "application/xml", `{}`)
	<-seen
	if r.status != 200 || r.header.Get("Content-Type") != "application/xml" || r.body != `<pets count="2"/>` {
		t.Fatalf("xml answer: %d %v %q", r.status, r.header, r.body)
	}

	// WHEN_NO_TEMPLATES: templates exist, none for text/plain.
	r = templateCall(t, srv, apiID, "POST", "/pets/7", "text/plain", "", "hello")
	if r.status != 415 || r.body != `{"message":"Unsupported Media Type"}` || r.header.Get("X-Amzn-Errortype") != "UnsupportedMediaTypeException" {
		t.Fatalf("unmapped type: %d %v %q", r.status, r.header, r.body)
	}

	// The 4xx response's template overrides the status and adds a header.
	status = http.StatusBadRequest
	r = templateCall(t, srv, apiID, "POST", "/pets/7", "application/json", "", `{}`)
	<-seen
	if r.status != 418 || r.header.Get("X-Reason") != "bad pet" || r.body != `{"message": "bad pet"}` {
		t.Fatalf("overridden answer: %d %v %q", r.status, r.header, r.body)
	}
	status = http.StatusOK

	// A body the template cannot read as JSON fails the template: 500,
	// logged with the reason, and the backend is never called.
	r = templateCall(t, srv, apiID, "POST", "/pets/7", "application/json", "", `{not json`)
	if r.status != 500 || r.body != `{"message":"Internal server error"}` {
		t.Fatalf("failing template: %d %q", r.status, r.body)
	}
	if l := logs.all(); !strings.Contains(l, "mapping template failed") || !strings.Contains(l, "not JSON") ||
		!strings.Contains(l, "integration request application/json") {
		t.Fatalf("log: %s", l)
	}
	select {
	case s := <-seen:
		t.Fatalf("the backend was called: %+v", s)
	default:
	}

	// WHEN_NO_MATCH passes an unmapped type's body through as it is.
	_, err = gw.UpdateIntegration(restCtx, &apigateway.UpdateIntegrationInput{RestApiId: id, ResourceId: res, HttpMethod: verb,
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/passthroughBehavior"), Value: aws.String("WHEN_NO_MATCH")}}})
	restMust(t, err)
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("prod")})
	restMust(t, err)
	r = templateCall(t, srv, apiID, "POST", "/pets/7", "text/plain", "", "hello")
	if got := <-seen; r.status != 200 || got.Body != "hello" || got.ContentType != "text/plain" {
		t.Fatalf("passthrough: %d %q, backend saw %+v", r.status, r.body, got)
	}
}

// A MOCK integration's request template decides the status, which selects
// the integration response whose template writes the answer.
func TestRESTMappingTemplatesMock(t *testing.T) {
	logs := &errorLog{}
	srv := servertest.Start(t, servertest.Log(slog.New(logs)))
	gw := srv.APIGateway()
	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("mocked")})
	restMust(t, err)
	id, root := api.Id, api.RootResourceId
	mock := func(verb, requestTemplate, behavior string) {
		_, err := gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String(verb), AuthorizationType: aws.String("NONE")})
		restMust(t, err)
		in := &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String(verb), Type: agtypes.IntegrationTypeMock}
		if requestTemplate != "" {
			in.RequestTemplates = map[string]string{"application/json": requestTemplate}
		}
		if behavior != "" {
			in.PassthroughBehavior = aws.String(behavior)
		}
		_, err = gw.PutIntegration(restCtx, in)
		restMust(t, err)
		for _, code := range []string{"200", "500"} {
			_, err = gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String(verb), StatusCode: aws.String(code)})
			restMust(t, err)
		}
		_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String(verb),
			StatusCode: aws.String("200"), ResponseTemplates: map[string]string{"application/json": `{"scope": "$input.params('scope')", "stage": "$context.stage", "method": "$context.httpMethod"}`}})
		restMust(t, err)
		_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String(verb),
			StatusCode: aws.String("500"), SelectionPattern: aws.String(`5\d{2}`), ResponseTemplates: map[string]string{"application/json": `{"message": "no access for $input.params('scope')"}`}})
		restMust(t, err)
	}
	mock("GET", `{
  #if($input.params('scope') == "internal")
    "statusCode": 200
  #else
    "statusCode": 500
  #end
}`, "")
	mock("POST", `{"answer": "no status"}`, "")
	mock("PUT", "", "NEVER")
	mock("DELETE", "", "")
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("prod")})
	restMust(t, err)
	apiID := aws.ToString(id)

	r := templateCall(t, srv, apiID, "GET", "/?scope=internal", "", "", "")
	if r.status != 200 || r.body != `{"scope": "internal", "stage": "prod", "method": "GET"}` || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("internal: %d %v %q", r.status, r.header, r.body)
	}
	r = templateCall(t, srv, apiID, "GET", "/?scope=public", "", "", "")
	if r.status != 500 || r.body != `{"message": "no access for public"}` {
		t.Fatalf("public: %d %q", r.status, r.body)
	}
	// A request template without a statusCode is a configuration error.
	r = templateCall(t, srv, apiID, "POST", "/", "application/json", "", "{}")
	if r.status != 500 || r.body != `{"message":"Internal server error"}` || !strings.Contains(logs.all(), "statusCode") {
		t.Fatalf("no statusCode: %d %q, log %s", r.status, r.body, logs.all())
	}
	// NEVER without templates refuses every type; without templates and
	// the default WHEN_NO_MATCH, MOCK answers 200.
	if r = templateCall(t, srv, apiID, "PUT", "/", "application/json", "", "{}"); r.status != 415 {
		t.Fatalf("NEVER: %d %q", r.status, r.body)
	}
	if r = templateCall(t, srv, apiID, "DELETE", "/?scope=x", "", "", ""); r.status != 200 || r.body != `{"scope": "x", "stage": "prod", "method": "DELETE"}` {
		t.Fatalf("no template: %d %q", r.status, r.body)
	}
}
