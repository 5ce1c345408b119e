package apigateway_test

import (
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go/middleware"
)

// patchOp is one patch operation; an empty value is sent as none.
func patchOp(op types.Op, path, value string) types.PatchOperation {
	p := types.PatchOperation{Op: op, Path: aws.String(path)}
	if value != "" {
		p.Value = aws.String(value)
	}
	return p
}

// tree lists an API's resources as "path=id parent pathPart" lines, in
// path order, to compare whole trees.
func (f *fixture) tree(t *testing.T, api string) []string {
	t.Helper()
	out, err := f.gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: aws.String(api), Limit: aws.Int32(500)})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range out.Items {
		lines = append(lines, aws.ToString(r.Path)+"="+aws.ToString(r.Id)+" "+aws.ToString(r.ParentId)+" "+aws.ToString(r.PathPart))
	}
	return lines
}

func (f *fixture) paths(t *testing.T, api string) []string {
	t.Helper()
	var paths []string
	for _, line := range f.tree(t, api) {
		path, _, _ := strings.Cut(line, "=")
		paths = append(paths, path)
	}
	return paths
}

func TestUpdateResource(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "shop")
	create := func(parent, part string) string {
		t.Helper()
		out, err := f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(parent), PathPart: aws.String(part)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Id)
	}
	update := func(id string, ops ...types.PatchOperation) (*apigateway.UpdateResourceOutput, error) {
		return f.gw.UpdateResource(ctx, &apigateway.UpdateResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(id), PatchOperations: ops})
	}
	pets := create(root, "pets")
	petID := create(pets, "{petId}")
	toys := create(petID, "toys")
	store := create(root, "store")
	create(store, "{storeId}")
	files := create(root, "files")
	greedy := create(files, "{file+}")
	all := create(files, "all")
	if _, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(petID),
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}

	// A rename carries the whole subtree along.
	out, err := update(pets, patchOp(types.OpReplace, "/pathPart", "animals"))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Id) != pets || aws.ToString(out.ParentId) != root || aws.ToString(out.PathPart) != "animals" ||
		aws.ToString(out.Path) != "/animals" || out.ResourceMethods != nil {
		t.Fatalf("UpdateResource = %+v", out)
	}
	want := []string{"/", "/animals", "/animals/{petId}", "/animals/{petId}/toys", "/files", "/files/all", "/files/{file+}", "/store", "/store/{storeId}"}
	if got := f.paths(t, api); !slices.Equal(got, want) {
		t.Fatalf("after the rename, paths = %v, want %v", got, want)
	}

	// A move, and a rename in the same call; the answer is GetResource's
	// shape, methods as {}.
	out, err = update(petID, patchOp(types.OpReplace, "/parentId", all), patchOp(types.OpReplace, "/pathPart", "pet"))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ParentId) != all || aws.ToString(out.Path) != "/files/all/pet" || aws.ToString(out.PathPart) != "pet" {
		t.Fatalf("UpdateResource (move) = %+v", out)
	}
	if _, ok := out.ResourceMethods["GET"]; !ok || len(out.ResourceMethods) != 1 {
		t.Fatalf("UpdateResource resourceMethods = %+v, want GET", out.ResourceMethods)
	}
	got, err := f.gw.GetResource(ctx, &apigateway.GetResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(toys)})
	if err != nil || aws.ToString(got.Path) != "/files/all/pet/toys" {
		t.Fatalf("GetResource of the moved child = %+v, %v", got, err)
	}
	// And back, under the root's "animals" again, as a variable.
	if _, err := update(petID, patchOp(types.OpReplace, "/parentId", pets), patchOp(types.OpReplace, "/pathPart", "{petId}")); err != nil {
		t.Fatal(err)
	}
	if got := f.paths(t, api); !slices.Equal(got, want) {
		t.Fatalf("after moving back, paths = %v, want %v", got, want)
	}
	// Replacing a part with itself changes nothing and is no conflict.
	if out, err := update(store, patchOp(types.OpReplace, "/pathPart", "store"), patchOp(types.OpReplace, "/parentId", root)); err != nil ||
		aws.ToString(out.Path) != "/store" {
		t.Fatalf("no-op UpdateResource = %+v, %v", out, err)
	}

	before := f.tree(t, api)
	for _, tc := range []struct {
		name, id, code, message string
		ops                     []types.PatchOperation
	}{
		{"same part as a sibling", store, "ConflictException", "Another resource with the same parent already has this name: animals",
			[]types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "animals")}},
		{"moved beside a sibling of the same part", toys, "ConflictException", "Another resource with the same parent already has this name: store",
			[]types.PatchOperation{patchOp(types.OpReplace, "/parentId", root), patchOp(types.OpReplace, "/pathPart", "store")}},
		{"second variable sibling", petID, "BadRequestException",
			"A sibling ({storeId}) of this resource already has a variable path part -- only one is allowed",
			[]types.PatchOperation{patchOp(types.OpReplace, "/parentId", store)}},
		{"renamed to a second variable", store, "BadRequestException", "A sibling ({file+}) of this resource already has a variable path part",
			[]types.PatchOperation{patchOp(types.OpReplace, "/parentId", files), patchOp(types.OpReplace, "/pathPart", "{shop}")}},
		{"under a greedy part", toys, "BadRequestException", "A greedy path variable ({file+}) matches the rest of the path, so its resource cannot have children",
			[]types.PatchOperation{patchOp(types.OpReplace, "/parentId", greedy)}},
		{"greedy with children", petID, "BadRequestException", "A greedy path variable ({petId+}) matches the rest of the path, so its resource cannot have children; this resource has 1",
			[]types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "{petId+}")}},
		{"under itself", pets, "BadRequestException", "Resource /animals cannot move under itself or one of its descendants (/animals)",
			[]types.PatchOperation{patchOp(types.OpReplace, "/parentId", pets)}},
		{"under a descendant", pets, "BadRequestException", "Resource /animals cannot move under itself or one of its descendants (/animals/{petId}/toys)",
			[]types.PatchOperation{patchOp(types.OpReplace, "/parentId", toys)}},
		{"bad part", store, "BadRequestException", "Resource's path part only allow a-zA-Z0-9._- and curly braces",
			[]types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "a b")}},
		{"empty part", store, "BadRequestException", "Resource's path part only allow",
			[]types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "")}},
		{"good op, then a bad one", store, "BadRequestException", "Resource's path part only allow",
			[]types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "shop"), patchOp(types.OpReplace, "/pathPart", "{x")}},
		{"unknown parent", store, "NotFoundException", "Invalid Resource identifier specified",
			[]types.PatchOperation{patchOp(types.OpReplace, "/parentId", "nope00")}},
		{"root", root, "BadRequestException", "The root resource of a REST API cannot be changed",
			[]types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "top")}},
		{"remove", store, "BadRequestException", "Invalid patch path '/pathPart' specified for op 'remove'. Must be one of: []",
			[]types.PatchOperation{patchOp(types.OpRemove, "/pathPart", "")}},
		{"unknown path", store, "BadRequestException", "Invalid patch path '/path' specified for op 'replace'. Must be one of: [/pathPart, /parentId]",
			[]types.PatchOperation{patchOp(types.OpReplace, "/path", "/shop")}},
		{"unknown resource", "nope00", "NotFoundException", "Invalid Resource identifier specified",
			[]types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "x")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := update(tc.id, tc.ops...)
				return err
			})
		})
	}
	f.fails(t, "NotFoundException", "Invalid API identifier specified 000000000000:nope000000", func() error {
		_, err := f.gw.UpdateResource(ctx, &apigateway.UpdateResourceInput{RestApiId: aws.String("nope000000"), ResourceId: aws.String(store),
			PatchOperations: []types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "x")}})
		return err
	})
	if after := f.tree(t, api); !slices.Equal(after, before) {
		t.Fatalf("refused updates changed the tree:\n%v\n%v", before, after)
	}
}

// TestUpdateResourceServedAfterRedeploy: a stage serves its deployment's
// frozen tree, so a renamed resource answers on its new path once, and
// only once, the API is deployed again.
func TestUpdateResourceServedAfterRedeploy(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "shop")
	a := aws.String(api)
	pets, err := f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: a, ParentId: aws.String(root), PathPart: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	byID, err := f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: a, ParentId: pets.Id, PathPart: aws.String("{petId}")})
	if err != nil {
		t.Fatal(err)
	}
	f.mockGet(t, api, aws.ToString(byID.Id), `{"pet": "rex"}`)
	deploy := func() {
		t.Helper()
		if _, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a, StageName: aws.String("prod")}); err != nil {
			t.Fatal(err)
		}
	}
	deploy()
	f.wantServed(t, api, "/prod/pets/7", http.StatusOK, `{"pet": "rex"}`)

	if _, err := f.gw.UpdateResource(ctx, &apigateway.UpdateResourceInput{RestApiId: a, ResourceId: pets.Id,
		PatchOperations: []types.PatchOperation{patchOp(types.OpReplace, "/pathPart", "animals")}}); err != nil {
		t.Fatal(err)
	}
	f.wantServed(t, api, "/prod/pets/7", http.StatusOK, `{"pet": "rex"}`)
	f.wantServed(t, api, "/prod/animals/7", http.StatusForbidden, "")

	deploy()
	f.wantServed(t, api, "/prod/animals/7", http.StatusOK, `{"pet": "rex"}`)
	f.wantServed(t, api, "/prod/pets/7", http.StatusForbidden, "")
}

// mockGet gives a resource a GET answered by MOCK with a 200 whose body is
// body, its method response declaring X-Shop.
func (f *fixture) mockGet(t *testing.T, api, resource, body string) {
	t.Helper()
	a, r, h := aws.String(api), aws.String(resource), aws.String("GET")
	if _, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h, AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: h, Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200"),
		ResponseParameters: map[string]bool{"method.response.header.X-Shop": false},
		ResponseModels:     map[string]string{"application/json": "Empty"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200"),
		ResponseParameters: map[string]string{"method.response.header.X-Shop": "'pets'"},
		ResponseTemplates:  map[string]string{"application/json": body}}); err != nil {
		t.Fatal(err)
	}
}

// wantServed sends GET path (stage first) to the API through the data
// plane and checks the status and, when body is set, the body.
func (f *fixture) wantServed(t *testing.T, api, path string, status int, body string) {
	t.Helper()
	if err := f.srv.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", f.srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = api + ".execute-api.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status || (body != "" && string(b) != body) {
		t.Fatalf("GET %s = %d %s, want %d %s", path, resp.StatusCode, b, status, body)
	}
}

// responses builds /pets with a MOCK GET and its 200 responses, and
// returns the API and resource ids.
func (f *fixture) responses(t *testing.T) (string, string) {
	t.Helper()
	api, root := f.restAPI(t, "shop")
	pets, err := f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(root), PathPart: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	f.mockGet(t, api, aws.ToString(pets.Id), `{"pets": []}`)
	return api, aws.ToString(pets.Id)
}

func TestUpdateMethodResponse(t *testing.T) {
	f := start(t)
	api, pets := f.responses(t)
	update := func(status string, ops ...types.PatchOperation) (*apigateway.UpdateMethodResponseOutput, error) {
		return f.gw.UpdateMethodResponse(ctx, &apigateway.UpdateMethodResponseInput{RestApiId: aws.String(api), ResourceId: aws.String(pets),
			HttpMethod: aws.String("GET"), StatusCode: aws.String(status), PatchOperations: ops})
	}
	get := func() *apigateway.GetMethodResponseOutput {
		t.Helper()
		out, err := f.gw.GetMethodResponse(ctx, &apigateway.GetMethodResponseInput{RestApiId: aws.String(api), ResourceId: aws.String(pets),
			HttpMethod: aws.String("GET"), StatusCode: aws.String("200")})
		if err != nil {
			t.Fatal(err)
		}
		out.ResultMetadata = middleware.Metadata{}
		return out
	}

	out, err := update("200",
		patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Trace", "true"),
		patchOp(types.OpReplace, "/responseParameters/method.response.header.X-Shop", "true"),
		patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Optional", ""),
		patchOp(types.OpAdd, "/responseModels/application~1xml", "Empty"),
		patchOp(types.OpRemove, "/responseModels/application~1json", ""),
	)
	if err != nil {
		t.Fatal(err)
	}
	wantParams := map[string]bool{"method.response.header.X-Shop": true, "method.response.header.X-Trace": true, "method.response.header.X-Optional": false}
	if aws.ToString(out.StatusCode) != "200" || !reflect.DeepEqual(out.ResponseParameters, wantParams) ||
		!reflect.DeepEqual(out.ResponseModels, map[string]string{"application/xml": "Empty"}) {
		t.Fatalf("UpdateMethodResponse = %+v", out)
	}
	if got := get(); !reflect.DeepEqual(got.ResponseParameters, wantParams) || got.ResponseModels["application/xml"] != "Empty" {
		t.Fatalf("GetMethodResponse = %+v", got)
	}
	if out, err := update("200", patchOp(types.OpReplace, "/responseModels/application~1xml", "Error"),
		patchOp(types.OpRemove, "/responseParameters/method.response.header.X-Optional", "")); err != nil ||
		out.ResponseModels["application/xml"] != "Error" || len(out.ResponseParameters) != 2 {
		t.Fatalf("UpdateMethodResponse = %+v, %v", out, err)
	}

	before := get()
	for _, tc := range []struct {
		name, status, code, message string
		ops                         []types.PatchOperation
	}{
		{"not a response header", "200", "BadRequestException", "Invalid mapping expression parameter specified: method.request.header.X-Shop",
			[]types.PatchOperation{patchOp(types.OpAdd, "/responseParameters/method.request.header.X-Shop", "true")}},
		{"not a boolean", "200", "BadRequestException", "Invalid boolean value for method.response.header.X-Shop: maybe",
			[]types.PatchOperation{patchOp(types.OpReplace, "/responseParameters/method.response.header.X-Shop", "maybe")}},
		{"remove an undeclared header", "200", "NotFoundException", "Invalid parameter name specified",
			[]types.PatchOperation{patchOp(types.OpRemove, "/responseParameters/method.response.header.X-None", "")}},
		{"good op, then a bad one", "200", "BadRequestException", "Invalid boolean value",
			[]types.PatchOperation{patchOp(types.OpRemove, "/responseModels/application~1xml", ""),
				patchOp(types.OpAdd, "/responseParameters/method.response.header.X-New", "yes")}},
		{"unknown path", "200", "BadRequestException",
			"Invalid patch path '/statusCode' specified for op 'replace'. Must be one of: [/responseParameters/*, /responseModels/*]",
			[]types.PatchOperation{patchOp(types.OpReplace, "/statusCode", "201")}},
		{"move", "200", "BadRequestException", "Invalid patch path '/responseModels/application~1xml' specified for op 'move'",
			[]types.PatchOperation{{Op: types.OpMove, Path: aws.String("/responseModels/application~1xml"), From: aws.String("/responseModels/text~1xml")}}},
		{"unknown status", "404", "NotFoundException", "Invalid Response status code specified",
			[]types.PatchOperation{patchOp(types.OpAdd, "/responseModels/application~1json", "Empty")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := update(tc.status, tc.ops...)
				return err
			})
		})
	}
	f.fails(t, "NotFoundException", "Invalid Method identifier specified", func() error {
		_, err := f.gw.UpdateMethodResponse(ctx, &apigateway.UpdateMethodResponseInput{RestApiId: aws.String(api), ResourceId: aws.String(pets),
			HttpMethod: aws.String("POST"), StatusCode: aws.String("200"),
			PatchOperations: []types.PatchOperation{patchOp(types.OpAdd, "/responseModels/application~1json", "Empty")}})
		return err
	})
	if after := get(); !reflect.DeepEqual(after, before) {
		t.Fatalf("refused updates changed the method response:\n%+v\n%+v", before, after)
	}
}

func TestUpdateIntegrationResponse(t *testing.T) {
	f := start(t)
	api, pets := f.responses(t)
	a, r, h := aws.String(api), aws.String(pets), aws.String("GET")
	update := func(status string, ops ...types.PatchOperation) (*apigateway.UpdateIntegrationResponseOutput, error) {
		return f.gw.UpdateIntegrationResponse(ctx, &apigateway.UpdateIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h,
			StatusCode: aws.String(status), PatchOperations: ops})
	}
	get := func() *apigateway.GetIntegrationResponseOutput {
		t.Helper()
		out, err := f.gw.GetIntegrationResponse(ctx, &apigateway.GetIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200")})
		if err != nil {
			t.Fatal(err)
		}
		out.ResultMetadata = middleware.Metadata{}
		return out
	}
	if _, err := f.gw.UpdateMethodResponse(ctx, &apigateway.UpdateMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200"),
		PatchOperations: []types.PatchOperation{patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Request", "false")}}); err != nil {
		t.Fatal(err)
	}

	out, err := update("200",
		patchOp(types.OpReplace, "/selectionPattern", `2\d{2}`),
		patchOp(types.OpReplace, "/contentHandling", "CONVERT_TO_TEXT"),
		patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Request", "context.requestId"),
		patchOp(types.OpReplace, "/responseParameters/method.response.header.X-Shop", "'store'"),
		patchOp(types.OpReplace, "/responseTemplates/application~1json", `{"v": 2}`),
		patchOp(types.OpAdd, "/responseTemplates/application~1xml", "<pets/>"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.StatusCode) != "200" || aws.ToString(out.SelectionPattern) != `2\d{2}` || out.ContentHandling != types.ContentHandlingStrategyConvertToText ||
		!reflect.DeepEqual(out.ResponseParameters, map[string]string{"method.response.header.X-Request": "context.requestId", "method.response.header.X-Shop": "'store'"}) ||
		!reflect.DeepEqual(out.ResponseTemplates, map[string]string{"application/json": `{"v": 2}`, "application/xml": "<pets/>"}) {
		t.Fatalf("UpdateIntegrationResponse = %+v", out)
	}
	if got := get(); aws.ToString(got.SelectionPattern) != `2\d{2}` || got.ResponseTemplates["application/xml"] != "<pets/>" {
		t.Fatalf("GetIntegrationResponse = %+v", got)
	}
	// remove clears the scalars and drops map members.
	out, err = update("200", patchOp(types.OpRemove, "/selectionPattern", ""), patchOp(types.OpRemove, "/contentHandling", ""),
		patchOp(types.OpRemove, "/responseTemplates/application~1xml", ""))
	if err != nil {
		t.Fatal(err)
	}
	if out.SelectionPattern != nil || out.ContentHandling != "" || len(out.ResponseTemplates) != 1 {
		t.Fatalf("UpdateIntegrationResponse (remove) = %+v", out)
	}

	before := get()
	for _, tc := range []struct {
		name, status, code, message string
		ops                         []types.PatchOperation
	}{
		{"undeclared header", "200", "BadRequestException",
			"Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.response.header.X-Other]",
			[]types.PatchOperation{patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Other", "'x'")}},
		{"not a mapping expression", "200", "BadRequestException", "errors : [Invalid mapping expression specified: method.request.header.host]",
			[]types.PatchOperation{patchOp(types.OpReplace, "/responseParameters/method.response.header.X-Shop", "method.request.header.host")}},
		{"not a response header", "200", "BadRequestException", "errors : [Invalid mapping expression specified: integration.response.header.X-Shop]",
			[]types.PatchOperation{patchOp(types.OpAdd, "/responseParameters/integration.response.header.X-Shop", "'x'")}},
		{"content handling", "200", "ValidationException",
			"Value 'CONVERT_TO_JSON' at 'updateIntegrationResponseInput.contentHandling' failed to satisfy constraint: Member must satisfy enum value set: [CONVERT_TO_BINARY, CONVERT_TO_TEXT]",
			[]types.PatchOperation{patchOp(types.OpReplace, "/contentHandling", "CONVERT_TO_JSON")}},
		{"good op, then a bad one", "200", "BadRequestException", "Invalid mapping expression parameter specified: method.response.header.X-Other",
			[]types.PatchOperation{patchOp(types.OpReplace, "/selectionPattern", "5.."),
				patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Other", "'x'")}},
		{"unknown path", "200", "BadRequestException",
			"Invalid patch path '/statusCode' specified for op 'replace'. Must be one of: [/selectionPattern, /contentHandling, /responseParameters/*, /responseTemplates/*]",
			[]types.PatchOperation{patchOp(types.OpReplace, "/statusCode", "201")}},
		{"unknown status", "500", "NotFoundException", "Invalid Response status code specified",
			[]types.PatchOperation{patchOp(types.OpReplace, "/selectionPattern", "5..")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := update(tc.status, tc.ops...)
				return err
			})
		})
	}
	if after := get(); !reflect.DeepEqual(after, before) {
		t.Fatalf("refused updates changed the integration response:\n%+v\n%+v", before, after)
	}

	// Dropping a mapped header from the method response is not refused
	// (Terraform updates the method response first); the integration
	// response must then lose the mapping before anything else changes.
	if _, err := f.gw.UpdateMethodResponse(ctx, &apigateway.UpdateMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200"),
		PatchOperations: []types.PatchOperation{patchOp(types.OpRemove, "/responseParameters/method.response.header.X-Request", "")}}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", "Invalid mapping expression parameter specified: method.response.header.X-Request", func() error {
		_, err := update("200", patchOp(types.OpReplace, "/selectionPattern", "2.."))
		return err
	})
	out, err = update("200", patchOp(types.OpRemove, "/responseParameters/method.response.header.X-Request", ""), patchOp(types.OpReplace, "/selectionPattern", "2.."))
	if err != nil || len(out.ResponseParameters) != 1 || aws.ToString(out.SelectionPattern) != "2.." {
		t.Fatalf("UpdateIntegrationResponse = %+v, %v", out, err)
	}

	if _, err := f.gw.DeleteIntegration(ctx, &apigateway.DeleteIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: h}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "NotFoundException", "Invalid Integration identifier specified", func() error {
		_, err := update("200", patchOp(types.OpReplace, "/selectionPattern", "2.."))
		return err
	})
}

func TestUpdateDeployment(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "shop")
	a := aws.String(api)
	f.mockGet(t, api, root, `{}`)
	d, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a, StageName: aws.String("prod"), Description: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	update := func(id string, ops ...types.PatchOperation) (*apigateway.UpdateDeploymentOutput, error) {
		return f.gw.UpdateDeployment(ctx, &apigateway.UpdateDeploymentInput{RestApiId: a, DeploymentId: aws.String(id), PatchOperations: ops})
	}
	out, err := update(aws.ToString(d.Id), patchOp(types.OpReplace, "/description", "first release"))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Id) != aws.ToString(d.Id) || aws.ToString(out.Description) != "first release" ||
		!aws.ToTime(out.CreatedDate).Equal(aws.ToTime(d.CreatedDate)) || out.ApiSummary != nil {
		t.Fatalf("UpdateDeployment = %+v", out)
	}
	got, err := f.gw.GetDeployment(ctx, &apigateway.GetDeploymentInput{RestApiId: a, DeploymentId: d.Id, Embed: []string{"apisummary"}})
	if err != nil || aws.ToString(got.Description) != "first release" || len(got.ApiSummary["/"]) != 1 {
		t.Fatalf("GetDeployment = %+v, %v", got, err)
	}
	// The stage still serves it.
	f.wantServed(t, api, "/prod", http.StatusOK, "{}")

	for _, tc := range []struct {
		name, id, code, message string
		ops                     []types.PatchOperation
	}{
		{"remove", aws.ToString(d.Id), "BadRequestException", "Invalid patch path '/description' specified for op 'remove'. Must be one of: []",
			[]types.PatchOperation{patchOp(types.OpRemove, "/description", "")}},
		{"good op, then a bad one", aws.ToString(d.Id), "BadRequestException", "Invalid patch path '/createdDate' specified for op 'replace'. Must be one of: [/description]",
			[]types.PatchOperation{patchOp(types.OpReplace, "/description", "second"), patchOp(types.OpReplace, "/createdDate", "0")}},
		{"unknown deployment", "nope00", "NotFoundException", "Invalid Deployment identifier specified",
			[]types.PatchOperation{patchOp(types.OpReplace, "/description", "x")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := update(tc.id, tc.ops...)
				return err
			})
		})
	}
	f.fails(t, "NotFoundException", "Invalid API identifier specified 000000000000:nope000000", func() error {
		_, err := f.gw.UpdateDeployment(ctx, &apigateway.UpdateDeploymentInput{RestApiId: aws.String("nope000000"), DeploymentId: d.Id,
			PatchOperations: []types.PatchOperation{patchOp(types.OpReplace, "/description", "x")}})
		return err
	})
	if got, err := f.gw.GetDeployment(ctx, &apigateway.GetDeploymentInput{RestApiId: a, DeploymentId: d.Id}); err != nil || aws.ToString(got.Description) != "first release" {
		t.Fatalf("after refused updates, GetDeployment = %+v, %v", got, err)
	}
}
