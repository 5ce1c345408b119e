package apigatewayv2

import (
	"context"
	"strings"

	"gatehouse/internal/model"
)

type ImportApiInput struct {
	Basepath       *string `querystring:"basepath" json:"-"`
	FailOnWarnings *bool   `querystring:"failOnWarnings" json:"-"`
	Body           *string `json:"body"`
}

type ReimportApiInput struct {
	APIID          string  `path:"apiId" json:"-"`
	Basepath       *string `querystring:"basepath" json:"-"`
	FailOnWarnings *bool   `querystring:"failOnWarnings" json:"-"`
	Body           *string `json:"body"`
}

// ImportApiOutput is the API made or replaced, with the import's warnings.
type ImportApiOutput struct {
	Api
	Warnings []string `json:"warnings,omitempty"`
}

// ImportApi makes an HTTP API from an OpenAPI 3 definition: the API, its
// authorizers, integrations and routes in one transaction, so a definition
// with an error makes nothing.
func (s *Service) ImportApi(ctx context.Context, in *ImportApiInput) (*ImportApiOutput, error) {
	p, err := plan(in.Body, in.Basepath, in.FailOnWarnings)
	if err != nil {
		return nil, err
	}
	a := &model.HTTPAPI{
		ProtocolType:              "HTTP",
		RouteSelectionExpression:  routeSelection,
		APIKeySelectionExpression: apiKeyHeader,
		IPAddressType:             "ipv4",
		CreatedDate:               s.now(),
	}
	err = s.update(ctx, func(tx model.Tx) error {
		id, err := newID(apiIDLen, unused[model.HTTPAPI](tx, ""))
		if err != nil {
			return err
		}
		a.ID = id
		return s.build(ctx, tx, a, p)
	})
	if err != nil {
		return nil, err
	}
	return &ImportApiOutput{Api: *s.apiShape(a), Warnings: p.warnings}, nil
}

// ReimportApi replaces an API's definition by a document's: its name,
// description, version, CORS configuration, authorizers, integrations and
// routes. The id, the stages, the deployments and the tags stay; stages
// with automatic deployment serve the new definition at once, others at
// their next deployment. An authorizer keeps its id when the document
// names it as before, so deployed routes keep theirs.
func (s *Service) ReimportApi(ctx context.Context, in *ReimportApiInput) (*ImportApiOutput, error) {
	p, err := plan(in.Body, in.Basepath, in.FailOnWarnings)
	if err != nil {
		return nil, err
	}
	var a *model.HTTPAPI
	err = s.update(ctx, func(tx model.Tx) (err error) {
		if a, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if err := deleteAll[model.Route](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.RouteKeyEntry](tx, a.ID); err != nil {
			return err
		}
		if err := deleteAll[model.Integration](tx, a.ID); err != nil {
			return err
		}
		return s.build(ctx, tx, a, p)
	})
	if err != nil {
		return nil, err
	}
	return &ImportApiOutput{Api: *s.apiShape(a), Warnings: p.warnings}, nil
}

// plan parses an import's document and applies failOnWarnings.
func plan(body, basepath *string, failOnWarnings *bool) (*importPlan, error) {
	p, err := parseOpenAPI(deref(body), deref(basepath))
	if err != nil {
		return nil, err
	}
	if deref(failOnWarnings) && len(p.warnings) > 0 {
		return nil, badRequest("Warnings found during import:\n\t%s", strings.Join(p.warnings, "\n\t"))
	}
	return p, nil
}

// build writes what p describes into API a, whose routes and integrations
// are gone, checking each part as its own create call would; the first
// refusal ends the transaction with nothing written.
func (s *Service) build(ctx context.Context, tx model.Tx, a *model.HTTPAPI, p *importPlan) error {
	name, desc, version := p.name, p.description, p.version
	if err := applyApi(a, apiChanges{name: &name, description: &desc, version: &version, cors: p.cors}); err != nil {
		return err
	}
	if p.cors == nil {
		a.CORS = nil
	}
	if err := model.Put(tx, a); err != nil {
		return err
	}
	authorizers, err := s.buildAuthorizers(tx, a.ID, p.authorizers)
	if err != nil {
		return err
	}
	integrations := make([]string, len(p.integrations))
	for n, i := range p.integrations {
		i.APIID = a.ID
		if err := checkIntegration(ctx, tx, i); err != nil {
			return err
		}
		if i.ID, err = newID(integrationIDLen, unused[model.Integration](tx, a.ID+"/")); err != nil {
			return err
		}
		if err := model.Put(tx, i); err != nil {
			return err
		}
		integrations[n] = i.ID
	}
	for _, pr := range p.routes {
		r := &model.Route{APIID: a.ID, AuthorizationType: "NONE"}
		if r.ID, err = newID(routeIDLen, unused[model.Route](tx, a.ID+"/")); err != nil {
			return err
		}
		c := routeChanges{key: &pr.key}
		if pr.integration >= 0 {
			target := "integrations/" + integrations[pr.integration]
			c.target = &target
		}
		if pr.authorizer != "" {
			typ, id := pr.authType, authorizers[pr.authorizer]
			c.authType, c.authorizer, c.scopes = &typ, &id, pr.scopes
		}
		if pr.operationName != "" {
			c.operationName = &pr.operationName
		}
		if err := applyRoute(tx, r, c); err != nil {
			return err
		}
		if err := model.Put(tx, r); err != nil {
			return err
		}
	}
	return s.autoDeploy(tx, a.ID, nil)
}

// buildAuthorizers makes the document's authorizers, reusing the id of an
// authorizer of the same name, deletes the API's others, and answers the
// ids by name.
func (s *Service) buildAuthorizers(tx model.Tx, apiID string, plans []planAuthorizer) (map[string]string, error) {
	old, err := ofAPI[model.Authorizer](tx, apiID)
	if err != nil {
		return nil, err
	}
	byName := map[string]*model.Authorizer{}
	for _, a := range old {
		byName[a.Name] = a
	}
	ids := map[string]string{}
	for _, pa := range plans {
		a := &model.Authorizer{APIID: apiID}
		if prev, ok := byName[pa.name]; ok {
			a.ID = prev.ID
			delete(byName, pa.name)
		} else if a.ID, err = newID(authorizerIDLen, unused[model.Authorizer](tx, apiID+"/")); err != nil {
			return nil, err
		}
		typ, name := "JWT", pa.name
		c := authorizerChanges{typ: &typ, name: &name, source: pa.source, jwt: pa.jwt}
		if l := pa.lambda; l != nil {
			typ = "REQUEST"
			ttl, simple := 0, false
			if l.AuthorizerResultTTLInSeconds != nil {
				ttl = *l.AuthorizerResultTTLInSeconds
			}
			if l.EnableSimpleResponses != nil {
				simple = *l.EnableSimpleResponses
			}
			// What the document leaves out is cleared, not kept from an
			// authorizer of the same name: the document is the API.
			c.uri, c.credentials, c.payload, c.ttl, c.simple = &l.AuthorizerURI, &l.AuthorizerCredentials, &l.AuthorizerPayloadFormatVersion, &ttl, &simple
			if c.source == nil {
				c.source = []string{}
			}
		}
		if err := applyAuthorizer(a, c); err != nil {
			return nil, err
		}
		if err := model.Put(tx, a); err != nil {
			return nil, err
		}
		ids[pa.name] = a.ID
	}
	for _, a := range byName {
		if err := model.Delete(tx, a); err != nil {
			return nil, err
		}
	}
	return ids, nil
}
