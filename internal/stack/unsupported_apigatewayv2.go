package stack

// unsupportedAPIGatewayV2 lists the API Gateway V2 (HTTP API) properties
// CloudFormation documents that gatehouse refuses, by type, with the
// reason.
var unsupportedAPIGatewayV2 = map[string]map[string]string{
	"AWS::ApiGatewayV2::Api": {
		"BodyS3Location":          "gatehouse has no S3: give the OpenAPI definition inline as Body",
		"DisableSchemaValidation": webSocketOnly,
	},
	"AWS::ApiGatewayV2::Integration": {
		"ContentHandlingStrategy":     webSocketOnly,
		"PassthroughBehavior":         webSocketOnly,
		"RequestTemplates":            webSocketOnly,
		"TemplateSelectionExpression": webSocketOnly,
		"CredentialsArn":              "AWS service integrations are not modeled",
		"IntegrationSubtype":          "AWS service integrations are not modeled",
	},
	"AWS::ApiGatewayV2::Route": {
		"ModelSelectionExpression":         webSocketOnly,
		"RequestModels":                    webSocketOnly,
		"RouteResponseSelectionExpression": webSocketOnly,
	},
	"AWS::ApiGatewayV2::Stage": {
		"ClientCertificateId": "client certificates are not modeled",
	},
}
