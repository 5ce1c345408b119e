package apigateway

import (
	"strings"

	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// checkLambdaIntegration checks an AWS or AWS_PROXY integration. gatehouse
// serves the one AWS service API Gateway's REST APIs most often call,
// Lambda, through its invocation URI
// (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations);
// other services' URIs are refused by name rather than stored and left
// unserved.
//
// The integration's httpMethod must be given, as for HTTP integrations.
// AWS stores a method other than POST and fails each request with 500
// (Lambda's Invoke is a POST), and so does gatehouse: the integration is
// kept as written so that definitions made for AWS load unchanged.
func checkLambdaIntegration(ig *model.RestIntegration) error {
	if ig.HTTPMethod == "" {
		return badRequest("Enumeration value for HttpMethod must be non-empty")
	}
	if err := checkHTTPMethod(ig.HTTPMethod); err != nil {
		return err
	}
	if ig.URI == "" {
		return badRequest("Invalid integration URI specified")
	}
	if ig.ConnectionType == "VPC_LINK" {
		return badRequest("Integrations of type %s cannot use connectionType VPC_LINK; VPC links serve HTTP and HTTP_PROXY integrations", ig.Type)
	}
	if _, ok := invoke.FromIntegrationURI(ig.URI); ok && strings.Contains(ig.URI, ":lambda:path/") {
		return nil
	}
	if !strings.HasPrefix(ig.URI, "arn:") {
		return badRequest("Invalid ARN specified in the request")
	}
	if ig.Type == "AWS_PROXY" {
		return badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
	}
	return badRequest("gatehouse serves AWS integrations with Lambda functions only (uri arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations), not %s", ig.URI)
}
