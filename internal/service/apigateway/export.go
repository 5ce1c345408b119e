package apigateway

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/schema"
)

type GetExportInput struct {
	RestAPIID  string            `path:"restApiId" json:"-"`
	StageName  string            `path:"stageName" json:"-"`
	ExportType string            `path:"exportType" json:"-"`
	Accepts    string            `header:"Accept" json:"-"`
	Parameters map[string]string `querystring:"*" json:"-"`
}

// Export is a stage's API as a document, sent as it is rather than as
// JSON members.
type Export struct {
	ContentType string
	Body        []byte
}

// Payload gives the wire layer the document and its content type.
func (e *Export) Payload() ([]byte, string) { return e.Body, e.ContentType }

// exportExtensions are the values of the extensions parameter AWS knows.
var exportExtensions = []string{"integrations", "authorizers", "apigateway", "postman"}

// GetExport writes the API a stage serves, its deployment's tree, models,
// validators and gateway responses, as OpenAPI 3.0 (oas30) or Swagger 2.0
// (swagger), in JSON or YAML as Accept asks. The extensions parameter adds
// API Gateway's: integrations the x-amazon-apigateway-integration of each
// method, apigateway every extension gatehouse keeps.
func (s *Service) GetExport(ctx context.Context, in *GetExportInput) (*Export, error) {
	if err := checkEnum("getExportInput.exportType", in.ExportType, []string{"oas30", "swagger"}); err != nil {
		return nil, err
	}
	yamlOut := false
	switch in.Accepts {
	case "", "application/json", "*/*":
	case "application/yaml":
		yamlOut = true
	default:
		return nil, badRequest("Invalid accept type specified: %s; it must be application/json or application/yaml", in.Accepts)
	}
	var ext struct{ integrations, authorizers, apigateway bool }
	if v := in.Parameters["extensions"]; v != "" {
		for _, e := range strings.Split(v, ",") {
			switch e = strings.TrimSpace(e); e {
			case "integrations":
				ext.integrations = true
			case "apigateway":
				ext.integrations, ext.authorizers, ext.apigateway = true, true, true
			case "authorizers":
				ext.authorizers = true
			case "postman":
				return nil, badRequest("gatehouse does not export Postman extensions; use integrations, authorizers or apigateway")
			default:
				return nil, enumError("extensions", e, exportExtensions)
			}
		}
	}
	var (
		a  *model.RestAPI
		d  *model.RestDeployment
		st *model.RestStage
	)
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		if a, err = getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		if st, err = getStage(ctx, tx, a.ID, in.StageName); err != nil {
			return err
		}
		d, err = getDeployment(ctx, tx, a.ID, st.DeploymentID)
		return err
	})
	if err != nil {
		return nil, err
	}
	x := exporter{v3: in.ExportType == "oas30", integrations: ext.integrations, authorizers: ext.authorizers, apigateway: ext.apigateway,
		apiID: a.ID, region: api.MetaFrom(ctx).Region}
	doc := x.document(a, d, st)
	out := &Export{ContentType: "application/json"}
	if yamlOut {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		out.Body, out.ContentType = buf.Bytes(), "application/yaml"
	} else if out.Body, err = json.MarshalIndent(doc, "", "  "); err != nil {
		return nil, err
	}
	return out, nil
}

type exporter struct {
	v3, integrations, authorizers, apigateway bool
	apiID, region                             string
	// authorizerNames are the deployment's authorizers' names by id: a
	// CUSTOM method's security requirement names its authorizer's scheme.
	authorizerNames map[string]string
}

func (x exporter) ref(name string) string {
	if x.v3 {
		return "#/components/schemas/" + name
	}
	return "#/definitions/" + name
}

func (x exporter) document(a *model.RestAPI, d *model.RestDeployment, st *model.RestStage) ordered {
	var doc ordered
	version := a.Version
	if version == "" {
		version = d.CreatedDate.UTC().Format(time.RFC3339)
	}
	info := ordered{}
	if a.Description != "" {
		info = info.add("description", a.Description)
	}
	info = info.add("title", a.Name).add("version", version)
	host := x.apiID + ".execute-api." + x.region + ".amazonaws.com"
	if x.v3 {
		doc = doc.add("openapi", "3.0.1").add("info", info).add("servers", []any{ordered{}.
			add("url", "https://"+host+"/{basePath}").
			add("variables", ordered{}.add("basePath", ordered{}.add("default", st.Name)))})
	} else {
		doc = doc.add("swagger", "2.0").add("info", info).add("host", host).
			add("basePath", "/"+st.Name).add("schemes", []any{"https"})
	}
	x.authorizerNames = map[string]string{}
	for _, z := range d.Authorizers {
		x.authorizerNames[z.ID] = z.Name
	}
	validatorNames := map[string]string{}
	for _, v := range d.Validators {
		validatorNames[v.ID] = v.Name
	}
	resources := slices.Clone(d.Resources)
	slices.SortFunc(resources, func(p, q model.RestResource) int { return strings.Compare(p.Path, q.Path) })
	paths := ordered{}
	apiKeys := false
	for _, r := range resources {
		if len(r.Methods) == 0 {
			continue
		}
		item := ordered{}
		for _, verb := range sortedKeys(r.Methods) {
			m := r.Methods[verb]
			apiKeys = apiKeys || m.APIKeyRequired
			key := strings.ToLower(verb)
			if verb == "ANY" {
				key = "x-amazon-apigateway-any-method"
			}
			item = item.add(key, x.operation(r.ID, m, validatorNames))
		}
		paths = paths.add(r.Path, item)
	}
	doc = doc.add("paths", paths)
	schemas := ordered{}
	models := slices.Clone(d.Models)
	slices.SortFunc(models, func(p, q model.RestModel) int { return strings.Compare(p.Name, q.Name) })
	for _, m := range models {
		var v any
		if err := json.Unmarshal([]byte(m.Schema), &v); err != nil {
			continue // every stored schema compiled; this cannot happen
		}
		schemas = schemas.add(m.Name, x.localRefs(v))
	}
	security := ordered{}
	if apiKeys {
		security = security.add("api_key", ordered{}.add("type", "apiKey").add("name", "x-api-key").add("in", "header"))
	}
	security = append(security, x.authorizerSchemes(d)...)
	if x.v3 {
		components := ordered{}
		if len(schemas) > 0 {
			components = components.add("schemas", schemas)
		}
		if len(security) > 0 {
			components = components.add("securitySchemes", security)
		}
		if len(components) > 0 {
			doc = doc.add("components", components)
		}
	} else {
		if len(schemas) > 0 {
			doc = doc.add("definitions", schemas)
		}
		if len(security) > 0 {
			doc = doc.add("securityDefinitions", security)
		}
	}
	if !x.apigateway {
		return doc
	}
	if a.APIKeySource != "" {
		doc = doc.add("x-amazon-apigateway-api-key-source", a.APIKeySource)
	}
	if len(d.BinaryMediaTypes) > 0 {
		doc = doc.add("x-amazon-apigateway-binary-media-types", d.BinaryMediaTypes)
	}
	if len(d.Validators) > 0 {
		vals := ordered{}
		validators := slices.Clone(d.Validators)
		slices.SortFunc(validators, func(p, q model.RestRequestValidator) int { return strings.Compare(p.Name, q.Name) })
		for _, v := range validators {
			vals = vals.add(v.Name, ordered{}.add("validateRequestBody", v.ValidateRequestBody).
				add("validateRequestParameters", v.ValidateRequestParameters))
		}
		doc = doc.add("x-amazon-apigateway-request-validators", vals)
	}
	if len(d.GatewayResponses) > 0 {
		grs := ordered{}
		responses := slices.Clone(d.GatewayResponses)
		slices.SortFunc(responses, func(p, q model.RestGatewayResponse) int { return strings.Compare(p.ResponseType, q.ResponseType) })
		for _, g := range responses {
			o := ordered{}
			if g.StatusCode != "" {
				o = o.add("statusCode", g.StatusCode)
			}
			if len(g.ResponseParameters) > 0 {
				o = o.add("responseParameters", g.ResponseParameters)
			}
			if len(g.ResponseTemplates) > 0 {
				o = o.add("responseTemplates", g.ResponseTemplates)
			}
			grs = grs.add(g.ResponseType, o)
		}
		doc = doc.add("x-amazon-apigateway-gateway-responses", grs)
	}
	return doc
}

func (x exporter) operation(resourceID string, m *model.RestMethod, validatorNames map[string]string) ordered {
	op := ordered{}
	if m.OperationName != "" {
		op = op.add("operationId", m.OperationName)
	}
	var params []any
	for _, k := range sortedKeys(m.RequestParameters) {
		rest, _ := strings.CutPrefix(k, "method.request.")
		where, name, _ := strings.Cut(rest, ".")
		in := map[string]string{"path": "path", "querystring": "query", "header": "header"}[where]
		if in == "" {
			continue
		}
		p := ordered{}.add("name", name).add("in", in).add("required", m.RequestParameters[k])
		if x.v3 {
			p = p.add("schema", ordered{}.add("type", "string"))
		} else {
			p = p.add("type", "string")
		}
		params = append(params, p)
	}
	if !x.v3 {
		if name, ok := m.RequestModels["application/json"]; ok {
			params = append(params, ordered{}.add("in", "body").add("name", name).add("required", true).
				add("schema", ordered{}.add("$ref", x.ref(name))))
		}
	}
	if len(params) > 0 {
		op = op.add("parameters", params)
	}
	if x.v3 && len(m.RequestModels) > 0 {
		content := ordered{}
		for _, ct := range sortedKeys(m.RequestModels) {
			content = content.add(ct, ordered{}.add("schema", ordered{}.add("$ref", x.ref(m.RequestModels[ct]))))
		}
		op = op.add("requestBody", ordered{}.add("content", content).add("required", true))
	}
	responses := ordered{}
	for _, code := range sortedKeys(m.MethodResponses) {
		mr := m.MethodResponses[code]
		r := ordered{}.add("description", code+" response")
		if len(mr.ResponseParameters) > 0 {
			headers := ordered{}
			for _, k := range sortedKeys(mr.ResponseParameters) {
				h, ok := strings.CutPrefix(k, "method.response.header.")
				if !ok {
					continue
				}
				if x.v3 {
					headers = headers.add(h, ordered{}.add("schema", ordered{}.add("type", "string")))
				} else {
					headers = headers.add(h, ordered{}.add("type", "string"))
				}
			}
			r = r.add("headers", headers)
		}
		if len(mr.ResponseModels) > 0 {
			if x.v3 {
				content := ordered{}
				for _, ct := range sortedKeys(mr.ResponseModels) {
					content = content.add(ct, ordered{}.add("schema", ordered{}.add("$ref", x.ref(mr.ResponseModels[ct]))))
				}
				r = r.add("content", content)
			} else if name, ok := mr.ResponseModels["application/json"]; ok {
				r = r.add("schema", ordered{}.add("$ref", x.ref(name)))
			}
		}
		responses = responses.add(code, r)
	}
	op = op.add("responses", responses)
	var security []any
	if m.APIKeyRequired {
		security = append(security, ordered{}.add("api_key", []any{}))
	}
	if name, ok := x.authorizerNames[m.AuthorizerID]; ok && m.AuthorizationType == "CUSTOM" {
		security = append(security, ordered{}.add(name, []any{}))
	}
	if len(security) > 0 {
		op = op.add("security", security)
	}
	if x.apigateway && m.RequestValidatorID != "" {
		op = op.add("x-amazon-apigateway-request-validator", validatorNames[m.RequestValidatorID])
	}
	if x.integrations && m.Integration != nil {
		op = op.add("x-amazon-apigateway-integration", integrationExport(resourceID, m.Integration))
	}
	return op
}

// integrationExport writes an integration as AWS does, type and
// passthrough behaviour in lower case. A cache namespace that is the
// resource's id, the default, is left out: an import gives it the new
// resource's.
func integrationExport(resourceID string, ig *model.RestIntegration) ordered {
	o := ordered{}.add("type", strings.ToLower(ig.Type))
	if ig.Credentials != "" {
		o = o.add("credentials", ig.Credentials)
	}
	if ig.HTTPMethod != "" {
		o = o.add("httpMethod", ig.HTTPMethod)
	}
	if ig.URI != "" {
		o = o.add("uri", ig.URI)
	}
	if ig.ConnectionType == "VPC_LINK" {
		o = o.add("connectionType", ig.ConnectionType).add("connectionId", ig.ConnectionID)
		if ig.IntegrationTarget != "" {
			o = o.add("integrationTarget", ig.IntegrationTarget)
		}
	}
	if len(ig.IntegrationResponses) > 0 {
		rs := ordered{}
		for _, code := range sortedKeys(ig.IntegrationResponses) {
			ir := ig.IntegrationResponses[code]
			r := ordered{}.add("statusCode", ir.StatusCode)
			if len(ir.ResponseParameters) > 0 {
				r = r.add("responseParameters", ir.ResponseParameters)
			}
			if len(ir.ResponseTemplates) > 0 {
				r = r.add("responseTemplates", ir.ResponseTemplates)
			}
			if ir.ContentHandling != "" {
				r = r.add("contentHandling", ir.ContentHandling)
			}
			pattern := ir.SelectionPattern
			if pattern == "" {
				pattern = "default"
			}
			rs = rs.add(pattern, r)
		}
		o = o.add("responses", rs)
	}
	if len(ig.RequestParameters) > 0 {
		o = o.add("requestParameters", ig.RequestParameters)
	}
	if len(ig.RequestTemplates) > 0 {
		o = o.add("requestTemplates", ig.RequestTemplates)
	}
	if ig.PassthroughBehavior != "" {
		o = o.add("passthroughBehavior", strings.ToLower(ig.PassthroughBehavior))
	}
	if ig.ContentHandling != "" {
		o = o.add("contentHandling", ig.ContentHandling)
	}
	o = o.add("timeoutInMillis", ig.TimeoutMillis)
	if ig.CacheNamespace != "" && ig.CacheNamespace != resourceID {
		o = o.add("cacheNamespace", ig.CacheNamespace)
	}
	if len(ig.CacheKeyParameters) > 0 {
		o = o.add("cacheKeyParameters", ig.CacheKeyParameters)
	}
	return o
}

// localRefs turns model URLs of this API back into references within the
// document.
func (x exporter) localRefs(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok && k == "$ref" {
				if name, ok := strings.CutPrefix(s, schema.ModelURL(x.apiID, "")); ok {
					t[k] = x.ref(name)
					continue
				}
			}
			t[k] = x.localRefs(e)
		}
	case []any:
		for i, e := range t {
			t[i] = x.localRefs(e)
		}
	}
	return v
}

// ordered is a JSON or YAML object whose members keep the order they were
// added in, so an export reads as AWS's does: openapi, info, paths, ...
type ordered []member

type member struct {
	key string
	val any
}

func (o ordered) add(k string, v any) ordered { return append(o, member{k, v}) }

func (o ordered) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		buf.Write(k)
		buf.WriteByte(':')
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m.val); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (o ordered) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, m := range o {
		var v yaml.Node
		if err := v.Encode(m.val); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: m.key}, &v)
	}
	return n, nil
}
