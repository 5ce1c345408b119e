package provision_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

const restAuthorizerTemplate = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: guarded}
  Tokens:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: tokens
      Type: TOKEN
      AuthorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
      IdentitySource: method.request.header.Authorization
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Tokens
      Integration: {Type: MOCK}
`

// An AWS::ApiGateway::Authorizer guards the method naming it by Ref, changes in place, and
// goes once the method lets go of it.
func TestRESTAuthorizerLifecycle(t *testing.T) {
	r := newRig(t)
	r.apply(restAuthorizerTemplate)
	gw := r.srv.APIGateway()
	api := aws.String(r.ref("Api"))
	id := r.ref("Tokens")
	if r.made["Tokens"].Attrs["AuthorizerId"] != id {
		t.Fatalf("attributes %+v", r.made["Tokens"])
	}
	a, err := gw.GetAuthorizer(r.ctx, &apigateway.GetAuthorizerInput{RestApiId: api, AuthorizerId: aws.String(id)})
	if err != nil || aws.ToString(a.Name) != "tokens" || aws.ToInt32(a.AuthorizerResultTtlInSeconds) != 300 {
		t.Fatalf("authorizer %+v, %v", a, err)
	}
	m, err := gw.GetMethod(r.ctx, &apigateway.GetMethodInput{RestApiId: api, ResourceId: aws.String(r.made["Api"].Attrs["RootResourceId"].(string)), HttpMethod: aws.String("GET")})
	if err != nil || aws.ToString(m.AuthorizationType) != "CUSTOM" || aws.ToString(m.AuthorizerId) != id {
		t.Fatalf("method %+v, %v", m, err)
	}

	updated := strings.Replace(restAuthorizerTemplate, "      IdentitySource: method.request.header.Authorization\n",
		"      IdentitySource: method.request.header.X-Token\n      AuthorizerResultTtlInSeconds: 0\n", 1)
	r.apply(updated)
	a, err = gw.GetAuthorizer(r.ctx, &apigateway.GetAuthorizerInput{RestApiId: api, AuthorizerId: aws.String(id)})
	if err != nil || r.ref("Tokens") != id || aws.ToString(a.IdentitySource) != "method.request.header.X-Token" || aws.ToInt32(a.AuthorizerResultTtlInSeconds) != 0 {
		t.Fatalf("authorizer after the update %+v, %v", a, err)
	}
	r.apply(updated)
	for _, n := range []string{"Get", "Tokens"} {
		if err := r.sdk.Delete(r.ctx, r.target(n), r.made[n], r.props[n]); err != nil {
			t.Fatalf("delete %s: %v", n, err)
		}
	}
	if _, err := gw.GetAuthorizer(r.ctx, &apigateway.GetAuthorizerInput{RestApiId: api, AuthorizerId: aws.String(id)}); err == nil {
		t.Fatal("authorizer survived its deletion")
	}
	r.destroy()
}
