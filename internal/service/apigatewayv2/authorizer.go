package apigatewayv2

import (
	"context"
	"net/url"
	"strings"

	"gatehouse/internal/httpmap"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// JWTConfiguration is an authorizer's jwtConfiguration.
type JWTConfiguration struct {
	Audience []string `json:"audience,omitempty"`
	Issuer   *string  `json:"issuer,omitempty"`
}

type CreateAuthorizerInput struct {
	APIID                          string            `path:"apiId" json:"-"`
	AuthorizerType                 *string           `json:"authorizerType"`
	Name                           *string           `json:"name"`
	IdentitySource                 []string          `json:"identitySource"`
	JWTConfiguration               *JWTConfiguration `json:"jwtConfiguration"`
	AuthorizerURI                  *string           `json:"authorizerUri"`
	AuthorizerCredentialsArn       *string           `json:"authorizerCredentialsArn"`
	AuthorizerPayloadFormatVersion *string           `json:"authorizerPayloadFormatVersion"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses"`
	IdentityValidationExpression   *string           `json:"identityValidationExpression"`
}

type UpdateAuthorizerInput struct {
	APIID                          string            `path:"apiId" json:"-"`
	AuthorizerID                   string            `path:"authorizerId" json:"-"`
	AuthorizerType                 *string           `json:"authorizerType"`
	Name                           *string           `json:"name"`
	IdentitySource                 []string          `json:"identitySource"`
	JWTConfiguration               *JWTConfiguration `json:"jwtConfiguration"`
	AuthorizerURI                  *string           `json:"authorizerUri"`
	AuthorizerCredentialsArn       *string           `json:"authorizerCredentialsArn"`
	AuthorizerPayloadFormatVersion *string           `json:"authorizerPayloadFormatVersion"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses"`
	IdentityValidationExpression   *string           `json:"identityValidationExpression"`
}

type AuthorizerIDInput struct {
	APIID        string `path:"apiId" json:"-"`
	AuthorizerID string `path:"authorizerId" json:"-"`
}

// Authorizer is an authorizer as API Gateway describes it.
type Authorizer struct {
	AuthorizerCredentialsArn       string            `json:"authorizerCredentialsArn,omitempty"`
	AuthorizerID                   string            `json:"authorizerId"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds,omitempty"`
	AuthorizerType                 string            `json:"authorizerType"`
	AuthorizerURI                  string            `json:"authorizerUri,omitempty"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses,omitempty"`
	IdentitySource                 []string          `json:"identitySource"`
	JWTConfiguration               *JWTConfiguration `json:"jwtConfiguration,omitempty"`
	Name                           string            `json:"name"`
}

type GetAuthorizersOutput struct {
	Items     []Authorizer `json:"items"`
	NextToken string       `json:"nextToken,omitempty"`
}

// authorizerChanges are the members CreateAuthorizer and UpdateAuthorizer
// share.
type authorizerChanges struct {
	typ, name                       *string
	source                          []string
	jwt                             *JWTConfiguration
	uri, credentials, payload, expr *string
	ttl                             *int
	simple                          *bool
}

func (s *Service) CreateAuthorizer(ctx context.Context, in *CreateAuthorizerInput) (*Authorizer, error) {
	if in.AuthorizerType == nil {
		return nil, badRequest("authorizerType is required.")
	}
	if in.Name == nil {
		return nil, badRequest("name is required.")
	}
	a := &model.Authorizer{APIID: in.APIID}
	c := authorizerChanges{in.AuthorizerType, in.Name, in.IdentitySource, in.JWTConfiguration, in.AuthorizerURI,
		in.AuthorizerCredentialsArn, in.AuthorizerPayloadFormatVersion, in.IdentityValidationExpression,
		in.AuthorizerResultTTLInSeconds, in.EnableSimpleResponses}
	if err := applyAuthorizer(a, c); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		id, err := newID(authorizerIDLen, unused[model.Authorizer](tx, in.APIID+"/"))
		if err != nil {
			return err
		}
		a.ID = id
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return authorizerShape(a), nil
}

// applyAuthorizer applies c to a and checks the authorizer it makes, whole:
// an update is judged as it will be stored.
func applyAuthorizer(a *model.Authorizer, c authorizerChanges) error {
	if c.typ != nil {
		a.Type = *c.typ
	}
	switch a.Type {
	case "JWT", "REQUEST":
	default:
		return badRequest("Invalid authorizerType %q: it must be REQUEST or JWT.", a.Type)
	}
	if c.name != nil {
		a.Name = *c.name
	}
	if a.Name == "" || len(a.Name) > 128 {
		return badRequest("Invalid authorizer name %q: it must be 1 to 128 characters.", a.Name)
	}
	if c.source != nil {
		a.IdentitySource = c.source
	}
	if a.Type == "REQUEST" {
		return applyLambda(a, c)
	}
	if c.jwt != nil {
		cfg := &model.JWTConfiguration{}
		if a.JWT != nil {
			*cfg = *a.JWT
		}
		if c.jwt.Issuer != nil {
			cfg.Issuer = *c.jwt.Issuer
		}
		if c.jwt.Audience != nil {
			cfg.Audience = c.jwt.Audience
		}
		a.JWT = cfg
	}
	if deref(c.uri) != "" || deref(c.credentials) != "" || deref(c.payload) != "" || deref(c.expr) != "" || deref(c.simple) || c.ttl != nil && *c.ttl != 0 {
		return badRequest("authorizerUri, authorizerCredentialsArn, authorizerPayloadFormatVersion, authorizerResultTtlInSeconds, enableSimpleResponses and identityValidationExpression are not supported for JWT authorizers.")
	}
	// A JWT authorizer made from a Lambda one sheds its members.
	a.URI, a.CredentialsARN, a.PayloadFormatVersion, a.ResultTTLSeconds, a.EnableSimpleResponses = "", "", "", 0, false
	return checkJWT(a)
}

// maxAuthorizerTTL is the longest an HTTP API caches a Lambda
// authorizer's answer: an hour.
const maxAuthorizerTTL = 3600

// applyLambda applies c to a Lambda (REQUEST) authorizer and checks it:
// a Lambda invocation URI, payload format 1.0 or 2.0, simple responses
// with 2.0 only, a TTL of 0 to 3600 seconds (caching needs an identity
// source to key on), and identity sources API Gateway reads.
func applyLambda(a *model.Authorizer, c authorizerChanges) error {
	if c.jwt != nil {
		return badRequest("jwtConfiguration is supported only for JWT authorizers.")
	}
	if deref(c.expr) != "" {
		return badRequest("identityValidationExpression is not supported for REQUEST authorizers of HTTP APIs.")
	}
	a.JWT = nil
	for _, m := range []struct{ dst, src *string }{{&a.URI, c.uri}, {&a.CredentialsARN, c.credentials}, {&a.PayloadFormatVersion, c.payload}} {
		if m.src != nil {
			*m.dst = *m.src
		}
	}
	if c.ttl != nil {
		a.ResultTTLSeconds = *c.ttl
	}
	if c.simple != nil {
		a.EnableSimpleResponses = *c.simple
	}
	if a.URI == "" {
		return badRequest("AuthorizerUri is required for authorizer type REQUEST.")
	}
	// A stage variable may name the function: the URI must hold with a
	// plain name in its place.
	plain := httpmap.StageVariables(a.URI, func(string) string { return "stagevariable" })
	if _, ok := invoke.FromIntegrationURI(plain); !ok || !strings.Contains(a.URI, ":lambda:path/") {
		return badRequest("Invalid Authorizer URI: %s. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation.", a.URI)
	}
	switch a.PayloadFormatVersion {
	case "1.0", "2.0":
	case "":
		return badRequest("AuthorizerPayloadFormatVersion is required for authorizer type REQUEST.")
	default:
		return badRequest("Invalid authorizerPayloadFormatVersion %q: it must be 1.0 or 2.0.", a.PayloadFormatVersion)
	}
	if a.EnableSimpleResponses && a.PayloadFormatVersion != "2.0" {
		return badRequest("EnableSimpleResponses is only supported with authorizerPayloadFormatVersion 2.0.")
	}
	if a.ResultTTLSeconds < 0 || a.ResultTTLSeconds > maxAuthorizerTTL {
		return badRequest("Invalid authorizerResultTtlInSeconds %d: it must be between 0 and %d.", a.ResultTTLSeconds, maxAuthorizerTTL)
	}
	if a.ResultTTLSeconds > 0 && len(a.IdentitySource) == 0 {
		return badRequest("An identitySource is required when caching is enabled (authorizerResultTtlInSeconds greater than 0).")
	}
	for _, src := range a.IdentitySource {
		if !lambdaIdentitySource(src) {
			return badRequest("Invalid identity source %q: an identity source of a REQUEST authorizer is $request.header.NAME, $request.querystring.NAME, $context.NAME or $stageVariables.NAME.", src)
		}
	}
	if a.CredentialsARN != "" && !strings.HasPrefix(a.CredentialsARN, "arn:") {
		return badRequest("Invalid authorizerCredentialsArn %q: it must be the ARN of an IAM role.", a.CredentialsARN)
	}
	return nil
}

// lambdaIdentitySource reports whether src is an identity source a
// Lambda authorizer can read.
func lambdaIdentitySource(src string) bool {
	for _, prefix := range []string{"$request.header.", "$request.querystring.", "$context.", "$stageVariables."} {
		if name, ok := strings.CutPrefix(src, prefix); ok {
			return name != "" && !strings.ContainsAny(name, " ,$")
		}
	}
	return false
}

// checkJWT checks a JWT authorizer: one identity source, a header or a
// query string parameter; an issuer URL; at least one audience.
func checkJWT(a *model.Authorizer) error {
	if len(a.IdentitySource) != 1 {
		return badRequest("A JWT authorizer takes exactly one identitySource, such as $request.header.Authorization.")
	}
	src := a.IdentitySource[0]
	name, ok := strings.CutPrefix(src, "$request.header.")
	if !ok {
		name, ok = strings.CutPrefix(src, "$request.querystring.")
	}
	if !ok || name == "" {
		return badRequest("Invalid identitySource %q: a JWT authorizer reads $request.header.NAME or $request.querystring.NAME.", src)
	}
	if a.JWT == nil {
		return badRequest("JwtConfiguration is required for authorizer type JWT.")
	}
	u, err := url.Parse(a.JWT.Issuer)
	if a.JWT.Issuer == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return badRequest("Invalid issuer %q: the issuer must be an https URL, such as https://cognito-idp.us-east-1.amazonaws.com/userPoolId.", a.JWT.Issuer)
	}
	if len(a.JWT.Audience) == 0 {
		return badRequest("A JWT authorizer needs at least one audience.")
	}
	for _, aud := range a.JWT.Audience {
		if aud == "" {
			return badRequest("An audience cannot be empty.")
		}
	}
	return nil
}

func (s *Service) GetAuthorizer(ctx context.Context, in *AuthorizerIDInput) (*Authorizer, error) {
	var a *model.Authorizer
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		a, err = getAuthorizer(tx, in.APIID, in.AuthorizerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return authorizerShape(a), nil
}

func (s *Service) GetAuthorizers(ctx context.Context, in *ListInput) (*GetAuthorizersOutput, error) {
	var all []*model.Authorizer
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		all, err = ofAPI[model.Authorizer](tx, in.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(a *model.Authorizer) string { return a.ID }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetAuthorizersOutput{Items: []Authorizer{}, NextToken: next}
	for _, a := range items {
		out.Items = append(out.Items, *authorizerShape(a))
	}
	return out, nil
}

func (s *Service) UpdateAuthorizer(ctx context.Context, in *UpdateAuthorizerInput) (*Authorizer, error) {
	var a *model.Authorizer
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if a, err = getAuthorizer(tx, in.APIID, in.AuthorizerID); err != nil {
			return err
		}
		c := authorizerChanges{in.AuthorizerType, in.Name, in.IdentitySource, in.JWTConfiguration, in.AuthorizerURI,
			in.AuthorizerCredentialsArn, in.AuthorizerPayloadFormatVersion, in.IdentityValidationExpression,
			in.AuthorizerResultTTLInSeconds, in.EnableSimpleResponses}
		if err := applyAuthorizer(a, c); err != nil {
			return err
		}
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return authorizerShape(a), nil
}

// DeleteAuthorizer refuses to delete an authorizer a route uses, as AWS
// does; deployments do not count, so a stage still serving a route that
// named it answers that route's requests with a 500.
func (s *Service) DeleteAuthorizer(ctx context.Context, in *AuthorizerIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		a, err := getAuthorizer(tx, in.APIID, in.AuthorizerID)
		if err != nil {
			return err
		}
		routes, err := routesOf(tx, in.APIID)
		if err != nil {
			return err
		}
		var users []string
		for _, r := range routes {
			if r.AuthorizerID == a.ID {
				users = append(users, r.ID)
			}
		}
		if len(users) > 0 {
			return conflict("Cannot delete Authorizer because it is referenced by the following Routes with Ids: %s", listOf(users))
		}
		return model.Delete(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getAuthorizer(tx model.Tx, apiID, id string) (*model.Authorizer, error) {
	a, ok, err := model.Get[model.Authorizer](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, authorizerNotFound(id)
	}
	return a, nil
}

func authorizerShape(a *model.Authorizer) *Authorizer {
	out := &Authorizer{AuthorizerID: a.ID, AuthorizerType: a.Type, IdentitySource: a.IdentitySource, Name: a.Name}
	if out.IdentitySource == nil {
		out.IdentitySource = []string{}
	}
	if a.JWT != nil {
		issuer := a.JWT.Issuer
		out.JWTConfiguration = &JWTConfiguration{Audience: a.JWT.Audience, Issuer: &issuer}
	}
	if a.Type == "REQUEST" {
		ttl, simple := a.ResultTTLSeconds, a.EnableSimpleResponses
		out.AuthorizerURI, out.AuthorizerCredentialsArn, out.AuthorizerPayloadFormatVersion = a.URI, a.CredentialsARN, a.PayloadFormatVersion
		out.AuthorizerResultTTLInSeconds, out.EnableSimpleResponses = &ttl, &simple
	}
	return out
}
