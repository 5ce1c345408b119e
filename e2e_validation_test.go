package gatehouse_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"
)

// restFails runs a management call that must fail with code and a message
// containing part, and checks that it changed nothing.
func (p *pubNet) restFails(code, part string, call func() error) {
	p.t.Helper()
	before := p.srv.Store().Revision()
	err := call()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), part) {
		p.t.Fatalf("err = %v, want %s ...%q...", err, code, part)
	}
	if after := p.srv.Store().Revision(); after != before {
		p.t.Fatalf("a failed call (%s) wrote to the store", code)
	}
}

// restMethod puts method verb on a new resource at part of api, proxied
// to uri, with in's validation members.
func (p *pubNet) restMethod(api *apigateway.CreateRestApiOutput, part, verb, uri string, in apigateway.PutMethodInput) *string {
	p.t.Helper()
	res, err := p.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(part)})
	p.must(err)
	in.RestApiId, in.ResourceId, in.HttpMethod = api.Id, res.Id, aws.String(verb)
	if in.AuthorizationType == nil {
		in.AuthorizationType = aws.String("NONE")
	}
	_, err = p.gw.PutMethod(restCtx, &in)
	p.must(err)
	_, err = p.gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String(verb),
		Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String(uri), TimeoutInMillis: aws.Int32(200)})
	p.must(err)
	return res.Id
}

func (p *pubNet) deploy(apiID *string) {
	p.t.Helper()
	_, err := p.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: apiID, StageName: aws.String("prod")})
	p.must(err)
	p.sync()
}

// send sends method target with headers and body to host, and returns
// the status, the headers and the body.
func (p *pubNet) send(method, host, target, body string, header map[string]string) (int, http.Header, string) {
	p.t.Helper()
	if _, ok := header["Content-Length"]; ok {
		// A length the body does not have: only a raw request says so.
		text := method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
		for k, v := range header {
			text += k + ": " + v + "\r\n"
		}
		resp, b, _ := p.raw(text + "\r\n" + body)
		return resp.StatusCode, resp.Header, b
	}
	req, err := http.NewRequest(method, p.srv.URL()+target, strings.NewReader(body))
	p.must(err)
	req.Host = host
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	p.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	p.must(err)
	return resp.StatusCode, resp.Header, string(b)
}

// A REST API validates requests as its methods' validators say: required
// headers, query strings and path parameters, and bodies against the
// method's model (JSON Schema draft 4, with $ref to another model of the
// API), answering AWS's 400s before the backend is called. A validator
// that checks only one of the two leaves the other alone, and a model
// changed after a deployment changes nothing until the next one.
func TestRESTRequestValidation(t *testing.T) {
	p := newPubNet(t)
	rec := newRecorder(t, nil)
	uri := fmt.Sprintf("http://127.0.0.1:%d/pets", rec.port)
	api, err := p.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("validated")})
	p.must(err)

	// AWS's two models come with every API.
	models, err := p.gw.GetModels(restCtx, &apigateway.GetModelsInput{RestApiId: api.Id})
	p.must(err)
	if len(models.Items) != 2 || aws.ToString(models.Items[0].Name) != "Empty" || aws.ToString(models.Items[1].Name) != "Error" ||
		!strings.Contains(aws.ToString(models.Items[1].Schema), `"message" : { "type" : "string" }`) {
		t.Fatalf("default models: %+v", models.Items)
	}
	ownerRef := "https://apigateway.amazonaws.com/restapis/" + aws.ToString(api.Id) + "/models/Owner"
	_, err = p.gw.CreateModel(restCtx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("Owner"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"type":"object","required":["id"],"properties":{"id":{"type":"integer","minimum":1}}}`)})
	p.must(err)
	pet, err := p.gw.CreateModel(restCtx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("Pet"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name"],
			"properties":{"name":{"type":"string"},"owner":{"$ref":"` + ownerRef + `"}}}`)})
	p.must(err)
	if aws.ToString(pet.Id) == "" || aws.ToString(pet.ContentType) != "application/json" {
		t.Fatalf("CreateModel: %+v", pet)
	}
	flat, err := p.gw.GetModel(restCtx, &apigateway.GetModelInput{RestApiId: api.Id, ModelName: aws.String("Pet"), Flatten: true})
	p.must(err)
	if s := aws.ToString(flat.Schema); strings.Contains(s, "$ref") || !strings.Contains(s, `"minimum": 1`) {
		t.Fatalf("flattened schema still refers: %s", s)
	}
	tmpl, err := p.gw.GetModelTemplate(restCtx, &apigateway.GetModelTemplateInput{RestApiId: api.Id, ModelName: aws.String("Pet")})
	p.must(err)
	if v := aws.ToString(tmpl.Value); !strings.Contains(v, `"name" : "$inputRoot.name"`) || !strings.Contains(v, `"id" : $inputRoot.owner.id`) {
		t.Fatalf("template: %s", v)
	}

	validator := func(name string, body, params bool) *string {
		v, err := p.gw.CreateRequestValidator(restCtx, &apigateway.CreateRequestValidatorInput{RestApiId: api.Id, Name: aws.String(name),
			ValidateRequestBody: body, ValidateRequestParameters: params})
		p.must(err)
		return v.Id
	}
	all, paramsOnly, bodyOnly := validator("all", true, true), validator("params", false, true), validator("body", true, false)
	required := map[string]bool{"method.request.header.x-tenant": true, "method.request.querystring.verbose": true, "method.request.querystring.page": false}
	pets := map[string]string{"application/json": "Pet"}
	p.restMethod(api, "all", "POST", uri, apigateway.PutMethodInput{RequestValidatorId: all, RequestParameters: required, RequestModels: pets})
	p.restMethod(api, "params", "POST", uri, apigateway.PutMethodInput{RequestValidatorId: paramsOnly, RequestParameters: required, RequestModels: pets})
	p.restMethod(api, "body", "POST", uri, apigateway.PutMethodInput{RequestValidatorId: bodyOnly, RequestParameters: required, RequestModels: pets})
	p.restMethod(api, "none", "POST", uri, apigateway.PutMethodInput{RequestParameters: required, RequestModels: pets})
	itemRes := p.restMethod(api, "{id}", "GET", uri, apigateway.PutMethodInput{RequestValidatorId: all,
		RequestParameters: map[string]bool{"method.request.path.id": true, "method.request.header.x-tenant": true}})
	method, err := p.gw.GetMethod(restCtx, &apigateway.GetMethodInput{RestApiId: api.Id, ResourceId: itemRes, HttpMethod: aws.String("GET")})
	p.must(err)
	if aws.ToString(method.RequestValidatorId) != aws.ToString(all) {
		t.Fatalf("GetMethod: %+v", method)
	}
	p.deploy(api.Id)

	host := aws.ToString(api.Id) + ".execute-api.localhost"
	tenant := map[string]string{"x-tenant": "t1"}
	good, bad := `{"name":"rex","owner":{"id":3}}`, `{"name":"rex","owner":{"id":0}}`
	missing := `{"message":"Missing required request parameters: [x-tenant, verbose]"}`
	invalid := `{"message":"Invalid request body"}`
	for _, c := range []struct {
		what, path, body string
		header           map[string]string
		status           int
		answer           string
	}{
		{"all, valid", "/prod/all?verbose=1", good, tenant, 200, ""},
		{"all, no parameters", "/prod/all", good, nil, 400, missing},
		{"all, no query", "/prod/all", good, tenant, 400, `{"message":"Missing required request parameters: [verbose]"}`},
		{"all, empty query value", "/prod/all?verbose=", good, tenant, 200, ""},
		{"all, bad nested body", "/prod/all?verbose=1", bad, tenant, 400, invalid},
		{"all, no name", "/prod/all?verbose=1", `{"owner":{"id":3}}`, tenant, 400, invalid},
		{"all, not JSON", "/prod/all?verbose=1", `{name`, tenant, 400, invalid},
		{"all, parameters checked first", "/prod/all", bad, nil, 400, missing},
		{"all, a type without a model", "/prod/all?verbose=1", "plain", map[string]string{"x-tenant": "t", "Content-Type": "text/plain"}, 200, ""},
		{"params only, bad body", "/prod/params?verbose=1", bad, tenant, 200, ""},
		{"params only, missing", "/prod/params", good, nil, 400, missing},
		{"body only, no parameters", "/prod/body", good, nil, 200, ""},
		{"body only, bad body", "/prod/body", bad, nil, 400, invalid},
		{"no validator", "/prod/none", bad, nil, 200, ""},
		{"path and header", "/prod/7", "", tenant, 200, ""},
		{"path, no header", "/prod/7", "", nil, 400, `{"message":"Missing required request parameters: [x-tenant]"}`},
	} {
		verb := "POST"
		if strings.HasPrefix(c.path, "/prod/7") {
			verb = "GET"
		}
		before := rec.hits.Load()
		status, h, body := p.send(verb, host, c.path, c.body, c.header)
		if status != c.status || (c.answer != "" && body != c.answer) {
			t.Errorf("%s: %d %s, want %d %s", c.what, status, body, c.status, c.answer)
		}
		if reached := rec.hits.Load() > before; reached != (c.status == 200) {
			t.Errorf("%s: backend reached %v", c.what, reached)
		}
		if c.status == 400 && h.Get("X-Amzn-Errortype") != "BadRequestException" {
			t.Errorf("%s: error type %q", c.what, h.Get("X-Amzn-Errortype"))
		}
		if c.status == 200 && c.body != "" && rec.seen().BodyLen != int64(len(c.body)) {
			t.Errorf("%s: the backend got %d bytes of %d", c.what, rec.seen().BodyLen, len(c.body))
		}
	}

	// A looser model serves only from the next deployment.
	_, err = p.gw.UpdateModel(restCtx, &apigateway.UpdateModelInput{RestApiId: api.Id, ModelName: aws.String("Pet"),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/schema"), Value: aws.String(`{"type":"object"}`)}}})
	p.must(err)
	p.sync()
	if status, _, _ := p.send("POST", host, "/prod/body", bad, nil); status != 400 {
		t.Fatalf("a model change reached the stage before a deployment: %d", status)
	}
	p.deploy(api.Id)
	if status, _, body := p.send("POST", host, "/prod/body", bad, nil); status != 200 {
		t.Fatalf("after redeploying: %d %s", status, body)
	}
}

// Bad models, validators and method references are refused with AWS's
// errors and change nothing.
func TestRESTModelAndValidatorErrors(t *testing.T) {
	p := newPubNet(t)
	api, err := p.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("errors")})
	p.must(err)
	create := func(name, schema string) func() error {
		return func() error {
			_, err := p.gw.CreateModel(restCtx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String(name),
				ContentType: aws.String("application/json"), Schema: aws.String(schema)})
			return err
		}
	}
	p.restFails("BadRequestException", "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]", create("Bad", `{"type":"thing"}`))
	p.restFails("BadRequestException", "Invalid model schema specified", create("Bad", `{"required":[]}`))
	p.restFails("BadRequestException", "Invalid model schema specified", create("Bad", `not json`))
	p.restFails("BadRequestException", "Model reference must be in canonical form", create("Bad", `{"$ref":"Other"}`))
	p.restFails("BadRequestException", "Model reference must be in canonical form", create("Bad", `{"$ref":"file:///etc/passwd"}`))
	p.restFails("BadRequestException", "alphanumeric", create("no-dash", `{}`))
	p.restFails("ConflictException", "already exists", create("Empty", `{}`))
	p.restFails("NotFoundException", "Invalid model name specified: Nope", func() error {
		_, err := p.gw.GetModel(restCtx, &apigateway.GetModelInput{RestApiId: api.Id, ModelName: aws.String("Nope")})
		return err
	})
	p.must(create("Owner", `{"type":"object","required":["id"]}`)())
	ref := "https://apigateway.amazonaws.com/restapis/" + aws.ToString(api.Id) + "/models/Owner"
	p.must(create("Pet", `{"type":"object","properties":{"owner":{"$ref":"`+ref+`"}}}`)())
	p.restFails("BadRequestException", "Invalid model schema specified", func() error {
		_, err := p.gw.UpdateModel(restCtx, &apigateway.UpdateModelInput{RestApiId: api.Id, ModelName: aws.String("Owner"),
			PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/schema"), Value: aws.String(`{"type":7}`)}}})
		return err
	})
	p.restFails("BadRequestException", "is referenced in model: Pet", func() error {
		_, err := p.gw.DeleteModel(restCtx, &apigateway.DeleteModelInput{RestApiId: api.Id, ModelName: aws.String("Owner")})
		return err
	})
	v, err := p.gw.CreateRequestValidator(restCtx, &apigateway.CreateRequestValidatorInput{RestApiId: api.Id, Name: aws.String("v"), ValidateRequestBody: true})
	p.must(err)
	res, err := p.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	p.must(err)
	put := func(validator *string, models map[string]string) func() error {
		return func() error {
			_, err := p.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
				AuthorizationType: aws.String("NONE"), RequestValidatorId: validator, RequestModels: models})
			return err
		}
	}
	p.restFails("BadRequestException", "Invalid Request Validator identifier specified", put(aws.String("nope00"), nil))
	p.restFails("BadRequestException", "Invalid model identifier specified: Nope", put(v.Id, map[string]string{"application/json": "Nope"}))
	p.must(put(v.Id, map[string]string{"application/json": "Pet"})())
	p.restFails("BadRequestException", "Cannot delete model 'Pet', is referenced in method request: /pets/POST", func() error {
		_, err := p.gw.DeleteModel(restCtx, &apigateway.DeleteModelInput{RestApiId: api.Id, ModelName: aws.String("Pet")})
		return err
	})
	p.restFails("BadRequestException", "is referenced in method", func() error {
		_, err := p.gw.DeleteRequestValidator(restCtx, &apigateway.DeleteRequestValidatorInput{RestApiId: api.Id, RequestValidatorId: v.Id})
		return err
	})
	p.restFails("NotFoundException", "Invalid Request Validator identifier specified", func() error {
		_, err := p.gw.GetRequestValidator(restCtx, &apigateway.GetRequestValidatorInput{RestApiId: api.Id, RequestValidatorId: aws.String("nope00")})
		return err
	})
	// UpdateMethod drops the model and the validator; then both can go.
	_, err = p.gw.UpdateMethod(restCtx, &apigateway.UpdateMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		PatchOperations: []agtypes.PatchOperation{
			{Op: agtypes.OpRemove, Path: aws.String("/requestModels/application~1json")},
			{Op: agtypes.OpRemove, Path: aws.String("/requestValidatorId")}}})
	p.must(err)
	updated, err := p.gw.UpdateRequestValidator(restCtx, &apigateway.UpdateRequestValidatorInput{RestApiId: api.Id, RequestValidatorId: v.Id,
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/validateRequestParameters"), Value: aws.String("true")}}})
	p.must(err)
	if !updated.ValidateRequestParameters || !updated.ValidateRequestBody {
		t.Fatalf("UpdateRequestValidator: %+v", updated)
	}
	_, err = p.gw.DeleteRequestValidator(restCtx, &apigateway.DeleteRequestValidatorInput{RestApiId: api.Id, RequestValidatorId: v.Id})
	p.must(err)
	_, err = p.gw.DeleteModel(restCtx, &apigateway.DeleteModelInput{RestApiId: api.Id, ModelName: aws.String("Pet")})
	p.must(err)
	list, err := p.gw.GetRequestValidators(restCtx, &apigateway.GetRequestValidatorsInput{RestApiId: api.Id})
	p.must(err)
	if len(list.Items) != 0 {
		t.Fatalf("validators left: %+v", list.Items)
	}
}
