package apigateway_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

const (
	functionARN = "arn:aws:lambda:us-east-1:000000000000:function:orders"
	lambdaURI   = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + functionARN + "/invocations"
	roleARN     = "arn:aws:iam::000000000000:role/apigateway-invoke"
)

func lambdaIntegration(api, resource string, typ types.IntegrationType) *apigateway.PutIntegrationInput {
	return &apigateway.PutIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(resource),
		HttpMethod: aws.String("ANY"), Type: typ, IntegrationHttpMethod: aws.String("POST"),
		Uri: aws.String(lambdaURI), Credentials: aws.String(roleARN)}
}

func TestLambdaIntegrations(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "orders")
	proxy := f.proxyMethod(t, api, root)

	for _, typ := range []types.IntegrationType{types.IntegrationTypeAwsProxy, types.IntegrationTypeAws} {
		out, err := f.gw.PutIntegration(ctx, lambdaIntegration(api, proxy, typ))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if out.Type != typ || aws.ToString(out.Uri) != lambdaURI || aws.ToString(out.Credentials) != roleARN ||
			aws.ToString(out.HttpMethod) != "POST" || aws.ToString(out.PassthroughBehavior) != "WHEN_NO_MATCH" {
			t.Fatalf("%s: PutIntegration = %+v", typ, out)
		}
		got := f.integration(t, api, proxy)
		if got.Type != typ || aws.ToString(got.Credentials) != roleARN {
			t.Fatalf("%s: GetIntegration = %+v", typ, got)
		}
	}

	// Credentials can be patched away and back.
	up, err := f.gw.UpdateIntegration(ctx, &apigateway.UpdateIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(proxy),
		HttpMethod: aws.String("ANY"), PatchOperations: []types.PatchOperation{{Op: types.OpRemove, Path: aws.String("/credentials")}}})
	if err != nil || up.Credentials != nil {
		t.Fatalf("remove /credentials = %+v, %v", up, err)
	}
	up, err = f.gw.UpdateIntegration(ctx, &apigateway.UpdateIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(proxy),
		HttpMethod: aws.String("ANY"), PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/credentials"), Value: aws.String(roleARN)}}})
	if err != nil || aws.ToString(up.Credentials) != roleARN {
		t.Fatalf("replace /credentials = %+v, %v", up, err)
	}

	// A method other than POST is stored, as AWS stores it (its requests
	// fail with 500).
	get := lambdaIntegration(api, proxy, types.IntegrationTypeAwsProxy)
	get.IntegrationHttpMethod = aws.String("GET")
	if _, err := f.gw.PutIntegration(ctx, get); err != nil {
		t.Fatalf("GET integration method: %v", err)
	}
	if _, err := f.gw.PutIntegration(ctx, lambdaIntegration(api, proxy, types.IntegrationTypeAwsProxy)); err != nil {
		t.Fatal(err)
	}

	edit := func(typ types.IntegrationType, change func(*apigateway.PutIntegrationInput)) *apigateway.PutIntegrationInput {
		in := lambdaIntegration(api, proxy, typ)
		change(in)
		return in
	}
	for _, tc := range []struct {
		name, message string
		in            *apigateway.PutIntegrationInput
	}{
		{"no integration method", "Enumeration value for HttpMethod must be non-empty",
			edit(types.IntegrationTypeAwsProxy, func(in *apigateway.PutIntegrationInput) { in.IntegrationHttpMethod = nil })},
		{"no uri", "Invalid integration URI specified",
			edit(types.IntegrationTypeAws, func(in *apigateway.PutIntegrationInput) { in.Uri = nil })},
		{"not an ARN", "Invalid ARN specified in the request",
			edit(types.IntegrationTypeAws, func(in *apigateway.PutIntegrationInput) { in.Uri = aws.String("https://example.com/") })},
		{"proxy to another service", "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
			edit(types.IntegrationTypeAwsProxy, func(in *apigateway.PutIntegrationInput) {
				in.Uri = aws.String("arn:aws:apigateway:us-east-1:sqs:path/000000000000/queue")
			})},
		{"another service", "gatehouse serves AWS integrations with Lambda functions only",
			edit(types.IntegrationTypeAws, func(in *apigateway.PutIntegrationInput) {
				in.Uri = aws.String("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem")
			})},
		{"lambda path without a function ARN", "Integrations of type 'AWS_PROXY' currently only supports",
			edit(types.IntegrationTypeAwsProxy, func(in *apigateway.PutIntegrationInput) {
				in.Uri = aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/orders/invocations")
			})},
		{"VPC link", "cannot use connectionType VPC_LINK",
			edit(types.IntegrationTypeAwsProxy, func(in *apigateway.PutIntegrationInput) {
				in.ConnectionType, in.ConnectionId = types.ConnectionTypeVpcLink, aws.String("abc123")
			})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, "BadRequestException", tc.message, func() error {
				_, err := f.gw.PutIntegration(ctx, tc.in)
				return err
			})
		})
	}
}

// TestLambdaIntegrationOpenAPI imports aws_proxy and aws integrations with
// their credentials, and exports them again.
func TestLambdaIntegrationOpenAPI(t *testing.T) {
	f := start(t)
	doc := `{"openapi": "3.0.1", "info": {"title": "orders", "version": "1"},
  "paths": {
    "/orders": {
      "post": {
        "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}},
        "x-amazon-apigateway-integration": {"type": "aws", "httpMethod": "POST", "uri": "` + lambdaURI + `",
          "credentials": "` + roleARN + `",
          "requestTemplates": {"application/json": "{\"id\": \"$input.params('id')\"}"},
          "responses": {"default": {"statusCode": "200"}, "Bad.*": {"statusCode": "400"}}}
      },
      "get": {
        "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "` + lambdaURI + `"}
      }
    }
  }
}`
	out, err := f.gw.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	api := aws.ToString(out.Id)
	res, err := f.gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: out.Id})
	if err != nil {
		t.Fatal(err)
	}
	var orders string
	for _, r := range res.Items {
		if aws.ToString(r.Path) == "/orders" {
			orders = aws.ToString(r.Id)
		}
	}
	post, err := f.gw.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: out.Id, ResourceId: aws.String(orders), HttpMethod: aws.String("POST")})
	if err != nil {
		t.Fatal(err)
	}
	if post.Type != types.IntegrationTypeAws || aws.ToString(post.Credentials) != roleARN ||
		aws.ToString(post.IntegrationResponses["400"].SelectionPattern) != "Bad.*" {
		t.Fatalf("imported POST integration = %+v", post)
	}
	get, err := f.gw.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: out.Id, ResourceId: aws.String(orders), HttpMethod: aws.String("GET")})
	if err != nil || get.Type != types.IntegrationTypeAwsProxy || aws.ToString(get.Uri) != lambdaURI {
		t.Fatalf("imported GET integration = %+v, %v", get, err)
	}
	if _, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: out.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	exp, err := f.gw.GetExport(ctx, &apigateway.GetExportInput{RestApiId: aws.String(api), StageName: aws.String("prod"),
		ExportType: aws.String("oas30"), Parameters: map[string]string{"extensions": "integrations"}})
	if err != nil {
		t.Fatal(err)
	}
	body := string(exp.Body)
	for _, want := range []string{`"type": "aws_proxy"`, `"type": "aws"`, `"credentials": "` + roleARN + `"`, `"Bad.*"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("export lacks %s:\n%s", want, body)
		}
	}
}
