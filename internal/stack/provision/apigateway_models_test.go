package provision_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

const restModelsTemplate = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: models}
  Thing:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema: '{"type":"object"}'
  Check:
    Type: AWS::ApiGateway::RequestValidator
    Properties:
      RestApiId: !Ref Api
      ValidateRequestBody: true
  Missing:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      StatusCode: "404"
      ResponseTemplates:
        application/json: '{"gone":true}'
        text/plain: gone
`

// A model, validator and gateway response the template names not are
// named as CloudFormation names them; their updatable properties change in
// place, a create-only one is refused in place, and deleting them twice
// leaves nothing and is no error.
func TestRESTModelsValidatorsAndResponsesLifecycle(t *testing.T) {
	r := newRig(t)
	r.apply(restModelsTemplate)
	gw := r.srv.APIGateway()
	api := aws.String(r.ref("Api"))

	name := r.ref("Thing")
	if !strings.HasPrefix(name, "netThing") || strings.ContainsAny(name, "-_") {
		t.Fatalf("generated model name %q", name)
	}
	m, err := gw.GetModel(r.ctx, &apigateway.GetModelInput{RestApiId: api, ModelName: &name})
	if err != nil || aws.ToString(m.ContentType) != "application/json" || aws.ToString(m.Schema) != `{"type":"object"}` {
		t.Fatalf("model %+v, %v", m, err)
	}
	v, err := gw.GetRequestValidator(r.ctx, &apigateway.GetRequestValidatorInput{RestApiId: api, RequestValidatorId: aws.String(r.ref("Check"))})
	if err != nil || !strings.HasPrefix(aws.ToString(v.Name), "net-Check-") || !v.ValidateRequestBody || v.ValidateRequestParameters {
		t.Fatalf("validator %+v, %v", v, err)
	}

	updated := strings.Replace(restModelsTemplate, `Schema: '{"type":"object"}'`, "Description: things\n      Schema: {type: array}", 1)
	updated = strings.Replace(updated, "ValidateRequestBody: true", "ValidateRequestBody: false", 1)
	updated = strings.Replace(updated, "        text/plain: gone\n", "", 1)
	responseID := r.ref("Missing")
	r.apply(updated)
	m, err = gw.GetModel(r.ctx, &apigateway.GetModelInput{RestApiId: api, ModelName: &name})
	if err != nil || aws.ToString(m.Description) != "things" || aws.ToString(m.Schema) != `{"type":"array"}` {
		t.Fatalf("model after the update %+v, %v", m, err)
	}
	v, err = gw.GetRequestValidator(r.ctx, &apigateway.GetRequestValidatorInput{RestApiId: api, RequestValidatorId: aws.String(r.ref("Check"))})
	if err != nil || v.ValidateRequestBody {
		t.Fatalf("validator after the update %+v, %v", v, err)
	}
	g, err := gw.GetGatewayResponse(r.ctx, &apigateway.GetGatewayResponseInput{RestApiId: api, ResponseType: agtypes.GatewayResponseTypeMissingAuthenticationToken})
	if err != nil || len(g.ResponseTemplates) != 1 || aws.ToString(g.StatusCode) != "404" || r.ref("Missing") != responseID {
		t.Fatalf("gateway response after the update %+v, %v (id %s, was %s)", g, err, r.ref("Missing"), responseID)
	}

	renamed := strings.Replace(updated, "      ValidateRequestBody: false", "      Name: other\n      ValidateRequestBody: false", 1)
	if err := r.tryUpdate(renamed); err == nil || !strings.Contains(err.Error(), "Name") {
		t.Fatalf("renaming a validator in place: %v", err)
	}

	for _, n := range []string{"Missing", "Check", "Thing"} {
		if err := r.sdk.Delete(r.ctx, r.target(n), r.made[n], r.props[n]); err != nil {
			t.Fatalf("delete %s: %v", n, err)
		}
	}
	g, err = gw.GetGatewayResponse(r.ctx, &apigateway.GetGatewayResponseInput{RestApiId: api, ResponseType: agtypes.GatewayResponseTypeMissingAuthenticationToken})
	if err != nil || !g.DefaultResponse {
		t.Fatalf("gateway response after its deletion %+v, %v", g, err)
	}
	vs, err := gw.GetRequestValidators(r.ctx, &apigateway.GetRequestValidatorsInput{RestApiId: api})
	if err != nil || len(vs.Items) != 0 {
		t.Fatalf("validators after the deletion %+v, %v", vs, err)
	}
	if _, err := gw.GetModel(r.ctx, &apigateway.GetModelInput{RestApiId: api, ModelName: &name}); err == nil {
		t.Fatal("model survived its deletion")
	}
	r.destroy()
}
