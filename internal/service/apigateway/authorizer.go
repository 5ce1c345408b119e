package apigateway

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// Authorizer is a REST API's Lambda authorizer, as AWS shapes it.
type Authorizer struct {
	ID                           string   `json:"id"`
	Name                         string   `json:"name"`
	Type                         string   `json:"type"`
	ProviderARNs                 []string `json:"providerARNs,omitempty"`
	AuthType                     string   `json:"authType,omitempty"`
	AuthorizerURI                string   `json:"authorizerUri,omitempty"`
	AuthorizerCredentials        string   `json:"authorizerCredentials,omitempty"`
	IdentitySource               string   `json:"identitySource,omitempty"`
	IdentityValidationExpression string   `json:"identityValidationExpression,omitempty"`
	AuthorizerResultTTLInSeconds *int     `json:"authorizerResultTtlInSeconds,omitempty"`
}

type CreateAuthorizerInput struct {
	RestAPIID                    string   `path:"restApiId" json:"-"`
	Name                         string   `json:"name"`
	Type                         string   `json:"type"`
	ProviderARNs                 []string `json:"providerARNs"`
	AuthType                     string   `json:"authType"`
	AuthorizerURI                string   `json:"authorizerUri"`
	AuthorizerCredentials        string   `json:"authorizerCredentials"`
	IdentitySource               string   `json:"identitySource"`
	IdentityValidationExpression string   `json:"identityValidationExpression"`
	AuthorizerResultTTLInSeconds *int     `json:"authorizerResultTtlInSeconds"`
}

type AuthorizerInput struct {
	RestAPIID    string `path:"restApiId" json:"-"`
	AuthorizerID string `path:"authorizerId" json:"-"`
}

type GetAuthorizersInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	Limit     *int32 `querystring:"limit" json:"-"`
	Position  string `querystring:"position" json:"-"`
}

type GetAuthorizersOutput struct {
	Items    []Authorizer `json:"item"`
	Position string       `json:"position,omitempty"`
}

type UpdateAuthorizerInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	AuthorizerID    string           `path:"authorizerId" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

var authorizerTypes = []string{"TOKEN", "REQUEST", "COGNITO_USER_POOLS"}

// defaultAuthorizerTTL is how long AWS caches an authorizer's answers
// when authorizerResultTtlInSeconds is not given.
const defaultAuthorizerTTL = 300

var (
	// tokenSource is the one identity source a TOKEN authorizer takes.
	tokenSource = regexp.MustCompile(`^method\.request\.header\.[a-zA-Z0-9._-]+$`)
	// requestSource is one of a REQUEST authorizer's identity sources.
	requestSource = regexp.MustCompile(`^(method\.request\.(header|querystring)\.[a-zA-Z0-9._$-]+|stageVariables\.[a-zA-Z0-9_]+|context\.[a-zA-Z0-9._]+)$`)
)

func authorizerNotFound() error { return notFound("Invalid Authorizer identifier specified") }

// checkAuthorizer validates an authorizer whole, as created or as patched.
func checkAuthorizer(a *model.RestAuthorizer, member string) error {
	if a.Name == "" {
		return badRequest("Authorizer name must be specified")
	}
	if a.Type == "" {
		return badRequest("Authorizer type must be specified")
	}
	if err := checkEnum(member+".type", a.Type, authorizerTypes); err != nil {
		return err
	}
	if a.Type == "COGNITO_USER_POOLS" {
		return badRequest("gatehouse has no Cognito user pools, so it cannot serve COGNITO_USER_POOLS authorizers; use a TOKEN or REQUEST Lambda authorizer")
	}
	if a.URI == "" {
		return badRequest("Authorizer URI must be specified for %s authorizers", a.Type)
	}
	if _, ok := invoke.FromIntegrationURI(a.URI); !ok || !strings.Contains(a.URI, ":lambda:path/") {
		return badRequest("Invalid Authorizer URI: %s. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation.", a.URI)
	}
	if a.ResultTTL < 0 || a.ResultTTL > 3600 {
		return badRequest("Invalid authorizer TTL specified: %d. The TTL must be between 0 and 3600 seconds.", a.ResultTTL)
	}
	switch a.Type {
	case "TOKEN":
		if a.IdentitySource == "" {
			return badRequest("Identity source must be specified for TOKEN authorizers")
		}
		if !tokenSource.MatchString(a.IdentitySource) {
			return badRequest("Invalid token source expression: %s. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'.", a.IdentitySource)
		}
		if a.IdentityValidationExpression != "" {
			if _, err := regexp.Compile(a.IdentityValidationExpression); err != nil {
				return badRequest("Invalid identity validation expression specified: %s", a.IdentityValidationExpression)
			}
		}
	case "REQUEST":
		if a.IdentityValidationExpression != "" {
			return badRequest("Identity validation expression is only supported for TOKEN authorizers")
		}
		if a.IdentitySource == "" && a.ResultTTL > 0 {
			return badRequest("Identity source must be specified when authorizer caching is enabled (TTL is greater than 0)")
		}
		if a.IdentitySource != "" {
			for _, src := range strings.Split(a.IdentitySource, ",") {
				if !requestSource.MatchString(strings.TrimSpace(src)) {
					return badRequest("Invalid identity source expression: %s", strings.TrimSpace(src))
				}
			}
		}
	}
	return nil
}

func (s *Service) CreateAuthorizer(ctx context.Context, in *CreateAuthorizerInput) (*Authorizer, error) {
	a := &model.RestAuthorizer{APIID: in.RestAPIID, Name: in.Name, Type: in.Type, URI: in.AuthorizerURI,
		Credentials: in.AuthorizerCredentials, IdentitySource: in.IdentitySource,
		IdentityValidationExpression: in.IdentityValidationExpression, ResultTTL: defaultAuthorizerTTL, AuthType: in.AuthType}
	if in.AuthorizerResultTTLInSeconds != nil {
		a.ResultTTL = *in.AuthorizerResultTTLInSeconds
	}
	if len(in.ProviderARNs) > 0 && in.Type != "COGNITO_USER_POOLS" {
		return nil, badRequest("providerARNs are only supported for COGNITO_USER_POOLS authorizers")
	}
	if err := checkAuthorizer(a, "createAuthorizerInput"); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		a.ID, err = freshID(shortID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.RestAuthorizer](tx, in.RestAPIID+"/"+id)
			return ok, err
		})
		if err != nil {
			return err
		}
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return authorizerShape(a), nil
}

func (s *Service) GetAuthorizer(ctx context.Context, in *AuthorizerInput) (*Authorizer, error) {
	var a *model.RestAuthorizer
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		a, err = getAuthorizer(ctx, tx, in.RestAPIID, in.AuthorizerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return authorizerShape(a), nil
}

func (s *Service) GetAuthorizers(ctx context.Context, in *GetAuthorizersInput) (*GetAuthorizersOutput, error) {
	var all []*model.RestAuthorizer
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		all, err = apiAuthorizers(tx, in.RestAPIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(a *model.RestAuthorizer) string { return a.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetAuthorizersOutput{Items: []Authorizer{}, Position: next}
	for _, a := range items {
		out.Items = append(out.Items, *authorizerShape(a))
	}
	return out, nil
}

func (s *Service) UpdateAuthorizer(ctx context.Context, in *UpdateAuthorizerInput) (*Authorizer, error) {
	var a *model.RestAuthorizer
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if a, err = getAuthorizer(ctx, tx, in.RestAPIID, in.AuthorizerID); err != nil {
			return err
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			replaceText("/name", &a.Name),
			replaceText("/type", &a.Type),
			replaceText("/authorizerUri", &a.URI),
			optionalText("/authorizerCredentials", &a.Credentials),
			optionalText("/identitySource", &a.IdentitySource),
			optionalText("/identityValidationExpression", &a.IdentityValidationExpression),
			optionalText("/authType", &a.AuthType),
			{path: "/authorizerResultTtlInSeconds", replace: func(_, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return badRequest("Invalid authorizer TTL specified: %s", v)
				}
				a.ResultTTL = n
				return nil
			}},
		})
		if err != nil {
			return err
		}
		if err := checkAuthorizer(a, "updateAuthorizerInput"); err != nil {
			return err
		}
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return authorizerShape(a), nil
}

// DeleteAuthorizer refuses while a method names the authorizer, as AWS
// does, so no method is left pointing at nothing.
func (s *Service) DeleteAuthorizer(ctx context.Context, in *AuthorizerInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		a, err := getAuthorizer(ctx, tx, in.RestAPIID, in.AuthorizerID)
		if err != nil {
			return err
		}
		resources, err := apiResources(tx, a.APIID)
		if err != nil {
			return err
		}
		for _, r := range resources {
			for _, verb := range sortedKeys(r.Methods) {
				if m := r.Methods[verb]; m.AuthorizationType == "CUSTOM" && m.AuthorizerID == a.ID {
					return conflict("Cannot delete authorizer '%s', is referenced in method: %s/%s", a.Name, verb, r.Path)
				}
			}
		}
		return model.Delete(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getAuthorizer(ctx context.Context, tx model.Tx, apiID, id string) (*model.RestAuthorizer, error) {
	if _, err := getAPI(ctx, tx, apiID); err != nil {
		return nil, err
	}
	a, ok, err := model.Get[model.RestAuthorizer](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, authorizerNotFound()
	}
	return a, nil
}

func apiAuthorizers(tx model.Tx, apiID string) ([]*model.RestAuthorizer, error) {
	return model.ListPrefix[model.RestAuthorizer](tx, apiID+"/")
}

// checkMethodAuthorizer holds a method's authorization to what AWS
// accepts: CUSTOM names an authorizer of the API, other types name none,
// and scopes belong to COGNITO_USER_POOLS alone.
func checkMethodAuthorizer(tx model.Tx, apiID string, m *model.RestMethod) error {
	if len(m.AuthorizationScopes) > 0 && m.AuthorizationType != "COGNITO_USER_POOLS" {
		return badRequest("Invalid authorization scopes: authorization scopes are only supported for methods with authorization type COGNITO_USER_POOLS")
	}
	if m.AuthorizationType != "CUSTOM" {
		m.AuthorizerID = ""
		return nil
	}
	if m.AuthorizerID != "" {
		if _, ok, err := model.Get[model.RestAuthorizer](tx, apiID+"/"+m.AuthorizerID); err != nil || ok {
			return err
		}
	}
	return badRequest("Invalid authorizer id specified. Setting the authorization type to CUSTOM requires a valid authorizer.")
}

// freezeAuthorizers copies the API's authorizers into a deployment.
func freezeAuthorizers(tx model.Tx, d *model.RestDeployment) error {
	all, err := apiAuthorizers(tx, d.APIID)
	for _, a := range all {
		d.Authorizers = append(d.Authorizers, *a)
	}
	return err
}

// deleteAuthorizers removes an API's authorizers, with the API.
func deleteAuthorizers(tx model.Tx, apiID string) error {
	all, err := apiAuthorizers(tx, apiID)
	if err != nil {
		return err
	}
	for _, a := range all {
		if err := model.Delete(tx, a); err != nil {
			return err
		}
	}
	return nil
}

func authorizerShape(a *model.RestAuthorizer) *Authorizer {
	ttl := a.ResultTTL
	return &Authorizer{ID: a.ID, Name: a.Name, Type: a.Type, AuthType: a.AuthType, AuthorizerURI: a.URI,
		AuthorizerCredentials: a.Credentials, IdentitySource: a.IdentitySource,
		IdentityValidationExpression: a.IdentityValidationExpression, AuthorizerResultTTLInSeconds: &ttl}
}
