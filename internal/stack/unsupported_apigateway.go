package stack

// Reasons shared by both API Gateway versions.
const (
	webSocketOnly = "WebSocket APIs are not modeled"
)

// unsupportedAPIGateway lists the API Gateway (REST API) properties
// CloudFormation documents that gatehouse refuses, by type, with the
// reason.
var unsupportedAPIGateway = map[string]map[string]string{
	"AWS::ApiGateway::RestApi": {
		"CloneFrom":      "cloning a REST API is not supported by gatehouse",
		"BodyS3Location": "gatehouse has no S3: give the OpenAPI definition inline as Body",
	},
	"AWS::ApiGateway::Deployment": {
		"DeploymentCanarySettings":              "canary releases are not modeled",
		"StageDescription/CacheClusterEnabled":  "cache clusters are not modeled",
		"StageDescription/CacheClusterSize":     "cache clusters are not modeled",
		"StageDescription/CanarySetting":        "canary releases are not modeled",
		"StageDescription/ClientCertificateId":  "client certificates are not modeled",
		"StageDescription/DocumentationVersion": notYet,
		"StageDescription/TracingEnabled":       notYet,
	},
	"AWS::ApiGateway::Stage": {
		"CacheClusterEnabled":  "cache clusters are not modeled",
		"CacheClusterSize":     "cache clusters are not modeled",
		"CanarySetting":        "canary releases are not modeled",
		"ClientCertificateId":  "client certificates are not modeled",
		"DocumentationVersion": "documentation is not modeled",
		"TracingEnabled":       "X-Ray tracing is not modeled",
	},
	"AWS::ApiGateway::Method": {
		"AuthorizationScopes": "authorization scopes need Cognito user pool authorizers, which are not modeled",
	},
	"AWS::ApiGateway::Authorizer": {
		"ProviderARNs": "Cognito user pool authorizers are not modeled",
	},
}
