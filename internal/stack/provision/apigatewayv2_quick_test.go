package provision_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

// An Api with Target is a quick create: its integration, route and
// $default stage come with it, and an update of Target and RouteKey
// changes them in place.
func TestQuickCreateHTTPAPI(t *testing.T) {
	r := newGWRig(t)
	fn := "arn:aws:lambda:us-east-1:000000000000:function:hello"
	p := map[string]any{"Name": "quick", "ProtocolType": "HTTP", "Target": fn,
		"CredentialsArn": "arn:aws:iam::000000000000:role/apigateway"}
	api := r.create("AWS::ApiGatewayV2::Api", "Quick", p)
	id := aws.String(api.Ref)
	integs, err := r.v2.GetIntegrations(r.ctx, &apigatewayv2.GetIntegrationsInput{ApiId: id})
	if err != nil || len(integs.Items) != 1 || aws.ToString(integs.Items[0].IntegrationUri) != fn ||
		aws.ToString(integs.Items[0].CredentialsArn) != "arn:aws:iam::000000000000:role/apigateway" {
		t.Fatalf("GetIntegrations = %+v, %v", integs, err)
	}
	stages, err := r.v2.GetStages(r.ctx, &apigatewayv2.GetStagesInput{ApiId: id})
	if err != nil || len(stages.Items) != 1 || aws.ToString(stages.Items[0].StageName) != "$default" || !aws.ToBool(stages.Items[0].AutoDeploy) {
		t.Fatalf("GetStages = %+v, %v", stages, err)
	}

	p2 := with(p, "Target", "https://backend.example", "RouteKey", "GET /x", "CredentialsArn", nil)
	r.update("AWS::ApiGatewayV2::Api", api, p, p2)
	integs, err = r.v2.GetIntegrations(r.ctx, &apigatewayv2.GetIntegrationsInput{ApiId: id})
	if err != nil || len(integs.Items) != 1 || aws.ToString(integs.Items[0].IntegrationUri) != "https://backend.example" ||
		integs.Items[0].IntegrationType != "HTTP_PROXY" || aws.ToString(integs.Items[0].CredentialsArn) != "" {
		t.Fatalf("GetIntegrations after update = %+v, %v", integs, err)
	}
	routes, err := r.v2.GetRoutes(r.ctx, &apigatewayv2.GetRoutesInput{ApiId: id})
	if err != nil || len(routes.Items) != 1 || aws.ToString(routes.Items[0].RouteKey) != "GET /x" {
		t.Fatalf("GetRoutes after update = %+v, %v", routes, err)
	}
}
