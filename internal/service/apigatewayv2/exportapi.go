package apigatewayv2

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"gatehouse/internal/model"
)

type ExportApiInput struct {
	APIID             string  `path:"apiId" json:"-"`
	Specification     string  `path:"specification" json:"-"`
	OutputType        *string `querystring:"outputType" json:"-"`
	IncludeExtensions *bool   `querystring:"includeExtensions" json:"-"`
	StageName         *string `querystring:"stageName" json:"-"`
	ExportVersion     *string `querystring:"exportVersion" json:"-"`
}

// ExportApiOutput is the exported document, sent as the whole body.
type ExportApiOutput struct {
	body  []byte
	ctype string
}

// Payload makes the document the response body.
func (o *ExportApiOutput) Payload() ([]byte, string) { return o.body, o.ctype }

// The document's parts, in the order API Gateway writes them.
type oasDocument struct {
	OpenAPI    string                  `json:"openapi" yaml:"openapi"`
	Info       oasInfo                 `json:"info" yaml:"info"`
	Servers    []oasServer             `json:"servers,omitempty" yaml:"servers,omitempty"`
	Paths      map[string]*oasPathItem `json:"paths" yaml:"paths"`
	Components *oasComponents          `json:"components,omitempty" yaml:"components,omitempty"`
	Cors       *Cors                   `json:"x-amazon-apigateway-cors,omitempty" yaml:"x-amazon-apigateway-cors,omitempty"`
	Version    string                  `json:"x-amazon-apigateway-importexport-version,omitempty" yaml:"x-amazon-apigateway-importexport-version,omitempty"`
}

type oasInfo struct {
	Title       string `json:"title" yaml:"title"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	Version     string `json:"version" yaml:"version"`
}

type oasServer struct {
	URL       string                       `json:"url" yaml:"url"`
	Variables map[string]map[string]string `json:"variables,omitempty" yaml:"variables,omitempty"`
}

type oasPathItem struct {
	Get        *oasOperation  `json:"get,omitempty" yaml:"get,omitempty"`
	Put        *oasOperation  `json:"put,omitempty" yaml:"put,omitempty"`
	Post       *oasOperation  `json:"post,omitempty" yaml:"post,omitempty"`
	Delete     *oasOperation  `json:"delete,omitempty" yaml:"delete,omitempty"`
	Options    *oasOperation  `json:"options,omitempty" yaml:"options,omitempty"`
	Head       *oasOperation  `json:"head,omitempty" yaml:"head,omitempty"`
	Patch      *oasOperation  `json:"patch,omitempty" yaml:"patch,omitempty"`
	Any        *oasOperation  `json:"x-amazon-apigateway-any-method,omitempty" yaml:"x-amazon-apigateway-any-method,omitempty"`
	Parameters []oasParameter `json:"parameters,omitempty" yaml:"parameters,omitempty"`
}

type oasOperation struct {
	OperationID    string                 `json:"operationId,omitempty" yaml:"operationId,omitempty"`
	Responses      map[string]oasResponse `json:"responses" yaml:"responses"`
	Security       []map[string][]string  `json:"security,omitempty" yaml:"security,omitempty"`
	Integration    *oasIntegration        `json:"x-amazon-apigateway-integration,omitempty" yaml:"x-amazon-apigateway-integration,omitempty"`
	IsDefaultRoute bool                   `json:"isDefaultRoute,omitempty" yaml:"isDefaultRoute,omitempty"`
}

type oasResponse struct {
	Description string `json:"description" yaml:"description"`
}

type oasParameter struct {
	Name     string            `json:"name" yaml:"name"`
	In       string            `json:"in" yaml:"in"`
	Required bool              `json:"required" yaml:"required"`
	Schema   map[string]string `json:"schema" yaml:"schema"`
}

type oasComponents struct {
	SecuritySchemes map[string]oasSecurityScheme `json:"securitySchemes,omitempty" yaml:"securitySchemes,omitempty"`
	Integrations    map[string]*oasIntegration   `json:"x-amazon-apigateway-integrations,omitempty" yaml:"x-amazon-apigateway-integrations,omitempty"`
}

// oasSecurityScheme is a security scheme: oauth2 with empty flows for a
// JWT authorizer, apiKey naming the header it reads for a Lambda one.
type oasSecurityScheme struct {
	Type string `json:"type" yaml:"type"`
	// Flows is an interface so that a JWT scheme's empty map is written
	// while an apiKey scheme, with none, leaves the member out.
	Flows      any            `json:"flows,omitempty" yaml:"flows,omitempty"`
	Name       string         `json:"name,omitempty" yaml:"name,omitempty"`
	In         string         `json:"in,omitempty" yaml:"in,omitempty"`
	Authorizer *oasAuthorizer `json:"x-amazon-apigateway-authorizer,omitempty" yaml:"x-amazon-apigateway-authorizer,omitempty"`
}

// ExportApi writes the API's definition as an OpenAPI 3.0 document, JSON
// or YAML: the API's routes and integrations as they stand, or, with
// stageName, as the stage's deployment holds them. Without
// includeExtensions the x-amazon-apigateway members are left out.
func (s *Service) ExportApi(ctx context.Context, in *ExportApiInput) (*ExportApiOutput, error) {
	if in.Specification != "OAS30" {
		return nil, badRequest("Invalid specification %q: it must be OAS30.", in.Specification)
	}
	out := deref(in.OutputType)
	if out != "JSON" && out != "YAML" {
		return nil, badRequest("Invalid outputType %q: it must be JSON or YAML.", out)
	}
	if v := deref(in.ExportVersion); v != "" && v != importVersion {
		return nil, badRequest("Invalid exportVersion %q: it must be %s.", v, importVersion)
	}
	ext := in.IncludeExtensions == nil || *in.IncludeExtensions
	var (
		a           *model.HTTPAPI
		routes      []*model.Route
		integs      []*model.Integration
		authorizers []*model.Authorizer
	)
	stage := deref(in.StageName)
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if a, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if authorizers, err = ofAPI[model.Authorizer](tx, a.ID); err != nil {
			return err
		}
		if stage == "" {
			if routes, err = routesOf(tx, a.ID); err != nil {
				return err
			}
			integs, err = integrationsOf(tx, a.ID)
			return err
		}
		st, err := getStage(tx, a.ID, stage)
		if err != nil {
			return err
		}
		if st.DeploymentID == "" {
			return badRequest("Stage %s has no deployment to export.", stage)
		}
		d, err := getDeployment(tx, a.ID, st.DeploymentID)
		if err != nil {
			return err
		}
		entries, err := ofAPI[model.DeployedEntry](tx, a.ID)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.In(d.Seq) {
				continue
			}
			if e.Route != nil {
				routes = append(routes, e.Route)
			}
			if e.Integration != nil {
				integs = append(integs, e.Integration)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	doc := s.document(a, routes, integs, authorizers, stage, ext)
	if out == "JSON" {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		return &ExportApiOutput{body: buf.Bytes(), ctype: "application/json"}, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return &ExportApiOutput{body: buf.Bytes(), ctype: "application/yaml"}, nil
}

// document builds the OpenAPI document. An integration that several
// routes share goes to components.x-amazon-apigateway-integrations and the
// routes refer to it, so that an import makes one integration of it again.
func (s *Service) document(a *model.HTTPAPI, routes []*model.Route, integs []*model.Integration,
	authorizers []*model.Authorizer, stage string, ext bool) *oasDocument {
	version := a.Version
	if version == "" {
		version = timestamp(a.CreatedDate)
	}
	doc := &oasDocument{
		OpenAPI: "3.0.1",
		Info:    oasInfo{Title: a.Name, Description: a.Description, Version: version},
		Servers: []oasServer{{URL: s.endpoint(a.ID) + "/{basePath}",
			Variables: map[string]map[string]string{"basePath": {"default": strings.TrimPrefix(stage, "$default")}}}},
		Paths: map[string]*oasPathItem{},
	}
	comps := &oasComponents{}
	byID := map[string]*model.Integration{}
	for _, i := range integs {
		byID[i.ID] = i
	}
	routes = slices.Clone(routes)
	slices.SortFunc(routes, func(x, y *model.Route) int { return strings.Compare(x.RouteKey, y.RouteKey) })
	users := map[string]int{}
	sharedName := map[string]string{}
	for _, r := range routes {
		users[r.Target]++
	}
	authByID := map[string]*model.Authorizer{}
	for _, au := range authorizers {
		authByID[au.ID] = au
		if comps.SecuritySchemes == nil {
			comps.SecuritySchemes = map[string]oasSecurityScheme{}
		}
		sch := oasSecurityScheme{Type: "oauth2", Flows: map[string]any{}}
		if ext && au.JWT != nil {
			iss := au.JWT.Issuer
			sch.Authorizer = &oasAuthorizer{Type: "jwt", IdentitySource: strings.Join(au.IdentitySource, ","),
				JWTConfiguration: &JWTConfiguration{Issuer: &iss, Audience: au.JWT.Audience}}
		}
		if au.Type == "REQUEST" {
			sch = lambdaScheme(au, ext)
		}
		comps.SecuritySchemes[au.Name] = sch
	}
	for _, r := range routes {
		path, method := "/$default", "ANY"
		if r.RouteKey != "$default" {
			method, path, _ = strings.Cut(r.RouteKey, " ")
		}
		item := doc.Paths[path]
		if item == nil {
			item = &oasPathItem{Parameters: pathParameters(path)}
			doc.Paths[path] = item
		}
		op := &oasOperation{OperationID: r.OperationName, IsDefaultRoute: r.RouteKey == "$default",
			Responses: map[string]oasResponse{"default": {Description: "Default response for " + r.RouteKey}}}
		if au := authByID[r.AuthorizerID]; r.AuthorizationType == "JWT" && au != nil {
			op.Security = []map[string][]string{{au.Name: scopeList(r.AuthorizationScopes)}}
		} else if r.AuthorizationType == "CUSTOM" && au != nil {
			op.Security = []map[string][]string{{au.Name: {}}}
		}
		if id, ok := strings.CutPrefix(r.Target, "integrations/"); ok && ext && byID[id] != nil {
			o := integrationDoc(byID[id])
			if users[r.Target] > 1 {
				name, ok := sharedName[id]
				if !ok {
					name = fmt.Sprintf("integration%d", len(sharedName)+1)
					sharedName[id] = name
				}
				if comps.Integrations == nil {
					comps.Integrations = map[string]*oasIntegration{}
				}
				comps.Integrations[name] = o
				o = &oasIntegration{Ref: "#/components/" + xIntegrations + "/" + name}
			}
			op.Integration = o
		}
		item.set(method, op)
	}
	if comps.SecuritySchemes != nil || comps.Integrations != nil {
		doc.Components = comps
	}
	if ext {
		doc.Version = importVersion
		if c := a.CORS; c != nil {
			doc.Cors = &Cors{AllowHeaders: c.AllowHeaders, AllowMethods: c.AllowMethods, AllowOrigins: c.AllowOrigins,
				ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge}
			if c.AllowCredentials {
				doc.Cors.AllowCredentials = &c.AllowCredentials
			}
		}
	}
	return doc
}

func (item *oasPathItem) set(method string, op *oasOperation) {
	switch method {
	case "GET":
		item.Get = op
	case "PUT":
		item.Put = op
	case "POST":
		item.Post = op
	case "DELETE":
		item.Delete = op
	case "OPTIONS":
		item.Options = op
	case "HEAD":
		item.Head = op
	case "PATCH":
		item.Patch = op
	default:
		item.Any = op
	}
}

// integrationDoc is x-amazon-apigateway-integration for i.
func integrationDoc(i *model.Integration) *oasIntegration {
	o := &oasIntegration{
		Type:                 strings.ToLower(i.Type),
		HTTPMethod:           i.Method,
		URI:                  i.URI,
		PayloadFormatVersion: i.PayloadFormatVersion,
		TimeoutInMillis:      i.TimeoutMillis,
		RequestParameters:    i.RequestParameters,
		ResponseParameters:   i.ResponseParameters,
		Description:          i.Description,
	}
	if i.ConnectionType == "VPC_LINK" {
		o.ConnectionType, o.ConnectionID = i.ConnectionType, i.ConnectionID
	}
	if i.TLSServerName != "" {
		name := i.TLSServerName
		o.TLSConfig = &TLSConfig{ServerNameToVerify: &name}
	}
	return o
}

// pathParameters declares a path's variables, which OpenAPI requires.
func pathParameters(path string) []oasParameter {
	var out []oasParameter
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			out = append(out, oasParameter{Name: strings.TrimSuffix(name, "}"), In: "path", Required: true,
				Schema: map[string]string{"type": "string"}})
		}
	}
	return out
}

func scopeList(scopes []string) []string {
	if scopes == nil {
		return []string{}
	}
	return slices.Clone(scopes)
}

// lambdaScheme is a Lambda authorizer's security scheme: an apiKey in the
// header (or query parameter) its first identity source reads, and with
// ext the authorizer's extension.
func lambdaScheme(au *model.Authorizer, ext bool) oasSecurityScheme {
	sch := oasSecurityScheme{Type: "apiKey", Name: "Unused", In: "header"}
	if len(au.IdentitySource) > 0 {
		if name, ok := strings.CutPrefix(au.IdentitySource[0], "$request.header."); ok {
			sch.Name = name
		} else if name, ok := strings.CutPrefix(au.IdentitySource[0], "$request.querystring."); ok {
			sch.Name, sch.In = name, "query"
		}
	}
	if ext {
		ttl, simple := au.ResultTTLSeconds, au.EnableSimpleResponses
		sch.Authorizer = &oasAuthorizer{Type: "request", IdentitySource: strings.Join(au.IdentitySource, ","), AuthorizerURI: au.URI,
			AuthorizerCredentials: au.CredentialsARN, AuthorizerPayloadFormatVersion: au.PayloadFormatVersion,
			AuthorizerResultTTLInSeconds: &ttl}
		if simple {
			sch.Authorizer.EnableSimpleResponses = &simple
		}
	}
	return sch
}
