package stack

// unsupportedAPIGatewayV2 lists the API Gateway V2 (HTTP API) properties
// CloudFormation documents that gatehouse refuses, by type, with the
// reason.
var unsupportedAPIGatewayV2 = map[string]map[string]string{
	"AWS::ApiGatewayV2::Api": {
		"BasePath":       importOnly,
		"Body":           importOnly,
		"BodyS3Location": importOnly,
		"FailOnWarnings": importOnly,
	},
	"AWS::ApiGatewayV2::Integration": {
		"ResponseParameters": "CloudFormation's form ({status: {ResponseParameters: [{Destination, Source}]}}) is not translated to the API's yet",
	},
}
