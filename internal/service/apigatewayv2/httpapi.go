package apigatewayv2

import (
	"context"
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// Cors is an API's corsConfiguration.
type Cors struct {
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           *int     `json:"maxAge,omitempty"`
}

type CreateApiInput struct {
	Name                      *string           `json:"name"`
	ProtocolType              *string           `json:"protocolType"`
	Description               *string           `json:"description"`
	Version                   *string           `json:"version"`
	RouteSelectionExpression  *string           `json:"routeSelectionExpression"`
	APIKeySelectionExpression *string           `json:"apiKeySelectionExpression"`
	DisableExecuteAPIEndpoint *bool             `json:"disableExecuteApiEndpoint"`
	IPAddressType             *string           `json:"ipAddressType"`
	CorsConfiguration         *Cors             `json:"corsConfiguration"`
	Tags                      map[string]string `json:"tags"`
	// Quick create (quickcreate.go).
	Target         *string `json:"target"`
	RouteKey       *string `json:"routeKey"`
	CredentialsArn *string `json:"credentialsArn"`
}

type UpdateApiInput struct {
	APIID                     string  `path:"apiId" json:"-"`
	Name                      *string `json:"name"`
	Description               *string `json:"description"`
	Version                   *string `json:"version"`
	RouteSelectionExpression  *string `json:"routeSelectionExpression"`
	APIKeySelectionExpression *string `json:"apiKeySelectionExpression"`
	DisableExecuteAPIEndpoint *bool   `json:"disableExecuteApiEndpoint"`
	IPAddressType             *string `json:"ipAddressType"`
	CorsConfiguration         *Cors   `json:"corsConfiguration"`
	Target                    *string `json:"target"`
	RouteKey                  *string `json:"routeKey"`
	CredentialsArn            *string `json:"credentialsArn"`
}

type ApiIDInput struct {
	APIID string `path:"apiId" json:"-"`
}

type GetApisInput struct {
	MaxResults string `querystring:"maxResults" json:"-"`
	NextToken  string `querystring:"nextToken" json:"-"`
}

// Api is an HTTP API as API Gateway describes it.
type Api struct {
	APIEndpoint               string            `json:"apiEndpoint"`
	APIID                     string            `json:"apiId"`
	APIKeySelectionExpression string            `json:"apiKeySelectionExpression"`
	CorsConfiguration         *Cors             `json:"corsConfiguration,omitempty"`
	CreatedDate               string            `json:"createdDate"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
	IPAddressType             string            `json:"ipAddressType"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression"`
	Tags                      map[string]string `json:"tags"`
	Version                   string            `json:"version,omitempty"`
}

type GetApisOutput struct {
	Items     []Api  `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}

// The only selection expressions an HTTP API accepts.
const (
	routeSelection   = "$request.method $request.path"
	apiKeyHeader     = "$request.header.x-api-key"
	apiKeyAuthorizer = "$context.authorizer.usageIdentifierKey"
)

func (s *Service) CreateApi(ctx context.Context, in *CreateApiInput) (*Api, error) {
	switch p := deref(in.ProtocolType); p {
	case "HTTP":
	case "WEBSOCKET":
		return nil, badRequest("gatehouse serves HTTP APIs only: protocolType WEBSOCKET is not supported.")
	case "":
		return nil, badRequest("protocolType is required: it must be HTTP.")
	default:
		return nil, badRequest("Invalid protocolType %q: it must be HTTP or WEBSOCKET.", p)
	}
	q := quickCreate{in.Target, in.RouteKey, in.CredentialsArn}
	if err := q.check(); err != nil {
		return nil, err
	}
	a := &model.HTTPAPI{
		ProtocolType:              "HTTP",
		RouteSelectionExpression:  routeSelection,
		APIKeySelectionExpression: apiKeyHeader,
		IPAddressType:             "ipv4",
		CreatedDate:               s.now(),
	}
	if in.Name == nil {
		return nil, badRequest("name is required.")
	}
	if err := applyApi(a, apiChanges{in.Name, in.Description, in.Version, in.RouteSelectionExpression,
		in.APIKeySelectionExpression, in.DisableExecuteAPIEndpoint, in.IPAddressType, in.CorsConfiguration}); err != nil {
		return nil, err
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	a.Tags = tags
	err = s.update(ctx, func(tx model.Tx) error {
		id, err := newID(apiIDLen, unused[model.HTTPAPI](tx, ""))
		if err != nil {
			return err
		}
		a.ID = id
		if err := model.Put(tx, a); err != nil {
			return err
		}
		if q.target == nil {
			return nil
		}
		return s.quickCreateParts(ctx, tx, a, q)
	})
	if err != nil {
		return nil, err
	}
	return s.apiShape(a), nil
}

// apiChanges are the members CreateApi and UpdateApi share.
type apiChanges struct {
	name, description, version, routeSelection, apiKeySelection *string
	disableEndpoint                                             *bool
	ipAddressType                                               *string
	cors                                                        *Cors
}

// applyApi validates c and applies what it sets to a.
func applyApi(a *model.HTTPAPI, c apiChanges) error {
	if c.name != nil {
		if n := len(*c.name); n < 1 || n > 128 {
			return badRequest("Invalid API name %q: it must be 1 to 128 characters long.", *c.name)
		}
		a.Name = *c.name
	}
	if c.description != nil {
		if len(*c.description) > 1024 {
			return badRequest("The description must be at most 1024 characters long.")
		}
		a.Description = *c.description
	}
	if c.version != nil {
		if len(*c.version) > 64 {
			return badRequest("The version must be at most 64 characters long.")
		}
		a.Version = *c.version
	}
	if c.routeSelection != nil && *c.routeSelection != routeSelection {
		return badRequest("Invalid routeSelectionExpression %q: an HTTP API takes only %s.", *c.routeSelection, routeSelection)
	}
	if c.apiKeySelection != nil {
		if k := *c.apiKeySelection; k != apiKeyHeader && k != apiKeyAuthorizer {
			return badRequest("Invalid apiKeySelectionExpression %q: it must be %s or %s.", k, apiKeyHeader, apiKeyAuthorizer)
		}
		a.APIKeySelectionExpression = *c.apiKeySelection
	}
	if c.disableEndpoint != nil {
		a.DisableExecuteAPIEndpoint = *c.disableEndpoint
	}
	if c.ipAddressType != nil {
		if t := *c.ipAddressType; t != "ipv4" && t != "dualstack" {
			return badRequest("Invalid ipAddressType %q: it must be ipv4 or dualstack.", t)
		}
		a.IPAddressType = *c.ipAddressType
	}
	if c.cors != nil {
		cors, err := checkCors(c.cors)
		if err != nil {
			return err
		}
		a.CORS = cors
	}
	return nil
}

func checkCors(c *Cors) (*model.CORS, error) {
	if c.MaxAge != nil && (*c.MaxAge < -1 || *c.MaxAge > 86400) {
		return nil, badRequest("Invalid corsConfiguration: maxAge must be between -1 and 86400 seconds.")
	}
	for _, m := range c.AllowMethods {
		if m != "*" && !slices.Contains(httpMethods, m) {
			return nil, badRequest("Invalid corsConfiguration: %q is not an HTTP method.", m)
		}
	}
	if deref(c.AllowCredentials) && slices.Contains(c.AllowOrigins, "*") {
		// Browsers refuse credentials with a wildcard origin, and so
		// does API Gateway, with this text.
		return nil, badRequest("allow-credentials is not supported if 'allow-origin' is *")
	}
	for _, o := range c.AllowOrigins {
		if o == "" {
			return nil, badRequest("Invalid corsConfiguration: an origin in allowOrigins is empty.")
		}
	}
	return &model.CORS{
		AllowCredentials: deref(c.AllowCredentials),
		AllowHeaders:     lower(c.AllowHeaders),
		AllowMethods:     c.AllowMethods,
		AllowOrigins:     c.AllowOrigins,
		ExposeHeaders:    lower(c.ExposeHeaders),
		MaxAge:           c.MaxAge,
	}, nil
}

// lower is a list of header names as API Gateway stores them: in lower
// case, as it answers them.
func lower(names []string) []string {
	if names == nil {
		return nil
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(n)
	}
	return out
}

// DeleteCorsConfiguration removes the API's CORS configuration: its
// preflights are then routed like any request, and its answers carry
// what the backend sends. An API without one is left as it is.
func (s *Service) DeleteCorsConfiguration(ctx context.Context, in *ApiIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		a, err := getApi(ctx, tx, in.APIID)
		if err != nil || a.CORS == nil {
			return err
		}
		a.CORS = nil
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) GetApi(ctx context.Context, in *ApiIDInput) (*Api, error) {
	var a *model.HTTPAPI
	err := s.view(ctx, func(tx model.Tx) (err error) {
		a, err = getApi(ctx, tx, in.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.apiShape(a), nil
}

func (s *Service) GetApis(ctx context.Context, in *GetApisInput) (*GetApisOutput, error) {
	var all []*model.HTTPAPI
	err := s.view(ctx, func(tx model.Tx) (err error) {
		all, err = model.List[model.HTTPAPI](tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(a *model.HTTPAPI) string { return a.ID }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetApisOutput{Items: []Api{}, NextToken: next}
	for _, a := range items {
		out.Items = append(out.Items, *s.apiShape(a))
	}
	return out, nil
}

func (s *Service) UpdateApi(ctx context.Context, in *UpdateApiInput) (*Api, error) {
	q := quickCreate{in.Target, in.RouteKey, in.CredentialsArn}
	if q.target != nil && *q.target == "" {
		return nil, badRequest("A quick-created API's target cannot be removed, only changed.")
	}
	if err := q.checkCredentials(); err != nil {
		return nil, err
	}
	var a *model.HTTPAPI
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if a, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		err = applyApi(a, apiChanges{in.Name, in.Description, in.Version, in.RouteSelectionExpression,
			in.APIKeySelectionExpression, in.DisableExecuteAPIEndpoint, in.IPAddressType, in.CorsConfiguration})
		if err != nil {
			return err
		}
		if err := model.Put(tx, a); err != nil {
			return err
		}
		if !q.set() {
			return nil
		}
		return s.quickUpdate(ctx, tx, a.ID, q)
	})
	if err != nil {
		return nil, err
	}
	return s.apiShape(a), nil
}

// DeleteApi removes the API with everything in it: routes, integrations,
// stages and deployments. An API mapping that points at it makes AWS
// refuse.
func (s *Service) DeleteApi(ctx context.Context, in *ApiIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		a, err := getApi(ctx, tx, in.APIID)
		if err != nil {
			return err
		}
		domains, err := model.MappedDomains(tx, a.ID, "")
		if err != nil {
			return err
		}
		if len(domains) > 0 {
			return badRequest("Deleting API %s failed. Please remove all API mappings for the API from your custom domain names.", a.ID)
		}
		if err := deleteAll[model.Route](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.RouteKeyEntry](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.Authorizer](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.Integration](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.Stage](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.Deployment](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.DeployedEntry](tx, a.ID); err != nil {
			return err
		}
		if err := model.Delete(tx, &model.DeploymentHead{APIID: a.ID}); err != nil {
			return err
		}
		return model.Delete(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func deleteAll[T any, P interface {
	*T
	model.Record
}](tx model.Tx, apiID string) error {
	recs, err := ofAPI[T, P](tx, apiID)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if err := model.Delete(tx, P(rec)); err != nil {
			return err
		}
	}
	return nil
}

func getApi(ctx context.Context, tx model.Tx, id string) (*model.HTTPAPI, error) {
	a, ok, err := model.Get[model.HTTPAPI](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apiNotFound(ctx, id)
	}
	return a, nil
}

func (s *Service) apiShape(a *model.HTTPAPI) *Api {
	out := &Api{
		APIEndpoint:               s.endpoint(a.ID),
		APIID:                     a.ID,
		APIKeySelectionExpression: a.APIKeySelectionExpression,
		CreatedDate:               timestamp(a.CreatedDate),
		Description:               a.Description,
		DisableExecuteAPIEndpoint: a.DisableExecuteAPIEndpoint,
		IPAddressType:             a.IPAddressType,
		Name:                      a.Name,
		ProtocolType:              a.ProtocolType,
		RouteSelectionExpression:  a.RouteSelectionExpression,
		Tags:                      orEmpty(a.Tags),
		Version:                   a.Version,
	}
	if out.IPAddressType == "" {
		out.IPAddressType = "ipv4"
	}
	if c := a.CORS; c != nil {
		out.CorsConfiguration = &Cors{AllowCredentials: &c.AllowCredentials, AllowHeaders: c.AllowHeaders,
			AllowMethods: c.AllowMethods, AllowOrigins: c.AllowOrigins, ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
