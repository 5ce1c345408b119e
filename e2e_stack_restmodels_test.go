package gatehouse_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"gatehouse/internal/servertest"
)

const validatedStack = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: validated
  Pet:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: Pet
      ContentType: application/json
      Description: a pet
      Schema:
        type: object
        required: [name]
        properties:
          name: {type: string}
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties:
      RestApiId: !Ref Api
      Name: body-only
      ValidateRequestBody: true
      ValidateRequestParameters: false
  BadBody:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: BAD_REQUEST_BODY
      StatusCode: "400"
      ResponseParameters:
        gatewayresponse.header.x-why: "'schema'"
      ResponseTemplates:
        application/json: '{"problem":$context.error.messageString}'
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: pets
  PostPets:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pets
      HttpMethod: POST
      AuthorizationType: NONE
      RequestValidatorId: !Ref Validator
      RequestModels:
        application/json: !Ref Pet
      Integration:
        Type: MOCK
        RequestTemplates:
          application/json: '{"statusCode": 200}'
        IntegrationResponses:
          - StatusCode: "200"
      MethodResponses:
        - StatusCode: "200"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [PostPets, BadBody]
    Properties:
      RestApiId: !Ref Api
      StageName: prod
Outputs:
  ApiId:
    Value: !Ref Api
  ValidatorId:
    Value: !GetAtt Validator.RequestValidatorId
  ModelName:
    Value: !Ref Pet
  ResponseId:
    Value: !GetAtt BadBody.Id
`

// A stack makes a model, a request validator using it on a method, and a
// gateway response for the bodies it refuses; traffic sees all three; an
// update changes the model and the response in place; deleting the stack
// leaves the API and everything in it gone.
func TestStackRESTModelsValidatorsAndGatewayResponses(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.CloudFormation()
	gw := srv.APIGateway()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("validated"), TemplateBody: aws.String(validatedStack)})
	restMust(t, err)
	waitStack(t, c, "validated", cfntypes.StackStatusCreateComplete)
	out := map[string]string{}
	for _, o := range stackStatus(t, c, "validated").Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	api := out["ApiId"]
	if out["ModelName"] != "Pet" || out["ValidatorId"] == "" || out["ResponseId"] == "" {
		t.Fatalf("outputs %v", out)
	}
	post := func(body string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/prod/pets", strings.NewReader(body))
		req.Host = api + ".execute-api.localhost"
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		restMust(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("x-why"), string(b)
	}
	restMust(t, srv.Sync(ctx))
	if code, _, body := post(`{"name":"rex"}`); code != 200 {
		t.Fatalf("a valid body: %d %s", code, body)
	}
	if code, why, body := post(`{"age":3}`); code != 400 || why != "schema" || body != `{"problem":"Invalid request body"}` {
		t.Fatalf("an invalid body: %d x-why=%q %s", code, why, body)
	}

	// In place: the model's schema and description, the response's
	// status code and template. The validator keeps its id.
	updated := strings.Replace(validatedStack, "        required: [name]\n", "        required: [name, age]\n", 1)
	updated = strings.Replace(updated, "      Description: a pet\n", "      Description: a pet with an age\n", 1)
	updated = strings.Replace(updated, `      StatusCode: "400"`, `      StatusCode: "422"`, 1)
	updated = strings.Replace(updated, "      ValidateRequestParameters: false\n", "      ValidateRequestParameters: true\n", 1)
	// A new deployment carries the changes to the stage, as on AWS.
	updated = strings.Replace(updated, "  Deployment:\n", "  Redeployment:\n", 1)
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("validated"), TemplateBody: aws.String(updated)})
	restMust(t, err)
	waitStack(t, c, "validated", cfntypes.StackStatusUpdateComplete)
	m, err := gw.GetModel(ctx, &apigateway.GetModelInput{RestApiId: &api, ModelName: aws.String("Pet")})
	restMust(t, err)
	if aws.ToString(m.Description) != "a pet with an age" || !strings.Contains(aws.ToString(m.Schema), `"age"`) {
		t.Fatalf("model after the update: %s %s", aws.ToString(m.Description), aws.ToString(m.Schema))
	}
	v, err := gw.GetRequestValidator(ctx, &apigateway.GetRequestValidatorInput{RestApiId: &api, RequestValidatorId: aws.String(out["ValidatorId"])})
	restMust(t, err)
	if !v.ValidateRequestParameters || !v.ValidateRequestBody {
		t.Fatalf("validator after the update: %+v", v)
	}
	for _, o := range stackStatus(t, c, "validated").Outputs {
		if k := aws.ToString(o.OutputKey); (k == "ValidatorId" || k == "ResponseId") && aws.ToString(o.OutputValue) != out[k] {
			t.Fatalf("%s changed in an in-place update: %s, was %s", k, aws.ToString(o.OutputValue), out[k])
		}
	}
	restMust(t, srv.Sync(ctx))
	if code, _, body := post(`{"name":"rex"}`); code != 422 || body != `{"problem":"Invalid request body"}` {
		t.Fatalf("a body missing the new required member: %d %s", code, body)
	}
	if code, _, body := post(`{"name":"rex","age":3}`); code != 200 {
		t.Fatalf("a valid body after the update: %d %s", code, body)
	}

	_, err = c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("validated")})
	restMust(t, err)
	w := cfn.NewStackDeleteCompleteWaiter(c, func(o *cfn.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 10*time.Millisecond
	})
	restMust(t, w.Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("validated")}, 30*time.Second))
	apis, err := gw.GetRestApis(ctx, &apigateway.GetRestApisInput{})
	restMust(t, err)
	if len(apis.Items) != 0 {
		t.Fatalf("after the stack's deletion: %d APIs", len(apis.Items))
	}
}

// A stack that keeps its API and deletes only the model, validator and
// gateway response leaves the API with none of them: the method that
// used them goes first, the response type returns to its default.
func TestStackRESTModelsDeletedOnTheirOwn(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.CloudFormation()
	gw := srv.APIGateway()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("validated"), TemplateBody: aws.String(validatedStack)})
	restMust(t, err)
	waitStack(t, c, "validated", cfntypes.StackStatusCreateComplete)
	var api string
	for _, o := range stackStatus(t, c, "validated").Outputs {
		if aws.ToString(o.OutputKey) == "ApiId" {
			api = aws.ToString(o.OutputValue)
		}
	}
	// Only the API and its resource remain.
	bare := validatedStack[:strings.Index(validatedStack, "  Pet:\n")] +
		"  Pets:\n    Type: AWS::ApiGateway::Resource\n    Properties:\n      RestApiId: !Ref Api\n      ParentId: !GetAtt Api.RootResourceId\n      PathPart: pets\n"
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("validated"), TemplateBody: aws.String(bare)})
	restMust(t, err)
	waitStack(t, c, "validated", cfntypes.StackStatusUpdateComplete)
	models, err := gw.GetModels(ctx, &apigateway.GetModelsInput{RestApiId: &api})
	restMust(t, err)
	for _, m := range models.Items {
		if aws.ToString(m.Name) == "Pet" {
			t.Fatal("model Pet survived its removal from the template")
		}
	}
	validators, err := gw.GetRequestValidators(ctx, &apigateway.GetRequestValidatorsInput{RestApiId: &api})
	restMust(t, err)
	if len(validators.Items) != 0 {
		t.Fatalf("validators left: %d", len(validators.Items))
	}
	g, err := gw.GetGatewayResponse(ctx, &apigateway.GetGatewayResponseInput{RestApiId: &api, ResponseType: agtypes.GatewayResponseTypeBadRequestBody})
	restMust(t, err)
	if !g.DefaultResponse {
		t.Fatalf("BAD_REQUEST_BODY after its removal: %+v", g)
	}
}
