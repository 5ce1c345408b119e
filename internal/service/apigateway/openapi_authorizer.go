package apigateway

import (
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// Authorizers in OpenAPI: each is a security scheme of type apiKey whose
// x-amazon-apigateway-authorizer extension says what it calls, and a
// method it guards names the scheme in its security requirements.

// authorizerSchemes are a deployment's authorizers as security schemes,
// by name; with the authorizers extension they carry what AWS's
// x-amazon-apigateway-authorizer says.
func (x exporter) authorizerSchemes(d *model.RestDeployment) ordered {
	zs := slices.Clone(d.Authorizers)
	slices.SortFunc(zs, func(p, q model.RestAuthorizer) int { return strings.Compare(p.Name, q.Name) })
	out := ordered{}
	for _, z := range zs {
		// The header a TOKEN authorizer reads; a REQUEST authorizer's
		// scheme names none, as AWS's exports say.
		header := "Unused"
		if z.Type == "TOKEN" {
			header = strings.TrimPrefix(z.IdentitySource, "method.request.header.")
		}
		s := ordered{}.add("type", "apiKey").add("name", header).add("in", "header")
		if x.authorizers {
			s = s.add("x-amazon-apigateway-authtype", "custom")
			a := ordered{}.add("type", strings.ToLower(z.Type)).add("authorizerUri", z.URI)
			if z.Credentials != "" {
				a = a.add("authorizerCredentials", z.Credentials)
			}
			if z.IdentitySource != "" {
				a = a.add("identitySource", z.IdentitySource)
			}
			if z.IdentityValidationExpression != "" {
				a = a.add("identityValidationExpression", z.IdentityValidationExpression)
			}
			a = a.add("authorizerResultTtlInSeconds", z.ResultTTL)
			s = s.add("x-amazon-apigateway-authorizer", a)
		}
		out = out.add(z.Name, s)
	}
	return out
}

// readAuthorizers reads the document's security schemes that are Lambda
// authorizers into p, checked as CreateAuthorizer checks them.
func readAuthorizers(p *oasPlan, d oasDoc, v3 bool) error {
	defs := d.obj("securityDefinitions")
	if v3 {
		defs = d.obj("components").obj("securitySchemes")
	}
	for _, name := range sortedKeys(defs) {
		a := oasDoc(asObj(defs[name])).obj("x-amazon-apigateway-authorizer")
		if a == nil {
			continue
		}
		z := model.RestAuthorizer{Name: name, Type: strings.ToUpper(a.str("type")), URI: a.str("authorizerUri"),
			Credentials: a.str("authorizerCredentials"), IdentitySource: a.str("identitySource"),
			IdentityValidationExpression: a.str("identityValidationExpression"), ResultTTL: defaultAuthorizerTTL}
		if z.Type == "" {
			z.Type = "TOKEN" // AWS's default in the extension
		}
		switch ttl := a["authorizerResultTtlInSeconds"].(type) {
		case int:
			z.ResultTTL = ttl
		case int64:
			z.ResultTTL = int(max(min(ttl, 1<<31), -1))
		case uint64:
			z.ResultTTL = int(min(ttl, 1<<31))
		case float64:
			z.ResultTTL = int(max(min(ttl, 1<<31), -1))
		}
		if err := checkAuthorizer(&z, "x-amazon-apigateway-authorizer"); err != nil {
			return importError("Unable to create authorizer '%s': %s", name, errText(err))
		}
		p.authorizers = append(p.authorizers, z)
	}
	return nil
}

// writeAuthorizers puts p's authorizers, replacing those of the same
// name, and points each method that names one at its id.
func writeAuthorizers(tx model.Tx, apiID string, p *oasPlan) error {
	existing, err := apiAuthorizers(tx, apiID)
	if err != nil {
		return err
	}
	ids := make(map[string]string, len(p.authorizers))
	for _, z := range p.authorizers {
		z.APIID = apiID
		for _, o := range existing {
			if o.Name == z.Name {
				z.ID = o.ID
			}
		}
		if z.ID == "" {
			z.ID, err = freshID(shortID, func(id string) (bool, error) {
				_, ok, err := model.Get[model.RestAuthorizer](tx, apiID+"/"+id)
				return ok, err
			})
			if err != nil {
				return err
			}
		}
		if err := model.Put(tx, &z); err != nil {
			return err
		}
		ids[z.Name] = z.ID
	}
	for _, op := range p.paths {
		for _, verb := range sortedKeys(op.methods) {
			om := op.methods[verb]
			if om.authorizer == "" {
				continue
			}
			id, ok := ids[om.authorizer]
			if !ok {
				return importError("Unable to put method '%s' on resource at path '%s': Invalid authorizer id specified", verb, op.path)
			}
			om.m.AuthorizationType, om.m.AuthorizerID = "CUSTOM", id
		}
	}
	return nil
}
