package model

// RestModel is a REST API's model: a JSON Schema (draft 4) its methods
// name for request bodies. Models are named uniquely within their API, and
// referred to by name, so the key is "apiID/name".
type RestModel struct {
	APIID       string
	ID          string
	Name        string
	Description string `json:",omitempty"`
	ContentType string
	Schema      string `json:",omitempty"`
}

func (RestModel) Kind() string  { return "apigw-model" }
func (m RestModel) Key() string { return m.APIID + "/" + m.Name }

// RestRequestValidator says what a method's validation checks: its
// required request parameters, its body against its model, or both.
// Key "apiID/id".
type RestRequestValidator struct {
	APIID                     string
	ID                        string
	Name                      string `json:",omitempty"`
	ValidateRequestBody       bool
	ValidateRequestParameters bool
}

func (RestRequestValidator) Kind() string  { return "apigw-validator" }
func (v RestRequestValidator) Key() string { return v.APIID + "/" + v.ID }

// RestGatewayResponse is a REST API's own setting for one type of the
// answers the gateway makes itself (DEFAULT_4XX, THROTTLED, ...). Types
// without one answer AWS's defaults. Key "apiID/TYPE".
type RestGatewayResponse struct {
	APIID        string
	ResponseType string
	// StatusCode overrides the type's own status; empty keeps it.
	StatusCode         string            `json:",omitempty"`
	ResponseParameters map[string]string `json:",omitempty"`
	ResponseTemplates  map[string]string `json:",omitempty"`
}

func (RestGatewayResponse) Kind() string  { return "apigw-gatewayresponse" }
func (g RestGatewayResponse) Key() string { return g.APIID + "/" + g.ResponseType }

// GatewayResponseTypes are AWS's gateway response types with their
// default statuses (0 for the two fallbacks, which have none). The data
// plane indexes this table by its own constants, so the order matters.
var GatewayResponseTypes = [...]struct {
	Name   string
	Status int
}{
	{"DEFAULT_4XX", 0}, {"DEFAULT_5XX", 0}, {"ACCESS_DENIED", 403}, {"API_CONFIGURATION_ERROR", 500},
	{"AUTHORIZER_CONFIGURATION_ERROR", 500}, {"AUTHORIZER_FAILURE", 500}, {"BAD_REQUEST_PARAMETERS", 400},
	{"BAD_REQUEST_BODY", 400}, {"EXPIRED_TOKEN", 403}, {"INTEGRATION_FAILURE", 504}, {"INTEGRATION_TIMEOUT", 504},
	{"INVALID_API_KEY", 403}, {"INVALID_SIGNATURE", 403}, {"MISSING_AUTHENTICATION_TOKEN", 403},
	{"QUOTA_EXCEEDED", 429}, {"REQUEST_TOO_LARGE", 413}, {"RESOURCE_NOT_FOUND", 404}, {"THROTTLED", 429},
	{"UNAUTHORIZED", 401}, {"UNSUPPORTED_MEDIA_TYPE", 415}, {"WAF_FILTERED", 403},
}

// DefaultGatewayResponseTemplate is the body template of every gateway
// response a REST API has not customized.
const DefaultGatewayResponseTemplate = `{"message":$context.error.messageString}`
