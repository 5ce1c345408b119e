package apigatewayv2

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"gatehouse/internal/model"
)

// The OpenAPI 3 document of an HTTP API, as ImportApi reads it and
// ExportApi writes it. One set of types serves both ways, so a document
// exported imports as the API it came from.

// The extensions API Gateway reads in an HTTP API's OpenAPI definition.
const (
	xIntegration   = "x-amazon-apigateway-integration"
	xIntegrations  = "x-amazon-apigateway-integrations"
	xAuthorizer    = "x-amazon-apigateway-authorizer"
	xCors          = "x-amazon-apigateway-cors"
	xVersion       = "x-amazon-apigateway-importexport-version"
	xAnyMethod     = "x-amazon-apigateway-any-method"
	xRouteSelect   = "x-amazon-apigateway-route-selection-expression"
	xPrefix        = "x-amazon-apigateway-"
	defaultRouteOp = "/$default"
	importVersion  = "1.0"
)

// oasIntegration is x-amazon-apigateway-integration.
type oasIntegration struct {
	Type                 string                       `json:"type" yaml:"type"`
	HTTPMethod           string                       `json:"httpMethod,omitempty" yaml:"httpMethod,omitempty"`
	URI                  string                       `json:"uri,omitempty" yaml:"uri,omitempty"`
	ConnectionType       string                       `json:"connectionType,omitempty" yaml:"connectionType,omitempty"`
	ConnectionID         string                       `json:"connectionId,omitempty" yaml:"connectionId,omitempty"`
	PayloadFormatVersion string                       `json:"payloadFormatVersion,omitempty" yaml:"payloadFormatVersion,omitempty"`
	TimeoutInMillis      int                          `json:"timeoutInMillis,omitempty" yaml:"timeoutInMillis,omitempty"`
	TLSConfig            *TLSConfig                   `json:"tlsConfig,omitempty" yaml:"tlsConfig,omitempty"`
	RequestParameters    map[string]string            `json:"requestParameters,omitempty" yaml:"requestParameters,omitempty"`
	ResponseParameters   map[string]map[string]string `json:"responseParameters,omitempty" yaml:"responseParameters,omitempty"`
	Description          string                       `json:"description,omitempty" yaml:"description,omitempty"`
	// Ref is "$ref" to an entry of components.x-amazon-apigateway-integrations.
	Ref string `json:"$ref,omitempty" yaml:"$ref,omitempty"`
}

// integrationKeys are the members oasIntegration reads; any other is a
// warning.
var integrationKeys = []string{"type", "httpMethod", "uri", "integrationUri", "connectionType", "connectionId",
	"payloadFormatVersion", "timeoutInMillis", "tlsConfig", "requestParameters", "responseParameters", "description", "$ref"}

// oasAuthorizer is x-amazon-apigateway-authorizer: a JWT authorizer's
// (type jwt) or a Lambda authorizer's (type request).
type oasAuthorizer struct {
	Type                           string            `json:"type" yaml:"type"`
	IdentitySource                 string            `json:"identitySource" yaml:"identitySource"`
	JWTConfiguration               *JWTConfiguration `json:"jwtConfiguration,omitempty" yaml:"jwtConfiguration,omitempty"`
	AuthorizerURI                  string            `json:"authorizerUri,omitempty" yaml:"authorizerUri,omitempty"`
	AuthorizerCredentials          string            `json:"authorizerCredentials,omitempty" yaml:"authorizerCredentials,omitempty"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion,omitempty" yaml:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds,omitempty" yaml:"authorizerResultTtlInSeconds,omitempty"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses,omitempty" yaml:"enableSimpleResponses,omitempty"`
}

// The parsed plan of an import: what the API will hold, not yet checked
// against the store.
type importPlan struct {
	name, description, version string
	cors                       *Cors
	authorizers                []planAuthorizer
	integrations               []*model.Integration
	routes                     []planRoute
	warnings                   []string
}

type planAuthorizer struct {
	name   string
	source []string
	jwt    *JWTConfiguration
	// lambda is a Lambda authorizer's extension, nil for a JWT one.
	lambda *oasAuthorizer
}

type planRoute struct {
	key           string
	integration   int // index in integrations, -1 for none
	authorizer    string
	authType      string // JWT or CUSTOM, with an authorizer
	scopes        []string
	operationName string
}

// parseError is an import's BadRequestException.
func parseError(format string, args ...any) error {
	return badRequest("Unable to import the OpenAPI definition: "+format, args...)
}

// parseOpenAPI reads body, JSON or YAML, into a plan. basepath is how the
// servers' base path joins the route paths: ignore, prepend or split.
func parseOpenAPI(body, basepath string) (*importPlan, error) {
	if strings.TrimSpace(body) == "" {
		return nil, badRequest("body is required: it is the OpenAPI definition.")
	}
	switch basepath {
	case "", "ignore", "prepend", "split":
	default:
		return nil, badRequest("Invalid basepath %q: it must be ignore, prepend or split.", basepath)
	}
	var raw any
	if err := yaml.Unmarshal([]byte(body), &raw); err != nil {
		return nil, parseError("the body is neither JSON nor YAML: %v", err)
	}
	doc, ok := normalize(raw).(map[string]any)
	if !ok {
		return nil, parseError("the body is not an OpenAPI object.")
	}
	if v, ok := doc["swagger"]; ok {
		return nil, parseError("swagger %v (OpenAPI 2.0) is not supported by gatehouse: use OpenAPI 3.0.", v)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		return nil, parseError("the openapi member must name a 3.x version, such as 3.0.1.")
	}
	p := &importPlan{}
	info, _ := doc["info"].(map[string]any)
	p.name = str(info["title"])
	if p.name == "" {
		return nil, parseError("info.title is required: it is the API's name.")
	}
	p.version, p.description = str(info["version"]), str(info["description"])
	if v, ok := doc[xVersion]; ok && str(v) != importVersion {
		return nil, parseError("%s %q is not supported: it must be %s.", xVersion, str(v), importVersion)
	}
	if v, ok := doc[xCors]; ok {
		p.cors = new(Cors)
		if err := recode(v, p.cors); err != nil {
			return nil, parseError("%s: %v", xCors, err)
		}
	}
	if v, ok := doc[xRouteSelect]; ok && str(v) != routeSelection {
		return nil, parseError("%s %q is not supported: an HTTP API takes only %s.", xRouteSelect, str(v), routeSelection)
	}
	for _, k := range sortedKeys(doc) {
		if strings.HasPrefix(k, xPrefix) && k != xCors && k != xVersion && k != xRouteSelect {
			p.warn("Parse issue: attribute %s is unexpected", k)
		}
	}
	comps, _ := doc["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	authType := map[string]string{} // JWT or CUSTOM, by scheme name
	for _, name := range sortedKeys(schemes) {
		sch, _ := schemes[name].(map[string]any)
		ext, ok := sch[xAuthorizer]
		if !ok {
			p.warn("Security scheme '%s' has no %s and is ignored", name, xAuthorizer)
			continue
		}
		var a oasAuthorizer
		if err := recode(ext, &a); err != nil {
			return nil, parseError("components.securitySchemes.%s.%s: %v", name, xAuthorizer, err)
		}
		pa := planAuthorizer{name: name, source: splitSources(a.IdentitySource), jwt: a.JWTConfiguration}
		switch {
		case strings.EqualFold(a.Type, "jwt"):
			authType[name] = "JWT"
		case strings.EqualFold(a.Type, "request"):
			pa.jwt, pa.lambda = nil, &a
			authType[name] = "CUSTOM"
		default:
			return nil, parseError("components.securitySchemes.%s: authorizer type %q is not supported: gatehouse serves jwt and request authorizers.", name, a.Type)
		}
		p.authorizers = append(p.authorizers, pa)
	}
	shared := map[string]int{}
	sharedDefs, _ := comps[xIntegrations].(map[string]any)
	integration := func(v any, where string) (int, error) {
		m, _ := v.(map[string]any)
		if m == nil {
			return 0, parseError("%s must be an object.", where)
		}
		if ref, ok := m["$ref"]; ok {
			name, ok := strings.CutPrefix(str(ref), "#/components/"+xIntegrations+"/")
			if !ok || sharedDefs[name] == nil {
				return 0, parseError("%s: $ref %q names no entry of components.%s.", where, str(ref), xIntegrations)
			}
			if i, ok := shared[name]; ok {
				return i, nil
			}
			i, err := p.integration(sharedDefs[name], "components."+xIntegrations+"."+name)
			shared[name] = i
			return i, err
		}
		return p.integration(m, where)
	}
	var global []map[string][]string
	if v, ok := doc["security"]; ok {
		if err := recode(v, &global); err != nil {
			return nil, parseError("security: %v", err)
		}
	}
	base, err := basePath(doc, basepath)
	if err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, path := range sortedKeys(paths) {
		item, _ := paths[path].(map[string]any)
		for _, key := range sortedKeys(item) {
			method := ""
			switch key {
			case "get", "put", "post", "delete", "options", "head", "patch":
				method = strings.ToUpper(key)
			case xAnyMethod:
				method = "ANY"
			case "parameters", "summary", "description", "servers", "$ref":
				continue
			default:
				p.warn("Parse issue: attribute paths.'%s'.%s is unexpected", path, key)
				continue
			}
			op, _ := item[key].(map[string]any)
			where := fmt.Sprintf("paths.'%s'(%s)", path, key)
			r := planRoute{integration: -1, operationName: str(op["operationId"])}
			if path == defaultRouteOp || path == "$default" {
				if method != "ANY" {
					return nil, parseError("%s: the $default route takes %s only.", where, xAnyMethod)
				}
				r.key = "$default"
			} else {
				r.key = method + " " + base + path
			}
			if v, ok := op[xIntegration]; ok {
				if r.integration, err = integration(v, where+"."+xIntegration); err != nil {
					return nil, err
				}
			}
			sec := global
			if v, ok := op["security"]; ok {
				sec = nil
				if err := recode(v, &sec); err != nil {
					return nil, parseError("%s.security: %v", where, err)
				}
			}
			for _, req := range sec {
				for _, name := range sortedKeys(req) {
					if authType[name] == "" {
						p.warn("%s.security names '%s', which is no authorizer of the definition: the route is imported without it", where, name)
						continue
					}
					if r.authorizer != "" {
						p.warn("%s.security names more than one authorizer: the route takes '%s'", where, r.authorizer)
						continue
					}
					r.authorizer, r.authType, r.scopes = name, authType[name], req[name]
					if r.authType == "CUSTOM" {
						r.scopes = nil // a Lambda authorizer's requirement lists no scopes
					}
				}
			}
			p.routes = append(p.routes, r)
		}
	}
	return p, nil
}

// integration reads one x-amazon-apigateway-integration into the plan and
// answers its index.
func (p *importPlan) integration(v any, where string) (int, error) {
	m, _ := v.(map[string]any)
	if m == nil {
		return 0, parseError("%s must be an object.", where)
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(integrationKeys, k) {
			p.warn("Parse issue: attribute %s.%s is unexpected", where, k)
		}
	}
	// YAML reads an unquoted mapping value such as 410 as a number;
	// mappings are text.
	if rp, ok := m["requestParameters"].(map[string]any); ok {
		stringValues(rp)
	}
	if rp, ok := m["responseParameters"].(map[string]any); ok {
		for _, v := range rp {
			if code, ok := v.(map[string]any); ok {
				stringValues(code)
			}
		}
	}
	var o oasIntegration
	if err := recode(m, &o); err != nil {
		return 0, parseError("%s: %v", where, err)
	}
	if o.URI == "" {
		o.URI = str(m["integrationUri"])
	}
	i := &model.Integration{
		Type:                 strings.ToUpper(o.Type),
		ConnectionType:       strings.ToUpper(o.ConnectionType),
		ConnectionID:         o.ConnectionID,
		URI:                  o.URI,
		Method:               strings.ToUpper(o.HTTPMethod),
		PayloadFormatVersion: o.PayloadFormatVersion,
		TimeoutMillis:        o.TimeoutInMillis,
		RequestParameters:    withoutEmpty(o.RequestParameters),
		ResponseParameters:   mergeResponseParameters(nil, o.ResponseParameters),
		Description:          o.Description,
	}
	if i.ConnectionType == "" {
		i.ConnectionType = "INTERNET"
	}
	if i.TimeoutMillis == 0 {
		i.TimeoutMillis = defaultTimeout
	}
	if i.PayloadFormatVersion == "" {
		// As on AWS: a Lambda proxy defaults to the 2.0 format, an HTTP
		// proxy takes only 1.0.
		i.PayloadFormatVersion = "1.0"
		if i.Type == "AWS_PROXY" {
			i.PayloadFormatVersion = "2.0"
		}
	}
	if o.TLSConfig != nil {
		i.TLSServerName = deref(o.TLSConfig.ServerNameToVerify)
	}
	if err := checkRequestParameters(o.RequestParameters); err != nil {
		return 0, err
	}
	if err := checkResponseParameters(o.ResponseParameters); err != nil {
		return 0, err
	}
	p.integrations = append(p.integrations, i)
	return len(p.integrations) - 1, nil
}

func (p *importPlan) warn(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// basePath is the prefix the servers' base path gives every route path:
// none when ignored, the whole base path when prepended, all but its
// first segment when split.
func basePath(doc map[string]any, mode string) (string, error) {
	if mode == "" || mode == "ignore" {
		return "", nil
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) == 0 {
		return "", nil
	}
	srv, _ := servers[0].(map[string]any)
	var base string
	vars, _ := srv["variables"].(map[string]any)
	if bp, ok := vars["basePath"].(map[string]any); ok {
		base = str(bp["default"])
	} else if u, err := url.Parse(strings.ReplaceAll(str(srv["url"]), "{", "")); err == nil {
		base = u.Path
	}
	base = "/" + strings.Trim(base, "/")
	if mode == "split" {
		if _, rest, ok := strings.Cut(strings.TrimPrefix(base, "/"), "/"); ok {
			base = "/" + rest
		} else {
			base = "/"
		}
	}
	return strings.TrimSuffix(base, "/"), nil
}

// splitSources reads an identitySource, which the extension gives as one
// comma-separated string.
func splitSources(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// normalize turns what YAML decoding gives into JSON's shapes: maps keyed
// by strings (a YAML key such as 200 becomes "200").
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalize(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = normalize(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = normalize(x)
		}
		return t
	}
	return v
}

// stringValues makes m's scalar values text.
func stringValues(m map[string]any) {
	for k, v := range m {
		switch v.(type) {
		case int, float64, bool:
			m[k] = str(v)
		}
	}
}

// recode decodes a normalized value into out through JSON, so that the
// wire types' json tags read the document.
func recode(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	return fmt.Sprint(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
