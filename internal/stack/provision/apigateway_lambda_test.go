package provision_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

const restLambdaTemplate = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: orders}
  Proxy:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:orders/invocations
  Custom:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: POST
      AuthorizationType: NONE
      MethodResponses: [{StatusCode: "200"}, {StatusCode: "400"}]
      Integration:
        Type: AWS
        IntegrationHttpMethod: POST
        Credentials: arn:aws:iam::000000000000:role/apigateway
        Uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:orders/invocations
        RequestTemplates: {application/json: '{"id": "$input.params(''id'')"}'}
        IntegrationResponses:
          - {StatusCode: "200"}
          - {StatusCode: "400", SelectionPattern: "Bad request.*"}
`

// AWS::ApiGateway::Method carries AWS_PROXY and AWS integrations with
// Lambda, their credentials and their selection patterns, and updates
// them in place.
func TestRESTLambdaIntegrationsFromTemplates(t *testing.T) {
	r := newRig(t)
	r.apply(restLambdaTemplate)
	gw := r.srv.APIGateway()
	api, root := aws.String(r.ref("Api")), aws.String(r.made["Api"].Attrs["RootResourceId"].(string))
	get := func(verb string) *apigateway.GetIntegrationOutput {
		t.Helper()
		out, err := gw.GetIntegration(r.ctx, &apigateway.GetIntegrationInput{RestApiId: api, ResourceId: root, HttpMethod: aws.String(verb)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if p := get("GET"); p.Type != agtypes.IntegrationTypeAwsProxy || !strings.Contains(aws.ToString(p.Uri), "function:orders/invocations") {
		t.Fatalf("proxy integration %+v", p)
	}
	c := get("POST")
	if c.Type != agtypes.IntegrationTypeAws || aws.ToString(c.Credentials) != "arn:aws:iam::000000000000:role/apigateway" ||
		aws.ToString(c.IntegrationResponses["400"].SelectionPattern) != "Bad request.*" || c.RequestTemplates["application/json"] != `{"id": "$input.params('id')"}` {
		t.Fatalf("custom integration %+v", c)
	}

	r.apply(strings.ReplaceAll(restLambdaTemplate, "function:orders/", "function:orders:live/"))
	if p := get("GET"); !strings.Contains(aws.ToString(p.Uri), "function:orders:live/invocations") {
		t.Fatalf("updated proxy integration %+v", p)
	}
}
