package model

import (
	"strings"
	"time"
)

// RestAPI is an apigateway (v1) REST API. Its resource tree is stored as one
// RestResource record per path.
type RestAPI struct {
	ID                        string
	Name                      string
	Description               string `json:",omitempty"`
	Version                   string `json:",omitempty"`
	CreatedDate               time.Time
	EndpointTypes             []string // REGIONAL | EDGE | PRIVATE
	RootResourceID            string
	APIKeySource              string
	BinaryMediaTypes          []string `json:",omitempty"`
	DisableExecuteAPIEndpoint bool
	Tags                      Tags
}

func (RestAPI) Kind() string  { return "apigw-restapi" }
func (a RestAPI) Key() string { return a.ID }

// RestResource is one path of a REST API's resource tree ("/pets/{id}"), with
// its methods. Key "apiID/resourceID".
type RestResource struct {
	APIID    string
	ID       string
	ParentID string `json:",omitempty"`
	PathPart string `json:",omitempty"`
	Path     string
	Methods  map[string]*RestMethod `json:",omitempty"` // by HTTP method, ANY too
}

func (RestResource) Kind() string  { return "apigw-resource" }
func (r RestResource) Key() string { return r.APIID + "/" + r.ID }

// RestMethod is a method of a resource, with its integration.
type RestMethod struct {
	HTTPMethod        string
	AuthorizationType string
	// AuthorizerID names the method's authorizer (authorizationType
	// CUSTOM), AuthorizationScopes its OAuth scopes (COGNITO_USER_POOLS).
	AuthorizerID        string   `json:",omitempty"`
	AuthorizationScopes []string `json:",omitempty"`
	APIKeyRequired      bool
	OperationName       string          `json:",omitempty"`
	RequestParameters   map[string]bool `json:",omitempty"` // "method.request.path.id": required
	// RequestModels maps a content type to the name of the model its
	// bodies must match; RequestValidatorID names what is checked.
	RequestModels      map[string]string              `json:",omitempty"`
	RequestValidatorID string                         `json:",omitempty"`
	MethodResponses    map[string]*RestMethodResponse `json:",omitempty"`
	Integration        *RestIntegration               `json:",omitempty"`
}

// RestMethodResponse is a declared method response.
type RestMethodResponse struct {
	StatusCode         string
	ResponseParameters map[string]bool   `json:",omitempty"`
	ResponseModels     map[string]string `json:",omitempty"`
}

// RestIntegration is a method's integration.
type RestIntegration struct {
	Type           string // MOCK | HTTP | HTTP_PROXY | AWS | AWS_PROXY
	HTTPMethod     string `json:",omitempty"`
	URI            string `json:",omitempty"`
	ConnectionType string // INTERNET | VPC_LINK
	// ConnectionID is a VPC link id, or "${stageVariables.name}".
	ConnectionID string `json:",omitempty"`
	// IntegrationTarget names the ALB or NLB (ARN) when ConnectionID is a VPC
	// link V2.
	IntegrationTarget    string            `json:",omitempty"`
	RequestParameters    map[string]string `json:",omitempty"`
	RequestTemplates     map[string]string `json:",omitempty"`
	PassthroughBehavior  string            `json:",omitempty"`
	ContentHandling      string            `json:",omitempty"`
	TimeoutMillis        int
	CacheNamespace       string                              `json:",omitempty"`
	CacheKeyParameters   []string                            `json:",omitempty"`
	InsecureSkipVerify   bool                                `json:",omitempty"`
	IntegrationResponses map[string]*RestIntegrationResponse `json:",omitempty"`
	// Credentials is the role (or "arn:aws:iam::*:user/*") an AWS or
	// AWS_PROXY integration calls its service with; kept and shown, as
	// gatehouse calls functions without assuming roles.
	Credentials string `json:",omitempty"`
}

// RestIntegrationResponse maps a backend answer to a method response.
type RestIntegrationResponse struct {
	StatusCode         string
	SelectionPattern   string            `json:",omitempty"`
	ResponseParameters map[string]string `json:",omitempty"`
	ResponseTemplates  map[string]string `json:",omitempty"`
	ContentHandling    string            `json:",omitempty"`
}

// RestDeployment is an immutable copy of a REST API's resource tree.
type RestDeployment struct {
	APIID       string
	ID          string
	Description string `json:",omitempty"`
	CreatedDate time.Time
	Resources   []RestResource
	// BinaryMediaTypes are the API's when it was deployed: as on AWS, a
	// change to them takes effect with the next deployment.
	BinaryMediaTypes []string `json:",omitempty"`
	// Models, Validators and GatewayResponses are frozen with the tree:
	// what a stage validates and how it answers errors changes with the
	// next deployment, as on AWS.
	Models           []RestModel            `json:",omitempty"`
	Validators       []RestRequestValidator `json:",omitempty"`
	GatewayResponses []RestGatewayResponse  `json:",omitempty"`
	// Authorizers are frozen too: a changed authorizer takes effect on
	// the next deployment, as on AWS.
	Authorizers []RestAuthorizer `json:",omitempty"`
}

func (RestDeployment) Kind() string  { return "apigw-deployment" }
func (d RestDeployment) Key() string { return d.APIID + "/" + d.ID }

// RestStage is a REST API stage: a name pointing at a deployment, with
// stage variables and method settings.
type RestStage struct {
	APIID        string
	Name         string
	DeploymentID string
	Description  string            `json:",omitempty"`
	Variables    map[string]string `json:",omitempty"`
	// MethodSettings are keyed by MethodSettingKey, or AllMethods for the
	// whole stage.
	MethodSettings map[string]RestMethodSetting `json:",omitempty"`
	// AccessLog is the stage's access logging, nil when it has none.
	AccessLog       *AccessLogSettings `json:",omitempty"`
	CreatedDate     time.Time
	LastUpdatedDate time.Time
	Tags            Tags
}

// AllMethods is the method settings key of a whole stage.
const AllMethods = "*/*"

// MethodSettingKey is the key of one method's settings, as AWS reports it:
// the resource path without its leading slash, then the HTTP method
// ("pets/{id}/GET"; the root's GET is "/GET").
func MethodSettingKey(resourcePath, httpMethod string) string {
	return strings.TrimPrefix(resourcePath, "/") + "/" + httpMethod
}

// RestMethodSetting is a stage's settings for one method, or for all of
// them. Only the throttling limits act on traffic; the rest are kept and
// reported.
type RestMethodSetting struct {
	// ThrottlingRateLimit is requests a second, ThrottlingBurstLimit the
	// bucket's size. 0 refuses every request; a negative value (Terraform
	// writes -1) leaves the limit to the stage's, or to nothing.
	ThrottlingRateLimit                    float64
	ThrottlingBurstLimit                   int
	MetricsEnabled                         bool   `json:",omitempty"`
	LoggingLevel                           string `json:",omitempty"`
	DataTraceEnabled                       bool   `json:",omitempty"`
	CachingEnabled                         bool   `json:",omitempty"`
	CacheTTLInSeconds                      int
	CacheDataEncrypted                     bool   `json:",omitempty"`
	RequireAuthorizationForCacheControl    bool   `json:",omitempty"`
	UnauthorizedCacheControlHeaderStrategy string `json:",omitempty"`
}

func (RestStage) Kind() string  { return "apigw-stage" }
func (s RestStage) Key() string { return s.APIID + "/" + s.Name }

// VpcLinkV1 is a REST API VPC link (the legacy kind): a VPC endpoint service
// in front of one NLB, with gatehouse as its consumer. It shares the status
// values of VPC links V2.
type VpcLinkV1 struct {
	ID            string
	Name          string
	Description   string `json:",omitempty"`
	TargetARNs    []string
	Status        string
	StatusMessage string
	StatusSince   time.Time
	// EndpointService is the vpce-svc- id made for the NLB once AVAILABLE.
	EndpointService string `json:",omitempty"`
	Tags            Tags
}

func (VpcLinkV1) Kind() string  { return "apigw-vpclink" }
func (l VpcLinkV1) Key() string { return l.ID }

// EndpointService is a VPC endpoint service (PrivateLink) in front of NLBs.
type EndpointService struct {
	ID                   string // vpce-svc-...
	ServiceName          string // com.amazonaws.vpce.{region}.vpce-svc-...
	NetworkLoadBalancers []string
	State                string // Pending | Available | Deleting | Deleted | Failed
	AcceptanceRequired   bool
	// ManagedBy names the VPC link that made it, if any.
	ManagedBy string `json:",omitempty"`
	Tags      Tags
}

func (EndpointService) Kind() string  { return "ec2-endpoint-service" }
func (e EndpointService) Key() string { return e.ID }
