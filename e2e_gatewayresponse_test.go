package gatehouse_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse"
)

// Every answer a REST API's gateway makes itself goes through the API's
// gateway responses once deployed: the type's own customization, or the
// DEFAULT_4XX/DEFAULT_5XX one, with its status, headers (static, from the
// method request, the context and stage variables) and body template
// ($context.error.* included). Until a deployment the stage answers as
// before, and GetGatewayResponses lists AWS's defaults for every type.
func TestRESTGatewayResponses(t *testing.T) {
	p := newPubNet(t, func(c *gatehouse.Config) { c.AccessKeys = map[string]string{"AKIDCALLER": "caller-secret"} })
	ok := newRecorder(t, nil)
	// hang answers only when gatehouse gives up on it.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	p.must(err)
	deadPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	api, err := p.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("answers")})
	p.must(err)
	list, err := p.gw.GetGatewayResponses(restCtx, &apigateway.GetGatewayResponsesInput{RestApiId: api.Id})
	p.must(err)
	if len(list.Items) != 21 {
		t.Fatalf("%d gateway responses listed, want 21", len(list.Items))
	}
	for _, g := range list.Items {
		if !g.DefaultResponse || g.ResponseTemplates["application/json"] != `{"message":$context.error.messageString}` {
			t.Fatalf("default %+v", g)
		}
		if want := map[agtypes.GatewayResponseType]string{"THROTTLED": "429", "DEFAULT_4XX": "", "INTEGRATION_TIMEOUT": "504", "REQUEST_TOO_LARGE": "413"}; want[g.ResponseType] != aws.ToString(g.StatusCode) && want[g.ResponseType] != "" {
			t.Fatalf("%s status %q", g.ResponseType, aws.ToString(g.StatusCode))
		}
	}

	v, err := p.gw.CreateRequestValidator(restCtx, &apigateway.CreateRequestValidatorInput{RestApiId: api.Id, ValidateRequestBody: true, ValidateRequestParameters: true})
	p.must(err)
	p.restMethod(api, "open", "GET", fmt.Sprintf("http://127.0.0.1:%d/x", ok.port), apigateway.PutMethodInput{})
	p.restMethod(api, "checked", "POST", fmt.Sprintf("http://127.0.0.1:%d/x", ok.port), apigateway.PutMethodInput{RequestValidatorId: v.Id,
		RequestParameters: map[string]bool{"method.request.header.x-need": true}, RequestModels: map[string]string{"application/json": "Error"}})
	p.restMethod(api, "iam", "GET", fmt.Sprintf("http://127.0.0.1:%d/x", ok.port), apigateway.PutMethodInput{AuthorizationType: aws.String("AWS_IAM")})
	p.restMethod(api, "keyed", "GET", fmt.Sprintf("http://127.0.0.1:%d/x", ok.port), apigateway.PutMethodInput{ApiKeyRequired: true})
	p.restMethod(api, "slow", "GET", hang.URL+"/x", apigateway.PutMethodInput{})
	p.restMethod(api, "dead", "GET", fmt.Sprintf("http://127.0.0.1:%d/x", deadPort), apigateway.PutMethodInput{})
	p.restMethod(api, "quota", "GET", fmt.Sprintf("http://127.0.0.1:%d/x", ok.port), apigateway.PutMethodInput{ApiKeyRequired: true})
	// A MOCK integration without integration responses cannot answer; an
	// HTTP one that takes only JSON refuses other types.
	for _, m := range []struct {
		part string
		in   apigateway.PutIntegrationInput
	}{
		{"unmapped", apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeMock}},
		{"jsononly", apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("POST"),
			Uri: aws.String(fmt.Sprintf("http://127.0.0.1:%d/x", ok.port)), PassthroughBehavior: aws.String("NEVER"),
			RequestTemplates: map[string]string{"application/json": `{"in":$input.json('$')}`}}},
	} {
		res, err := p.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(m.part)})
		p.must(err)
		_, err = p.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"), AuthorizationType: aws.String("NONE")})
		p.must(err)
		m.in.RestApiId, m.in.ResourceId, m.in.HttpMethod = api.Id, res.Id, aws.String("POST")
		_, err = p.gw.PutIntegration(restCtx, &m.in)
		p.must(err)
	}
	p.deploy(api.Id)
	// A key on a plan whose quota is one request a day: the first call
	// uses it up.
	key, err := p.gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("k"), Enabled: true, Value: aws.String("0123456789abcdefghijKLMN")})
	p.must(err)
	plan, err := p.gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("tiny"),
		ApiStages: []agtypes.ApiStage{{ApiId: api.Id, Stage: aws.String("prod")}}, Quota: &agtypes.QuotaSettings{Limit: 1, Period: agtypes.QuotaPeriodTypeDay}})
	p.must(err)
	_, err = p.gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	p.must(err)
	p.sync()
	keyed := map[string]string{"x-api-key": "0123456789abcdefghijKLMN"}
	if status, _, body := p.send("GET", host0(api), "/prod/quota", "", keyed); status != 200 {
		t.Fatalf("the key's one request: %d %s", status, body)
	}
	_, err = p.gw.UpdateStage(restCtx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("prod"), PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/~1open/GET/throttling/rateLimit"), Value: aws.String("0")},
		{Op: agtypes.OpReplace, Path: aws.String("/variables/team"), Value: aws.String("blue")}}})
	p.must(err)
	host := host0(api)

	type call struct {
		what, method, path, body string
		header                   map[string]string
	}
	calls := map[string]call{
		"MISSING_AUTHENTICATION_TOKEN": {"no such path", "GET", "/prod/nowhere", "", nil},
		"INVALID_SIGNATURE":            {"a wrong signature", "GET", "/prod/iam", "", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDCALLER/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00"}},
		"INVALID_API_KEY":              {"no API key", "GET", "/prod/keyed", "", nil},
		"THROTTLED":                    {"a closed door", "GET", "/prod/open", "", nil},
		"BAD_REQUEST_PARAMETERS":       {"a missing header", "POST", "/prod/checked", "{}", nil},
		"BAD_REQUEST_BODY":             {"a bad body", "POST", "/prod/checked", `{"message":7}`, map[string]string{"x-need": "1"}},
		"INTEGRATION_TIMEOUT":          {"a backend that never answers", "GET", "/prod/slow", "", nil},
		"INTEGRATION_FAILURE":          {"a backend that is not there", "GET", "/prod/dead", "", nil},
		"QUOTA_EXCEEDED":               {"a key past its quota", "GET", "/prod/quota", "", keyed},
		"API_CONFIGURATION_ERROR":      {"no integration response", "POST", "/prod/unmapped", "", nil},
		"UNSUPPORTED_MEDIA_TYPE":       {"a type without a template", "POST", "/prod/jsononly", "text", map[string]string{"Content-Type": "text/plain"}},
		"REQUEST_TOO_LARGE":            {"a body past 10 MB", "POST", "/prod/open", "", map[string]string{"Content-Length": "20000000"}},
	}
	defaults := map[string]struct {
		status int
		body   string
	}{}
	for typ, c := range calls {
		status, _, body := p.send(c.method, host, c.path, c.body, c.header)
		defaults[typ] = struct {
			status int
			body   string
		}{status, body}
		if !strings.HasPrefix(body, `{"message":"`) {
			t.Errorf("%s (%s), uncustomized: %d %s", typ, c.what, status, body)
		}
	}

	template := `{"type":"$context.error.responseType","said":$context.error.messageString,"detail":"$context.error.validationErrorString","stage":"$context.stage"}`
	for typ := range calls {
		_, err := p.gw.PutGatewayResponse(restCtx, &apigateway.PutGatewayResponseInput{RestApiId: api.Id, ResponseType: agtypes.GatewayResponseType(typ),
			StatusCode: aws.String("418"),
			ResponseParameters: map[string]string{"gatewayresponse.header.x-static": "'fixed'", "gatewayresponse.header.x-echo": "method.request.header.x-trace",
				"gatewayresponse.header.x-req": "context.requestId", "gatewayresponse.header.x-team": "stageVariables.team"},
			ResponseTemplates: map[string]string{"application/json": template}})
		p.must(err)
	}
	// Not yet deployed: the stage answers as it did.
	p.sync()
	for typ, c := range calls {
		if typ == "INTEGRATION_TIMEOUT" {
			continue
		}
		status, _, body := p.send(c.method, host, c.path, c.body, c.header)
		if d := defaults[typ]; status != d.status || body != d.body {
			t.Errorf("%s before the deployment: %d %s, want %d %s", typ, status, body, d.status, d.body)
		}
	}
	p.deploy(api.Id)
	for typ, c := range calls {
		h := map[string]string{"x-trace": "trace-7"}
		for k, v := range c.header {
			h[k] = v
		}
		status, hdr, body := p.send(c.method, host, c.path, c.body, h)
		if status != 418 || hdr.Get("x-static") != "fixed" || hdr.Get("x-echo") != "trace-7" || hdr.Get("x-team") != "blue" ||
			hdr.Get("x-req") != hdr.Get("X-Amzn-Requestid") || hdr.Get("Content-Type") != "application/json" {
			t.Errorf("%s (%s): %d %v", typ, c.what, status, hdr)
		}
		want := `{"type":"` + typ + `","said":` + strings.TrimSuffix(strings.TrimPrefix(defaults[typ].body, `{"message":`), "}")
		if !strings.HasPrefix(body, want) || !strings.HasSuffix(body, `"stage":"prod"}`) {
			t.Errorf("%s: body %s, want it to start %s", typ, body, want)
		}
		if typ == "BAD_REQUEST_BODY" && !strings.Contains(body, `"detail":"[`) {
			t.Errorf("no validationErrorString: %s", body)
		}
		if typ == "BAD_REQUEST_PARAMETERS" && !strings.Contains(body, `"detail":"Missing required request parameters: [x-need]"`) {
			t.Errorf("validationErrorString: %s", body)
		}
	}

	// Taking THROTTLED's away leaves it to DEFAULT_4XX's, whose status
	// replaces the type's.
	_, err = p.gw.DeleteGatewayResponse(restCtx, &apigateway.DeleteGatewayResponseInput{RestApiId: api.Id, ResponseType: "THROTTLED"})
	p.must(err)
	_, err = p.gw.PutGatewayResponse(restCtx, &apigateway.PutGatewayResponseInput{RestApiId: api.Id, ResponseType: "DEFAULT_4XX",
		StatusCode: aws.String("400"), ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}})
	p.must(err)
	got, err := p.gw.UpdateGatewayResponse(restCtx, &apigateway.UpdateGatewayResponseInput{RestApiId: api.Id, ResponseType: "DEFAULT_5XX",
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/statusCode"), Value: aws.String("503")}}})
	p.must(err)
	if got.DefaultResponse || aws.ToString(got.StatusCode) != "503" || got.ResponseTemplates["application/json"] == "" {
		t.Fatalf("UpdateGatewayResponse of a default: %+v", got)
	}
	p.deploy(api.Id)
	status, hdr, body := p.send("GET", host, "/prod/open", "", nil)
	if status != 400 || hdr.Get("Access-Control-Allow-Origin") != "*" || body != `{"message":"Too Many Requests"}` {
		t.Errorf("THROTTLED through DEFAULT_4XX: %d %v %s", status, hdr, body)
	}

	// Bad input changes nothing.
	put := func(typ, status string, params, templates map[string]string) func() error {
		return func() error {
			_, err := p.gw.PutGatewayResponse(restCtx, &apigateway.PutGatewayResponseInput{RestApiId: api.Id, ResponseType: agtypes.GatewayResponseType(typ),
				StatusCode: aws.String(status), ResponseParameters: params, ResponseTemplates: templates})
			return err
		}
	}
	p.restFails("ValidationException", "Member must satisfy enum value set", put("NOT_A_TYPE", "400", nil, nil))
	p.restFails("BadRequestException", "Invalid status code specified", put("THROTTLED", "600", nil, nil))
	p.restFails("BadRequestException", "Invalid mapping expression parameter specified", put("THROTTLED", "429", map[string]string{"method.response.header.x": "'a'"}, nil))
	p.restFails("BadRequestException", "Invalid mapping expression specified", put("THROTTLED", "429", map[string]string{"gatewayresponse.header.x": "integration.response.body"}, nil))
	p.restFails("BadRequestException", "Invalid mapping template specified", put("THROTTLED", "429", nil, map[string]string{"application/json": `#if($x`}))
	p.restFails("NotFoundException", "Invalid Gateway Response identifier specified", func() error {
		_, err := p.gw.DeleteGatewayResponse(restCtx, &apigateway.DeleteGatewayResponseInput{RestApiId: api.Id, ResponseType: "THROTTLED"})
		return err
	})
	one, err := p.gw.GetGatewayResponse(restCtx, &apigateway.GetGatewayResponseInput{RestApiId: api.Id, ResponseType: "THROTTLED"})
	p.must(err)
	if !one.DefaultResponse || aws.ToString(one.StatusCode) != "429" {
		t.Fatalf("THROTTLED after its delete: %+v", one)
	}
}

func host0(api *apigateway.CreateRestApiOutput) string {
	return aws.ToString(api.Id) + ".execute-api.localhost"
}
