package apigateway

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/schema"
)

// ImportRestApi, PutRestApi: a REST API read from an OpenAPI 3.0 or
// Swagger 2.0 document, JSON or YAML, with API Gateway's extensions. The
// document is read whole into a plan first; the plan is then written in one
// transaction, each part checked by the same rules the single operations
// apply, so a bad document changes nothing.

type ImportRestApiInput struct {
	FailOnWarnings bool              `querystring:"failonwarnings" json:"-"`
	Parameters     map[string]string `querystring:"*" json:"-"`
	Body           []byte            `payload:"" json:"-"`
}

type PutRestApiInput struct {
	RestAPIID      string            `path:"restApiId" json:"-"`
	Mode           string            `querystring:"mode" json:"-"`
	FailOnWarnings bool              `querystring:"failonwarnings" json:"-"`
	Parameters     map[string]string `querystring:"*" json:"-"`
	Body           []byte            `payload:"" json:"-"`
}

// ImportedRestApi is the API as imported, with what was left out.
type ImportedRestApi struct {
	RestApi
	Warnings []string `json:"warnings,omitempty"`
}

// oasPlan is a document read into gatehouse's records, not yet written.
type oasPlan struct {
	name, description, version string
	apiKeySource               string
	binaryMediaTypes           []string
	endpointTypes              []string
	models                     []model.RestModel
	validators                 []model.RestRequestValidator
	gatewayResponses           []model.RestGatewayResponse
	authorizers                []model.RestAuthorizer
	paths                      []oasPath // sorted, so parents come first
	warnings                   []string
}

type oasPath struct {
	path    string
	methods map[string]*oasMethod
}

type oasMethod struct {
	m         *model.RestMethod
	validator string // by name, resolved to an id when written
	// authorizer names the method's authorizer's scheme, resolved to an
	// id when written.
	authorizer string
}

// importError is AWS's answer to a document it cannot import.
func importError(format string, args ...any) error {
	return badRequest("Errors found during import:\n\t"+format, args...)
}

func (s *Service) ImportRestApi(ctx context.Context, in *ImportRestApiInput) (*ImportedRestApi, error) {
	p, err := readOpenAPI(in.Body, in.Parameters)
	if err != nil {
		return nil, err
	}
	if err := p.checkWarnings(in.FailOnWarnings); err != nil {
		return nil, err
	}
	now := s.now()
	return s.applyPlan(ctx, p, "overwrite", func(tx model.Tx) (*model.RestAPI, error) {
		a := &model.RestAPI{CreatedDate: now, EndpointTypes: p.endpointTypes, APIKeySource: "HEADER"}
		return a, putNewAPI(tx, a)
	})
}

func (s *Service) PutRestApi(ctx context.Context, in *PutRestApiInput) (*ImportedRestApi, error) {
	mode := in.Mode
	if mode == "" {
		mode = "merge"
	}
	if err := checkEnum("putRestApiInput.mode", mode, []string{"merge", "overwrite"}); err != nil {
		return nil, err
	}
	p, err := readOpenAPI(in.Body, in.Parameters)
	if err != nil {
		return nil, err
	}
	if err := p.checkWarnings(in.FailOnWarnings); err != nil {
		return nil, err
	}
	return s.applyPlan(ctx, p, mode, func(tx model.Tx) (*model.RestAPI, error) {
		return getAPI(ctx, tx, in.RestAPIID)
	})
}

func (p *oasPlan) checkWarnings(fail bool) error {
	if fail && len(p.warnings) > 0 {
		return badRequest("Warnings found during import:\n\t%s", strings.Join(p.warnings, "\n\t"))
	}
	return nil
}

// applyPlan writes p, in one transaction, into the API that target finds
// or makes. overwrite replaces the API's resources, models, validators and
// gateway responses with the document's; merge adds the document's and
// replaces only the methods, models, validators and responses it names.
func (s *Service) applyPlan(ctx context.Context, p *oasPlan, mode string, target func(model.Tx) (*model.RestAPI, error)) (*ImportedRestApi, error) {
	var a *model.RestAPI
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if a, err = target(tx); err != nil {
			return err
		}
		a.Name = p.name
		if p.description != "" || mode == "overwrite" {
			a.Description = p.description
		}
		if p.version != "" || mode == "overwrite" {
			a.Version = p.version
		}
		if p.apiKeySource != "" {
			a.APIKeySource = p.apiKeySource
		} else if mode == "overwrite" {
			a.APIKeySource = "HEADER"
		}
		if mode == "overwrite" {
			a.BinaryMediaTypes = p.binaryMediaTypes
		} else {
			for _, t := range p.binaryMediaTypes {
				if !slices.Contains(a.BinaryMediaTypes, t) {
					a.BinaryMediaTypes = append(a.BinaryMediaTypes, t)
				}
			}
		}
		if err := model.Put(tx, a); err != nil {
			return err
		}
		if mode == "overwrite" {
			if err := clearAPI(tx, a); err != nil {
				return err
			}
		}
		if err := writeModels(tx, a.ID, p.models); err != nil {
			return err
		}
		validatorIDs, err := writeValidators(tx, a.ID, p.validators)
		if err != nil {
			return err
		}
		for _, g := range p.gatewayResponses {
			g.APIID = a.ID
			if err := checkGatewayResponse(&g); err != nil {
				return importError("Unable to put gateway response %s: %s", g.ResponseType, errText(err))
			}
			if err := model.Put(tx, &g); err != nil {
				return err
			}
		}
		if err := writeAuthorizers(tx, a.ID, p); err != nil {
			return err
		}
		return writePaths(tx, a, p.paths, validatorIDs)
	})
	if err != nil {
		return nil, err
	}
	return &ImportedRestApi{RestApi: *restAPIShape(a), Warnings: p.warnings}, nil
}

// clearAPI removes everything an overwrite replaces: every resource but
// the root, the root's methods, models, validators and gateway responses.
// Deployments and stages stay, as on AWS: they serve the old tree until the
// next deployment.
func clearAPI(tx model.Tx, a *model.RestAPI) error {
	resources, err := apiResources(tx, a.ID)
	if err != nil {
		return err
	}
	for _, r := range resources {
		if r.ID == a.RootResourceID {
			r.Methods = nil
			if err := model.Put(tx, r); err != nil {
				return err
			}
			continue
		}
		if err := model.Delete(tx, r); err != nil {
			return err
		}
	}
	if err := deleteValidation(tx, a.ID); err != nil {
		return err
	}
	return putDefaultModels(tx, a.ID)
}

func writeModels(tx model.Tx, apiID string, models []model.RestModel) error {
	for i := range models {
		m := &models[i]
		m.APIID = apiID
		m.Schema = strings.ReplaceAll(m.Schema, modelRefPlaceholder, schema.ModelURL(apiID, ""))
		m.Schema = defaultModelText(m.Name, m.Schema)
		old, ok, err := model.Get[model.RestModel](tx, apiID+"/"+m.Name)
		if err != nil {
			return err
		}
		if ok {
			m.ID = old.ID
		} else {
			m.ID = randomID(shortID)
		}
		if err := model.Put(tx, m); err != nil {
			return err
		}
	}
	// Checked once all are in, since models may refer to one another.
	for _, m := range models {
		if err := checkSchema(tx, apiID, m.Name, m.Schema); err != nil {
			return importError("Unable to create model '%s': %s", m.Name, errText(err))
		}
	}
	return nil
}

// defaultModelText keeps AWS's own text of a default model that a
// document repeats, as an export does, so that the model reads the same.
func defaultModelText(name, src string) string {
	for _, d := range defaultModels {
		if d.Name != name {
			continue
		}
		var a, b any
		if json.Unmarshal([]byte(src), &a) == nil && json.Unmarshal([]byte(d.Schema), &b) == nil && reflect.DeepEqual(a, b) {
			return d.Schema
		}
	}
	return src
}

func writeValidators(tx model.Tx, apiID string, validators []model.RestRequestValidator) (map[string]string, error) {
	existing, err := apiValidators(tx, apiID)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]string, len(validators))
	for _, v := range validators {
		v.APIID = apiID
		for _, o := range existing {
			if o.Name == v.Name {
				v.ID = o.ID
			}
		}
		if v.ID == "" {
			v.ID, err = freshID(shortID, func(id string) (bool, error) {
				_, ok, err := model.Get[model.RestRequestValidator](tx, apiID+"/"+id)
				return ok, err
			})
			if err != nil {
				return nil, err
			}
		}
		if err := model.Put(tx, &v); err != nil {
			return nil, err
		}
		ids[v.Name] = v.ID
	}
	return ids, nil
}

// writePaths makes each path's resources as needed and puts its methods,
// checking each as PutMethod, PutIntegration and PutIntegrationResponse
// would.
func writePaths(tx model.Tx, a *model.RestAPI, paths []oasPath, validatorIDs map[string]string) error {
	resources, err := apiResources(tx, a.ID)
	if err != nil {
		return err
	}
	byPath := make(map[string]*model.RestResource, len(resources))
	for _, r := range resources {
		byPath[r.Path] = r
	}
	for _, op := range paths {
		r, err := ensureResource(tx, a.ID, op.path, byPath)
		if err != nil {
			return err
		}
		for _, verb := range sortedKeys(op.methods) {
			om := op.methods[verb]
			m := om.m
			if om.validator != "" {
				id, ok := validatorIDs[om.validator]
				if !ok {
					return importError("Unable to put method '%s' on resource at path '%s': Invalid Request Validator identifier specified: %s", verb, op.path, om.validator)
				}
				m.RequestValidatorID = id
			}
			if err := checkMethodRequestParams(m.RequestParameters); err != nil {
				return importError("Unable to put method '%s' on resource at path '%s': %s", verb, op.path, errText(err))
			}
			if err := checkMethodValidation(tx, a.ID, m); err != nil {
				return importError("Unable to put method '%s' on resource at path '%s': %s", verb, op.path, errText(err))
			}
			if ig := m.Integration; ig != nil {
				if err := checkIntegration(tx, "putIntegrationInput", r, m, ig); err != nil {
					return importError("Unable to put integration on '%s' for resource at path '%s': %s", verb, op.path, errText(err))
				}
				for _, code := range sortedKeys(ig.IntegrationResponses) {
					ir := ig.IntegrationResponses[code]
					mr, ok := m.MethodResponses[ir.StatusCode]
					if !ok {
						// AWS declares the method response an integration
						// response feeds when the document does not.
						mr = &model.RestMethodResponse{StatusCode: ir.StatusCode}
						if m.MethodResponses == nil {
							m.MethodResponses = map[string]*model.RestMethodResponse{}
						}
						m.MethodResponses[ir.StatusCode] = mr
					}
					if err := checkResponseMappings(mr, ir.ResponseParameters); err != nil {
						return importError("Unable to put integration response on '%s' for resource at path '%s': %s", verb, op.path, errText(err))
					}
					if err := checkTemplates(ir.ResponseTemplates); err != nil {
						return importError("Unable to put integration response on '%s' for resource at path '%s': %s", verb, op.path, errText(err))
					}
				}
			}
			if r.Methods == nil {
				r.Methods = map[string]*model.RestMethod{}
			}
			r.Methods[verb] = m
		}
		if err := model.Put(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// ensureResource returns the resource at path, making it and any missing
// parents.
func ensureResource(tx model.Tx, apiID, path string, byPath map[string]*model.RestResource) (*model.RestResource, error) {
	if r, ok := byPath[path]; ok {
		return r, nil
	}
	i := strings.LastIndex(path, "/")
	parentPath := path[:i]
	if parentPath == "" {
		parentPath = "/"
	}
	parent, err := ensureResource(tx, apiID, parentPath, byPath)
	if err != nil {
		return nil, err
	}
	part := path[i+1:]
	var siblings []*model.RestResource
	for _, r := range byPath {
		if r.ParentID == parent.ID {
			siblings = append(siblings, r)
		}
	}
	if err := checkPlace(part, parent, siblings); err != nil {
		return nil, importError("Unable to create resource at path '%s': %s", path, errText(err))
	}
	id, err := freshID(shortID, func(id string) (bool, error) {
		_, ok, err := model.Get[model.RestResource](tx, apiID+"/"+id)
		return ok, err
	})
	if err != nil {
		return nil, err
	}
	r := &model.RestResource{APIID: apiID, ID: id, ParentID: parent.ID, PathPart: part, Path: childPath(parent.Path, part)}
	if err := model.Put(tx, r); err != nil {
		return nil, err
	}
	byPath[r.Path] = r
	return r, nil
}

// errText is the message of an operation's error, to be quoted in the
// import's own.
func errText(err error) string { return api.AsError(err).Message }

// modelRefPlaceholder stands for the model URL prefix of an API whose id
// is not known while the document is read.
const modelRefPlaceholder = "#/x-gatehouse-models/"

// readOpenAPI reads a document into a plan, refusing what AWS refuses.
func readOpenAPI(body []byte, params map[string]string) (*oasPlan, error) {
	var raw any
	if err := yaml.Unmarshal(body, &raw); err != nil {
		return nil, badRequest("Invalid OpenAPI input.")
	}
	doc, ok := normalize(raw).(map[string]any)
	if !ok {
		return nil, badRequest("Invalid OpenAPI input.")
	}
	d := oasDoc(doc)
	v3 := strings.HasPrefix(d.str("openapi"), "3.")
	if !v3 && d.str("swagger") != "2.0" {
		return nil, badRequest("Invalid OpenAPI input.")
	}
	info := d.obj("info")
	p := &oasPlan{
		name:          info.str("title"),
		description:   info.str("description"),
		version:       info.str("version"),
		apiKeySource:  d.str("x-amazon-apigateway-api-key-source"),
		endpointTypes: []string{"EDGE"},
	}
	if p.name == "" {
		return nil, importError("Invalid REST API name specified: info.title is required")
	}
	if p.apiKeySource != "" {
		if err := checkEnum("x-amazon-apigateway-api-key-source", p.apiKeySource, apiKeySources); err != nil {
			return nil, importError("%s", errText(err))
		}
	}
	for _, t := range d.list("x-amazon-apigateway-binary-media-types") {
		if s, ok := t.(string); ok {
			p.binaryMediaTypes = append(p.binaryMediaTypes, s)
		}
	}
	if t := params["endpointConfigurationTypes"]; t != "" {
		p.endpointTypes = strings.Split(t, ",")
		if err := checkEndpointTypes(p.endpointTypes); err != nil {
			return nil, err
		}
	}
	prefix, err := basePrefix(d, v3, params["basepath"])
	if err != nil {
		return nil, err
	}
	// Models.
	schemas := d.obj("definitions")
	if v3 {
		schemas = d.obj("components").obj("schemas")
	}
	for _, name := range sortedKeys(schemas) {
		if !modelName.MatchString(name) {
			return nil, importError("Unable to create model '%s': Model name must be alphanumeric", name)
		}
		src, _ := json.Marshal(rewriteRefs(schemas[name]))
		p.models = append(p.models, model.RestModel{Name: name, ContentType: "application/json", Schema: string(src)})
	}
	// Request validators.
	vals := d.obj("x-amazon-apigateway-request-validators")
	for _, name := range sortedKeys(vals) {
		v := oasDoc(asObj(vals[name]))
		p.validators = append(p.validators, model.RestRequestValidator{Name: name,
			ValidateRequestBody: v.boolean("validateRequestBody"), ValidateRequestParameters: v.boolean("validateRequestParameters")})
	}
	defaultValidator := d.str("x-amazon-apigateway-request-validator")
	// Gateway responses.
	grs := d.obj("x-amazon-apigateway-gateway-responses")
	for _, t := range sortedKeys(grs) {
		g := oasDoc(asObj(grs[t]))
		if err := checkResponseType("x-amazon-apigateway-gateway-responses", t); err != nil {
			return nil, importError("%s", errText(err))
		}
		p.gatewayResponses = append(p.gatewayResponses, model.RestGatewayResponse{ResponseType: t,
			StatusCode: g.str("statusCode"), ResponseParameters: g.strMap("responseParameters"), ResponseTemplates: g.strMap("responseTemplates")})
	}
	apiKeyScheme := apiKeySchemes(d, v3)
	if err := readAuthorizers(p, d, v3); err != nil {
		return nil, err
	}
	paths := d.obj("paths")
	for _, path := range sortedKeys(paths) {
		item := oasDoc(asObj(paths[path]))
		full := strings.TrimSuffix(prefix+path, "/")
		if full == "" {
			full = "/"
		}
		if !strings.HasPrefix(full, "/") {
			return nil, importError("Invalid path specified: %s", path)
		}
		op := oasPath{path: full, methods: map[string]*oasMethod{}}
		for _, key := range sortedKeys(item) {
			verb := strings.ToUpper(key)
			if key == "x-amazon-apigateway-any-method" {
				verb = "ANY"
			} else if !slices.Contains([]string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"}, verb) {
				continue
			}
			om, err := readOperation(p, oasDoc(asObj(item[key])), item.list("parameters"), v3, apiKeyScheme, defaultValidator, verb, full)
			if err != nil {
				return nil, err
			}
			op.methods[verb] = om
		}
		p.paths = append(p.paths, op)
	}
	slices.SortFunc(p.paths, func(a, b oasPath) int { return strings.Compare(a.path, b.path) })
	return p, nil
}

// basePrefix is what the basepath parameter makes of the document's base
// path: ignore (AWS's default) drops it, prepend puts it before every path,
// split drops its first part and prepends the rest.
func basePrefix(d oasDoc, v3 bool, mode string) (string, error) {
	base := d.str("basePath")
	if v3 {
		if servers := d.list("servers"); len(servers) > 0 {
			srv := oasDoc(asObj(servers[0]))
			u := srv.str("url")
			if def := srv.obj("variables").obj("basePath").str("default"); def != "" {
				u = strings.ReplaceAll(u, "{basePath}", def)
			}
			if i := strings.Index(u, "://"); i >= 0 {
				u = u[i+3:]
				if j := strings.Index(u, "/"); j >= 0 {
					u = u[j:]
				} else {
					u = ""
				}
			}
			base = u
		}
	}
	base = "/" + strings.Trim(base, "/")
	switch mode {
	case "", "ignore":
		return "", nil
	case "prepend":
		return strings.TrimSuffix(base, "/"), nil
	case "split":
		parts := strings.SplitN(strings.TrimPrefix(base, "/"), "/", 2)
		if len(parts) < 2 {
			return "", nil
		}
		return "/" + parts[1], nil
	}
	return "", badRequest("Invalid basepath parameter specified: %s; it must be ignore, prepend or split", mode)
}

// apiKeySchemes names the security schemes that are API keys in the
// x-api-key header, which make a method require a key.
func apiKeySchemes(d oasDoc, v3 bool) map[string]bool {
	defs := d.obj("securityDefinitions")
	if v3 {
		defs = d.obj("components").obj("securitySchemes")
	}
	out := map[string]bool{}
	for name, v := range defs {
		s := oasDoc(asObj(v))
		if s.str("type") == "apiKey" && strings.EqualFold(s.str("name"), "x-api-key") && s.str("in") == "header" {
			out[name] = true
		}
	}
	return out
}

func readOperation(p *oasPlan, op oasDoc, shared []any, v3 bool, apiKeys map[string]bool, validator, verb, path string) (*oasMethod, error) {
	m := &model.RestMethod{HTTPMethod: verb, AuthorizationType: "NONE", OperationName: op.str("operationId")}
	om := &oasMethod{m: m, validator: validator}
	if v := op.str("x-amazon-apigateway-request-validator"); v != "" {
		om.validator = v
	}
	for _, req := range op.list("security") {
		for name := range asObj(req) {
			if apiKeys[name] {
				m.APIKeyRequired = true
			} else if slices.ContainsFunc(p.authorizers, func(z model.RestAuthorizer) bool { return z.Name == name }) {
				om.authorizer = name
			} else {
				p.warnings = append(p.warnings, fmt.Sprintf("Unsupported security definition %s on '%s %s': gatehouse imports API key requirements only", name, verb, path))
			}
		}
	}
	params := append(slices.Clone(shared), op.list("parameters")...)
	for _, raw := range params {
		prm := oasDoc(asObj(raw))
		where := map[string]string{"path": "path", "query": "querystring", "header": "header"}[prm.str("in")]
		switch {
		case where != "":
			if m.RequestParameters == nil {
				m.RequestParameters = map[string]bool{}
			}
			m.RequestParameters["method.request."+where+"."+prm.str("name")] = prm.boolean("required") || where == "path"
		case prm.str("in") == "body":
			if ref := refName(oasDoc(prm.obj("schema")).str("$ref")); ref != "" {
				m.RequestModels = map[string]string{"application/json": ref}
			}
		}
	}
	if v3 {
		content := op.obj("requestBody").obj("content")
		for _, ct := range sortedKeys(content) {
			if ref := refName(oasDoc(asObj(content[ct])).obj("schema").str("$ref")); ref != "" {
				if m.RequestModels == nil {
					m.RequestModels = map[string]string{}
				}
				m.RequestModels[ct] = ref
			}
		}
	}
	responses := op.obj("responses")
	for _, code := range sortedKeys(responses) {
		if !statusCodePattern.MatchString(code) {
			p.warnings = append(p.warnings, fmt.Sprintf("Ignoring response %s on '%s %s': API Gateway responses need a status code", code, verb, path))
			continue
		}
		r := oasDoc(asObj(responses[code]))
		mr := &model.RestMethodResponse{StatusCode: code}
		for _, h := range sortedKeys(r.obj("headers")) {
			if mr.ResponseParameters == nil {
				mr.ResponseParameters = map[string]bool{}
			}
			mr.ResponseParameters["method.response.header."+h] = false
		}
		models := map[string]string{}
		if v3 {
			content := r.obj("content")
			for _, ct := range sortedKeys(content) {
				if ref := refName(oasDoc(asObj(content[ct])).obj("schema").str("$ref")); ref != "" {
					models[ct] = ref
				}
			}
		} else if ref := refName(r.obj("schema").str("$ref")); ref != "" {
			models["application/json"] = ref
		}
		if len(models) > 0 {
			mr.ResponseModels = models
		}
		if m.MethodResponses == nil {
			m.MethodResponses = map[string]*model.RestMethodResponse{}
		}
		m.MethodResponses[code] = mr
	}
	if x := op.obj("x-amazon-apigateway-integration"); x != nil {
		ig, err := readIntegration(x, verb, path)
		if err != nil {
			return nil, err
		}
		m.Integration = ig
	}
	return om, nil
}

func readIntegration(x oasDoc, verb, path string) (*model.RestIntegration, error) {
	ig := &model.RestIntegration{
		Type:                strings.ToUpper(x.str("type")),
		HTTPMethod:          strings.ToUpper(x.str("httpMethod")),
		URI:                 x.str("uri"),
		ConnectionType:      x.str("connectionType"),
		ConnectionID:        x.str("connectionId"),
		RequestParameters:   x.strMap("requestParameters"),
		RequestTemplates:    x.strMap("requestTemplates"),
		PassthroughBehavior: strings.ToUpper(x.str("passthroughBehavior")),
		ContentHandling:     x.str("contentHandling"),
		TimeoutMillis:       defaultTimeout,
		CacheNamespace:      x.str("cacheNamespace"),
		IntegrationTarget:   x.str("integrationTarget"),
		Credentials:         x.str("credentials"),
	}
	if t, ok := x["timeoutInMillis"]; ok {
		n, err := strconv.Atoi(fmt.Sprint(t))
		if err != nil {
			return nil, importError("Unable to put integration on '%s' for resource at path '%s': Invalid timeoutInMillis %v", verb, path, t)
		}
		ig.TimeoutMillis = n
	}
	for _, k := range x.list("cacheKeyParameters") {
		ig.CacheKeyParameters = append(ig.CacheKeyParameters, fmt.Sprint(k))
	}
	responses := x.obj("responses")
	for _, pattern := range sortedKeys(responses) {
		r := oasDoc(asObj(responses[pattern]))
		code := r.str("statusCode")
		if !statusCodePattern.MatchString(code) {
			return nil, importError("Unable to put integration response on '%s' for resource at path '%s': Invalid status code specified: %s", verb, path, code)
		}
		if pattern == "default" {
			pattern = ""
		}
		if ig.IntegrationResponses == nil {
			ig.IntegrationResponses = map[string]*model.RestIntegrationResponse{}
		}
		ig.IntegrationResponses[code] = &model.RestIntegrationResponse{StatusCode: code, SelectionPattern: pattern,
			ResponseParameters: r.strMap("responseParameters"), ResponseTemplates: r.strMap("responseTemplates"),
			ContentHandling: r.str("contentHandling")}
	}
	return ig, nil
}

// refName is the model a local schema reference names.
func refName(ref string) string {
	for _, prefix := range []string{"#/components/schemas/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok {
			return name
		}
	}
	return ""
}

// rewriteRefs turns a document's local schema references into model URLs,
// as AWS stores them.
func rewriteRefs(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if s, ok := e.(string); ok && k == "$ref" {
				if name := refName(s); name != "" {
					e = modelRefPlaceholder + name
				}
			}
			out[k] = rewriteRefs(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = rewriteRefs(e)
		}
		return out
	}
	return v
}

// normalize makes every mapping a map[string]any: YAML allows keys such
// as 200 that are not strings.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
	}
	return v
}

// oasDoc is one object of a document, read leniently: a member of the
// wrong type reads as absent.
type oasDoc map[string]any

func asObj(v any) oasDoc {
	m, _ := v.(map[string]any)
	return m
}

func (d oasDoc) obj(k string) oasDoc { return asObj(d[k]) }
func (d oasDoc) list(k string) []any {
	l, _ := d[k].([]any)
	return l
}
func (d oasDoc) str(k string) string {
	switch v := d[k].(type) {
	case string:
		return v
	case nil:
		return ""
	case map[string]any, []any:
		return ""
	default:
		return fmt.Sprint(v)
	}
}
func (d oasDoc) boolean(k string) bool {
	b, _ := d[k].(bool)
	return b
}
func (d oasDoc) strMap(k string) map[string]string {
	m := d.obj(k)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for key := range m {
		out[key] = m.str(key)
	}
	return out
}
