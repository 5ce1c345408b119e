package gatehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"gopkg.in/yaml.v3"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// petStore is an OpenAPI 3.0 pet store in YAML: two routes to a backend
// behind a VPC link (one naming the link, one a stage variable), a MOCK,
// a validated POST with a model, an API-key method and API Gateway's
// document-level extensions. @LINK@ and @HOST@ are filled in per test.
const petStore = `openapi: 3.0.1
info:
  title: pets
  description: A pet store
  version: "1.0"
servers:
  - url: https://example.com/{basePath}
    variables:
      basePath:
        default: v1
x-amazon-apigateway-api-key-source: HEADER
x-amazon-apigateway-binary-media-types: [image/png]
x-amazon-apigateway-request-validators:
  all:
    validateRequestBody: true
    validateRequestParameters: true
  params:
    validateRequestBody: false
    validateRequestParameters: true
x-amazon-apigateway-gateway-responses:
  BAD_REQUEST_BODY:
    statusCode: "422"
    responseParameters:
      gatewayresponse.header.x-pets: "'invalid'"
    responseTemplates:
      application/json: '{"problem": "$context.error.validationErrorString"}'
paths:
  /pets:
    get:
      operationId: listPets
      x-amazon-apigateway-request-validator: params
      parameters:
        - name: limit
          in: query
          required: true
          schema: {type: string}
        - name: x-trace
          in: header
          schema: {type: string}
      responses:
        "200":
          description: ok
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://@HOST@/pets
        connectionType: VPC_LINK
        connectionId: "@LINK@"
        timeoutInMillis: 200
        passthroughBehavior: when_no_match
    post:
      x-amazon-apigateway-request-validator: all
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/NewPet'
      responses:
        "201":
          description: made
          headers:
            x-pet:
              schema: {type: string}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 201}'
        responses:
          default:
            statusCode: "201"
            responseParameters:
              method.response.header.x-pet: "'new'"
            responseTemplates:
              application/json: '{"made": $input.json(''$'')}'
  /pets/{petId}:
    get:
      parameters:
        - name: petId
          in: path
          required: true
          schema: {type: string}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://${stageVariables.backendHost}/pets/{id}
        connectionType: VPC_LINK
        connectionId: ${stageVariables.vpcLinkId}
        timeoutInMillis: 200
        requestParameters:
          integration.request.path.id: method.request.path.petId
        responses:
          default:
            statusCode: "200"
          "4\\d{2}":
            statusCode: "404"
            responseTemplates:
              application/json: '{"message": "no such pet"}'
        passthroughBehavior: when_no_templates
        contentHandling: CONVERT_TO_TEXT
  /secret:
    get:
      security:
        - api_key: []
      responses:
        "200":
          description: ok
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
components:
  securitySchemes:
    api_key:
      type: apiKey
      name: x-api-key
      in: header
  schemas:
    Pet:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
        tag: {$ref: '#/components/schemas/Tag'}
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string, minLength: 1}
    Tag:
      type: string
`

func petStoreDoc(link, host string) []byte {
	return []byte(strings.NewReplacer("@LINK@", link, "@HOST@", host).Replace(petStore))
}

// restSend sends method path (with body) to a stage by the Host form.
func restSend(t *testing.T, srv *servertest.Server, apiID, stage, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(restCtx, method, srv.URL()+"/"+stage+path, strings.NewReader(body))
	req.Host = apiID + ".execute-api.localhost"
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	restMust(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// apiState is everything an import writes, read back through the SDK with
// ids replaced by names, so two APIs built from one document compare equal.
func apiState(t *testing.T, gw *apigateway.Client, id string) string {
	t.Helper()
	a, err := gw.GetRestApi(restCtx, &apigateway.GetRestApiInput{RestApiId: aws.String(id)})
	restMust(t, err)
	res, err := gw.GetResources(restCtx, &apigateway.GetResourcesInput{RestApiId: aws.String(id), Embed: []string{"methods"}, Limit: aws.Int32(500)})
	restMust(t, err)
	models, err := gw.GetModels(restCtx, &apigateway.GetModelsInput{RestApiId: aws.String(id)})
	restMust(t, err)
	vals, err := gw.GetRequestValidators(restCtx, &apigateway.GetRequestValidatorsInput{RestApiId: aws.String(id)})
	restMust(t, err)
	grs, err := gw.GetGatewayResponses(restCtx, &apigateway.GetGatewayResponsesInput{RestApiId: aws.String(id), Limit: aws.Int32(500)})
	restMust(t, err)
	names := map[string]string{}
	state := map[string]any{"name": a.Name, "description": a.Description, "apiKeySource": a.ApiKeySource, "binary": a.BinaryMediaTypes}
	v := map[string]any{}
	for _, x := range vals.Items {
		names[aws.ToString(x.Id)] = aws.ToString(x.Name)
		v[aws.ToString(x.Name)] = []bool{x.ValidateRequestBody, x.ValidateRequestParameters}
	}
	state["validators"] = v
	paths := map[string]any{}
	for _, r := range res.Items {
		for verb, m := range r.ResourceMethods {
			m.RequestValidatorId = aws.String(names[aws.ToString(m.RequestValidatorId)])
			if ig := m.MethodIntegration; ig != nil && aws.ToString(ig.CacheNamespace) == aws.ToString(r.Id) {
				ig.CacheNamespace = nil
			}
			paths[aws.ToString(r.Path)+" "+verb] = m
		}
	}
	state["paths"] = paths
	ms := map[string]string{}
	for _, m := range models.Items {
		ms[aws.ToString(m.Name)] = strings.ReplaceAll(aws.ToString(m.Schema), id, "API")
	}
	state["models"] = ms
	var custom []agtypes.GatewayResponse
	for _, g := range grs.Items {
		if !g.DefaultResponse {
			custom = append(custom, g)
		}
	}
	sort.Slice(custom, func(i, j int) bool { return custom[i].ResponseType < custom[j].ResponseType })
	state["gatewayResponses"] = custom
	b, err := json.MarshalIndent(state, "", " ")
	restMust(t, err)
	return string(b)
}

// acceptOnly sends Accept as given: the Go SDK sets every API Gateway
// request's Accept to application/json after serializing GetExport's.
func acceptOnly(accept string) func(*apigateway.Options) {
	return func(o *apigateway.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Build.Add(middleware.BuildMiddlewareFunc("ExportAccept", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set("Accept", accept)
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
		})
	}
}

func TestRESTOpenAPIImportServesAndRoundTrips(t *testing.T) {
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(gatehouse.DefaultVpcLinkDelay))
	n := newRESTNet(t, srv)
	nlb := n.nlb(t, "pets-nlb", 80, "pets-backend")
	link := n.linkV1(t, "pets", nlb.arn, gatehouse.DefaultVpcLinkDelay)

	imported, err := n.gw.ImportRestApi(restCtx, &apigateway.ImportRestApiInput{Body: petStoreDoc(link, nlb.dns),
		Parameters: map[string]string{"endpointConfigurationTypes": "REGIONAL"}})
	restMust(t, err)
	id := aws.ToString(imported.Id)
	if aws.ToString(imported.Name) != "pets" || aws.ToString(imported.Version) != "1.0" ||
		imported.EndpointConfiguration.Types[0] != agtypes.EndpointTypeRegional || imported.BinaryMediaTypes[0] != "image/png" {
		t.Fatalf("ImportRestApi = %+v", imported)
	}
	_, err = n.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
		Variables: map[string]string{"vpcLinkId": link, "backendHost": nlb.dns}})
	restMust(t, err)

	// The imported routes serve: through the link, the stage-variable
	// link, the MOCK, the validators and the gateway response.
	if r := restInvoke(t, srv, id, "prod", "/pets?limit=2", false); r.status != 200 || r.seen.Backend != "pets-backend" || r.seen.Path != "/pets" || r.seen.Query != "limit=2" {
		t.Fatalf("GET /pets = %d %s", r.status, r.body)
	}
	if r := restInvoke(t, srv, id, "prod", "/pets/7", false); r.status != 200 || r.seen.Path != "/pets/7" {
		t.Fatalf("GET /pets/7 = %d %s", r.status, r.body)
	}
	if r := restInvoke(t, srv, id, "prod", "/pets", false); r.status != 400 || !strings.Contains(r.body, "Missing required request parameters: [limit]") {
		t.Fatalf("GET /pets without limit = %d %s", r.status, r.body)
	}
	if code, h, body := restSend(t, srv, id, "prod", "POST", "/pets", `{"name":"rex"}`); code != 201 || h.Get("x-pet") != "new" || !strings.Contains(body, `"made"`) {
		t.Fatalf("POST /pets = %d %v %s", code, h, body)
	}
	if code, h, body := restSend(t, srv, id, "prod", "POST", "/pets", `{"name":""}`); code != 422 || h.Get("x-pets") != "invalid" || !strings.Contains(body, "problem") {
		t.Fatalf("POST /pets with a bad body = %d %v %s", code, h, body)
	}
	if r := restInvoke(t, srv, id, "prod", "/secret", false); r.status != 403 {
		t.Fatalf("GET /secret without a key = %d %s", r.status, r.body)
	}

	// Exports: both types, both encodings; each imports to the same API.
	want := apiState(t, n.gw, id)
	for _, typ := range []string{"oas30", "swagger"} {
		for _, accept := range []string{"application/json", "application/yaml"} {
			out, err := n.gw.GetExport(restCtx, &apigateway.GetExportInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
				ExportType: aws.String(typ), Accepts: aws.String(accept), Parameters: map[string]string{"extensions": "apigateway"}}, acceptOnly(accept))
			restMust(t, err)
			if aws.ToString(out.ContentType) != accept {
				t.Fatalf("%s %s: content type %q", typ, accept, aws.ToString(out.ContentType))
			}
			var doc map[string]any
			if accept == "application/json" {
				err = json.Unmarshal(out.Body, &doc)
			} else {
				err = yaml.Unmarshal(out.Body, &doc)
			}
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", typ, accept, err, out.Body)
			}
			if _, ok := doc[map[string]string{"oas30": "openapi", "swagger": "swagger"}[typ]]; !ok {
				t.Fatalf("%s export has no version member:\n%s", typ, out.Body)
			}
			again, err := n.gw.ImportRestApi(restCtx, &apigateway.ImportRestApiInput{Body: out.Body})
			restMust(t, err)
			if got := apiState(t, n.gw, aws.ToString(again.Id)); got != want {
				t.Fatalf("%s %s: import of the export differs:\n%s\nwant\n%s\nexport:\n%s", typ, accept, got, want, out.Body)
			}
		}
	}

	// Without extensions the document is plain OpenAPI.
	plain, err := n.gw.GetExport(restCtx, &apigateway.GetExportInput{RestApiId: aws.String(id), StageName: aws.String("prod"), ExportType: aws.String("oas30")})
	restMust(t, err)
	if strings.Contains(string(plain.Body), "x-amazon-apigateway") || !strings.Contains(string(plain.Body), `"/pets/{petId}"`) {
		t.Fatalf("plain export:\n%s", plain.Body)
	}
}

func TestRESTOpenAPIPutMergeOverwriteAndRefusals(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	const mock = `
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}`
	doc := func(paths string) []byte {
		return []byte("swagger: \"2.0\"\ninfo: {title: shop, version: \"1\"}\nbasePath: /api\npaths:\n" + paths)
	}
	first := doc("  /a:\n    get:\n      responses: {}" + mock + "\n")
	second := doc("  /b:\n    get:\n      responses: {}" + mock + "\n")

	api, err := gw.ImportRestApi(restCtx, &apigateway.ImportRestApiInput{Body: first, Parameters: map[string]string{"basepath": "prepend"}})
	restMust(t, err)
	id := api.Id
	paths := func() []string {
		res, err := gw.GetResources(restCtx, &apigateway.GetResourcesInput{RestApiId: id})
		restMust(t, err)
		var out []string
		for _, r := range res.Items {
			out = append(out, aws.ToString(r.Path))
		}
		sort.Strings(out)
		return out
	}
	if got := strings.Join(paths(), " "); got != "/ /api /api/a" {
		t.Fatalf("prepended paths = %s", got)
	}
	_, err = gw.PutRestApi(restCtx, &apigateway.PutRestApiInput{RestApiId: id, Mode: agtypes.PutModeMerge, Body: second})
	restMust(t, err)
	if got := strings.Join(paths(), " "); got != "/ /api /api/a /b" {
		t.Fatalf("after merge = %s", got)
	}
	_, err = gw.PutRestApi(restCtx, &apigateway.PutRestApiInput{RestApiId: id, Mode: agtypes.PutModeOverwrite, Body: second})
	restMust(t, err)
	if got := strings.Join(paths(), " "); got != "/ /b" {
		t.Fatalf("after overwrite = %s", got)
	}

	// Bad documents change nothing.
	for name, c := range map[string]struct {
		body []byte
		msg  string
	}{
		"not a document": {[]byte("[1, 2"), "Invalid OpenAPI input."},
		"no version":     {[]byte("info: {title: x}\npaths: {}"), "Invalid OpenAPI input."},
		"bad integration": {doc("  /c:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'ftp://x'}\n"),
			"Errors found during import:\n\tUnable to put integration on 'GET' for resource at path '/c': Invalid HTTP endpoint specified for URI"},
		"bad model": {doc("  /c:\n    get:\n      responses: {}\n" + "definitions:\n  Bad:\n    type: 7\n"), "Errors found during import:\n\tUnable to create model 'Bad'"},
	} {
		for _, call := range []func() error{
			func() error {
				_, err := gw.ImportRestApi(restCtx, &apigateway.ImportRestApiInput{Body: c.body})
				return err
			},
			func() error {
				_, err := gw.PutRestApi(restCtx, &apigateway.PutRestApiInput{RestApiId: id, Mode: agtypes.PutModeOverwrite, Body: c.body})
				return err
			},
		} {
			before := srv.Store().Revision()
			err := call()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "BadRequestException" || !strings.Contains(ae.ErrorMessage(), c.msg) {
				t.Fatalf("%s: err = %v, want BadRequestException ...%q", name, err, c.msg)
			}
			if srv.Store().Revision() != before {
				t.Fatalf("%s: a refused document changed the store", name)
			}
		}
	}

	// A warning is reported, and with failonwarnings it refuses the import.
	warned := doc("  /w:\n    get:\n      security: [{oauth: []}]\n      responses: {}" + mock + "\n")
	out, err := gw.ImportRestApi(restCtx, &apigateway.ImportRestApiInput{Body: warned})
	restMust(t, err)
	if len(out.Warnings) != 1 {
		t.Fatalf("warnings = %v", out.Warnings)
	}
	_, err = gw.ImportRestApi(restCtx, &apigateway.ImportRestApiInput{Body: warned, FailOnWarnings: true})
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "Warnings found during import:") {
		t.Fatalf("failonwarnings: %v", err)
	}
}

// A REST API's Body in a template is imported, the template's Name over
// the document's title; a new Body overwrites the tree, and a Body that
// fails rolls the stack back to the API as it was.
func TestRESTOpenAPIStack(t *testing.T) {
	srv := servertest.Start(t)
	c, gw := srv.CloudFormation(), srv.APIGateway()
	template := func(paths, stage string) string {
		return `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: from-template
      EndpointConfiguration: {Types: [REGIONAL]}
      Body:
        swagger: "2.0"
        info: {title: from-document, version: "1"}
        x-amazon-apigateway-binary-media-types: [image/png]
        paths:
` + paths + `
  Deployment` + stage + `:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
Outputs:
  ApiId:
    Value: !Ref Api
`
	}
	route := func(path, answer string) string {
		return `          ` + path + `:
            get:
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: "200", responseTemplates: {application/json: '` + answer + `'}}}
`
	}
	one := template(route("/a", `{"from": "a"}`), "One")
	if _, err := c.CreateStack(restCtx, &cfn.CreateStackInput{StackName: aws.String("restoas"), TemplateBody: aws.String(one)}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "restoas")
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "restoas"))
	}
	id := outputsOf(st)["ApiId"]
	api, err := gw.GetRestApi(restCtx, &apigateway.GetRestApiInput{RestApiId: aws.String(id)})
	restMust(t, err)
	if aws.ToString(api.Name) != "from-template" || api.EndpointConfiguration.Types[0] != agtypes.EndpointTypeRegional || len(api.BinaryMediaTypes) != 1 {
		t.Fatalf("API from Body: %+v", api)
	}
	if r := restInvoke(t, srv, id, "prod", "/a", false); r.status != 200 || !strings.Contains(r.body, `"a"`) {
		t.Fatalf("GET /a: %d %s", r.status, r.body)
	}

	two := template(route("/b", `{"from": "b"}`), "Two")
	if _, err := c.UpdateStack(restCtx, &cfn.UpdateStackInput{StackName: aws.String("restoas"), TemplateBody: aws.String(two)}); err != nil {
		t.Fatal(err)
	}
	if st = waitSettled(t, c, "restoas"); st.StackStatus != cfntypes.StackStatusUpdateComplete || outputsOf(st)["ApiId"] != id {
		t.Fatalf("update: %s\n%s", st.StackStatus, eventLines(t, c, "restoas"))
	}
	if r := restInvoke(t, srv, id, "prod", "/b", false); r.status != 200 || !strings.Contains(r.body, `"b"`) {
		t.Fatalf("GET /b after the new Body: %d %s", r.status, r.body)
	}
	if r := restInvoke(t, srv, id, "prod", "/a", false); r.status != 403 {
		t.Fatalf("GET /a after the Body overwrote it: %d %s", r.status, r.body)
	}
	want := apiState(t, gw, id)

	bad := template(route("/c", `#if(`), "Three")
	if _, err := c.UpdateStack(restCtx, &cfn.UpdateStackInput{StackName: aws.String("restoas"), TemplateBody: aws.String(bad)}); err != nil {
		t.Fatal(err)
	}
	if st = waitSettled(t, c, "restoas"); st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("bad Body: %s\n%s", st.StackStatus, eventLines(t, c, "restoas"))
	}
	if got := apiState(t, gw, id); got != want {
		t.Fatalf("after the rollback:\n%s\nwant\n%s", got, want)
	}
}
