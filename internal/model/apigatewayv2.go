package model

import (
	"fmt"
	"strings"
	"time"
)

// HTTPAPI is an apigatewayv2 API of protocol type HTTP.
type HTTPAPI struct {
	ID                        string
	Name                      string
	ProtocolType              string
	Description               string `json:",omitempty"`
	Version                   string `json:",omitempty"`
	RouteSelectionExpression  string
	APIKeySelectionExpression string
	DisableExecuteAPIEndpoint bool
	CreatedDate               time.Time
	Tags                      Tags
	// IPAddressType is ipv4 or dualstack; empty reads as ipv4.
	IPAddressType string `json:",omitempty"`
	// CORS is the API's corsConfiguration, nil when it has none.
	CORS *CORS `json:",omitempty"`
}

// CORS is an HTTP API's CORS configuration, as CreateApi takes it.
type CORS struct {
	AllowCredentials bool     `json:",omitempty"`
	AllowHeaders     []string `json:",omitempty"`
	AllowMethods     []string `json:",omitempty"`
	AllowOrigins     []string `json:",omitempty"`
	ExposeHeaders    []string `json:",omitempty"`
	MaxAge           *int     `json:",omitempty"`
}

func (HTTPAPI) Kind() string  { return "apigwv2-api" }
func (a HTTPAPI) Key() string { return a.ID }

// Route is a route of an HTTP API. Its Key is "apiID/routeID" so one prefix
// scan lists an API's routes.
type Route struct {
	APIID             string
	ID                string
	RouteKey          string // "GET /pets/{id}", "ANY /{proxy+}", "$default"
	Target            string `json:",omitempty"` // "integrations/{integrationId}"
	AuthorizationType string
	// AuthorizerID names the route's authorizer (JWT), and
	// AuthorizationScopes the scopes a token must hold one of.
	AuthorizerID        string   `json:",omitempty"`
	AuthorizationScopes []string `json:",omitempty"`
	OperationName       string   `json:",omitempty"`
	APIKeyRequired      bool
	// Managed says quick create made the route: UpdateApi's routeKey
	// changes it.
	Managed bool `json:",omitempty"`
}

func (Route) Kind() string  { return "apigwv2-route" }
func (r Route) Key() string { return r.APIID + "/" + r.ID }

// RouteKeyEntry indexes an HTTP API's routes by route key, path first
// ("apiID//pets/{id} GET"), so that checking a new key against the API's
// routes is one lookup and a scan of one branch of the path tree, not a
// read of every route.
type RouteKeyEntry struct {
	APIID, RouteKey, RouteID string
}

func (RouteKeyEntry) Kind() string  { return "apigwv2-routekey" }
func (e RouteKeyEntry) Key() string { return e.APIID + "/" + RouteKeyPath(e.RouteKey) }

// RouteKeyPath puts a route key's path before its method ("/pets/{id}
// GET"), so that the keys of one branch of the path tree sort together.
func RouteKeyPath(routeKey string) string {
	method, path, ok := strings.Cut(routeKey, " ")
	if !ok {
		return routeKey // $default
	}
	return path + " " + method
}

// Authorizer is an HTTP API's authorizer. Its Key is "apiID/authorizerID".
// Authorizers are not frozen in deployments: a stage's routes name them by
// id, and the data plane reads the API's authorizers as they are now.
type Authorizer struct {
	APIID string
	ID    string
	Name  string
	// Type is JWT or REQUEST (a Lambda authorizer).
	Type string
	// IdentitySource are the selection expressions the identity is read
	// from ("$request.header.Authorization").
	IdentitySource []string `json:",omitempty"`
	// JWT holds a JWT authorizer's jwtConfiguration.
	JWT *JWTConfiguration `json:",omitempty"`
	// The members of a REQUEST authorizer.
	URI                   string `json:",omitempty"`
	CredentialsARN        string `json:",omitempty"`
	PayloadFormatVersion  string `json:",omitempty"`
	ResultTTLSeconds      int    `json:",omitempty"`
	EnableSimpleResponses bool   `json:",omitempty"`
}

// JWTConfiguration is the issuer a JWT authorizer trusts and the audiences
// it accepts.
type JWTConfiguration struct {
	Issuer   string
	Audience []string
}

func (Authorizer) Kind() string  { return "apigwv2-authorizer" }
func (a Authorizer) Key() string { return a.APIID + "/" + a.ID }

// Integration is an HTTP API integration.
type Integration struct {
	APIID                string
	ID                   string
	Type                 string // HTTP_PROXY or AWS_PROXY (Lambda)
	ConnectionType       string // INTERNET | VPC_LINK
	ConnectionID         string `json:",omitempty"` // the VPC link id
	URI                  string // URL, or ALB/NLB listener ARN, or Cloud Map service ARN
	Method               string `json:",omitempty"`
	PayloadFormatVersion string
	TimeoutMillis        int
	// TLSServerName is tlsConfig.serverNameToVerify: when set, private
	// traffic uses HTTPS with that name.
	TLSServerName      string                       `json:",omitempty"`
	RequestParameters  map[string]string            `json:",omitempty"`
	ResponseParameters map[string]map[string]string `json:",omitempty"`
	Description        string                       `json:",omitempty"`
	// CredentialsARN is the role API Gateway invokes the function with
	// (quick create's credentialsArn): with one, the function's resource
	// policy is not consulted.
	CredentialsARN string `json:",omitempty"`
	// Managed says quick create made the integration: UpdateApi's target
	// and credentialsArn change it.
	Managed bool `json:",omitempty"`
}

func (Integration) Kind() string  { return "apigwv2-integration" }
func (i Integration) Key() string { return i.APIID + "/" + i.ID }

// RouteSettings are a stage's throttling and metrics settings.
type RouteSettings struct {
	ThrottlingBurstLimit   int     `json:",omitempty"`
	ThrottlingRateLimit    float64 `json:",omitempty"`
	DetailedMetricsEnabled bool    `json:",omitempty"`
}

// Stage is a named (or $default) stage of an HTTP API. It serves the routes
// of its deployment; with AutoDeploy every change makes a new deployment.
type Stage struct {
	APIID                string
	Name                 string
	Description          string `json:",omitempty"`
	AutoDeploy           bool
	DeploymentID         string `json:",omitempty"`
	StageVariables       map[string]string
	DefaultRouteSettings RouteSettings
	RouteSettings        map[string]RouteSettings `json:",omitempty"`
	// AccessLog is the stage's access logging, nil when it has none.
	AccessLog       *AccessLogSettings `json:",omitempty"`
	CreatedDate     time.Time
	LastUpdatedDate time.Time
	Tags            Tags
	// LastDeploymentStatus is what the last automatic deployment said:
	// success with its id, or why none could be made.
	LastDeploymentStatus string `json:",omitempty"`
	// Managed says quick create made the stage.
	Managed bool `json:",omitempty"`
}

func (Stage) Kind() string  { return "apigwv2-stage" }
func (s Stage) Key() string { return s.APIID + "/" + s.Name }

// Deployment is an immutable copy of an API's routes and integrations at the
// moment it was made: a stage serves exactly what its deployment holds.
//
// A deployment with a Seq holds its routes and integrations as
// DeployedEntry records, shared with the API's other deployments for as
// long as they do not change, so that a deployment made after one route
// changed writes that route alone. Deployments stored before entries
// existed have no Seq and carry Routes and Integrations themselves.
type Deployment struct {
	APIID        string
	ID           string
	Description  string `json:",omitempty"`
	AutoDeployed bool
	CreatedDate  time.Time
	// Seq orders the API's deployments (1, 2, ...): the deployment holds
	// each entry whose range covers it.
	Seq          uint64        `json:",omitempty"`
	Routes       []Route       `json:",omitempty"`
	Integrations []Integration `json:",omitempty"`
}

func (Deployment) Kind() string  { return "apigwv2-deployment" }
func (d Deployment) Key() string { return d.APIID + "/" + d.ID }

// DeployedEntry is a route or an integration as the API's deployments
// Since up to (not including) Until hold it; Until is 0 while the latest
// deployments still hold it. A change to a route ends its entry and
// starts a new one at the next deployment; an entry no deployment covers
// any more is deleted.
type DeployedEntry struct {
	APIID        string
	Since, Until uint64
	Route        *Route       `json:",omitempty"`
	Integration  *Integration `json:",omitempty"`
}

func (DeployedEntry) Kind() string { return "apigwv2-deployed" }

// Key is "apiID/r/routeID/since" (or "/i/" for an integration): the
// entries of one route sort together, oldest first.
func (e DeployedEntry) Key() string {
	return fmt.Sprintf("%s/%s/%020d", e.APIID, e.Part(), e.Since)
}

// Part names what the entry holds: "r/routeID" or "i/integrationID".
func (e DeployedEntry) Part() string {
	if e.Route != nil {
		return "r/" + e.Route.ID
	}
	if e.Integration != nil {
		return "i/" + e.Integration.ID
	}
	return ""
}

// In reports whether the deployment numbered seq holds the entry.
func (e *DeployedEntry) In(seq uint64) bool {
	return e.Since <= seq && (e.Until == 0 || seq < e.Until)
}

// DeploymentHead is where an HTTP API's deployments stand: the last Seq
// given out, the deployments that still exist, and whether the open
// entries (Until 0) still match the API's routes and integrations. A
// route changed while no stage deploys automatically makes them Stale,
// and the next deployment compares the whole API; otherwise a deployment
// writes only the entries of what changed.
type DeploymentHead struct {
	APIID string
	Seq   uint64
	// Live are the Seqs of the deployments that exist, in order.
	Live  []uint64 `json:",omitempty"`
	Stale bool     `json:",omitempty"`
	// Routes counts the open route entries: an API without routes cannot
	// be deployed.
	Routes int
}

func (DeploymentHead) Kind() string  { return "apigwv2-deployhead" }
func (h DeploymentHead) Key() string { return h.APIID }

// VPC link V2 states.
const (
	LinkPending   = "PENDING"
	LinkAvailable = "AVAILABLE"
	LinkDeleting  = "DELETING"
	LinkFailed    = "FAILED"
	LinkInactive  = "INACTIVE"
)

// Status messages that more than one package writes. The PENDING and
// AVAILABLE texts are AWS's own; AWS's DELETING text is not known.
const (
	LinkPendingMessage   = "VPC link is provisioning ENIs"
	LinkAvailableMessage = "VPC link is ready to route traffic"
	LinkDeletingMessage  = "VPC link is being deleted"
)

// VpcLink is a VPC link V2: one requester-managed ENI per subnet carrying the
// link's security groups. Subnets and groups never change after creation.
type VpcLink struct {
	ID               string
	Name             string
	VpcID            string
	SubnetIDs        []string
	SecurityGroupIDs []string
	Status           string
	StatusMessage    string
	// StatusSince is when Status last changed: the controller schedules
	// provisioning and the idle rule from it.
	StatusSince time.Time
	CreatedDate time.Time
	// Interfaces maps subnet id to the link's ENI there; empty while
	// INACTIVE or FAILED.
	Interfaces map[string]string
	Tags       Tags
}

func (VpcLink) Kind() string  { return "apigwv2-vpclink" }
func (l VpcLink) Key() string { return l.ID }
