package stack

// importOnly is why the properties of an OpenAPI import are refused.
const importOnly = "importing an OpenAPI definition is not supported by gatehouse"

// unsupportedAPIGateway lists the API Gateway (REST API) properties
// CloudFormation documents that gatehouse refuses, by type, with the
// reason.
var unsupportedAPIGateway = map[string]map[string]string{
	"AWS::ApiGateway::RestApi": {
		"Body":           importOnly,
		"BodyS3Location": importOnly,
		"FailOnWarnings": importOnly,
		"Mode":           importOnly,
		"Parameters":     importOnly,
	},
	"AWS::ApiGateway::Deployment": {
		"DeploymentCanarySettings":              "canary releases are not modeled",
		"StageDescription/CacheClusterEnabled":  "cache clusters are not modeled",
		"StageDescription/CacheClusterSize":     "cache clusters are not modeled",
		"StageDescription/CanarySetting":        "canary releases are not modeled",
		"StageDescription/ClientCertificateId":  "client certificates are not modeled",
		"StageDescription/DocumentationVersion": notYet,
		"StageDescription/Tags":                 notYet,
		"StageDescription/TracingEnabled":       notYet,
	},
	"AWS::ApiGateway::Stage": {
		"CanarySetting":       "canary releases are not modeled",
		"ClientCertificateId": "client certificates are not modeled",
	},
}
