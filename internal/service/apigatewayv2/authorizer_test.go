package apigatewayv2_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

func jwtInput(api, name, issuer string, audience ...string) *gw.CreateAuthorizerInput {
	return &gw.CreateAuthorizerInput{ApiId: aws.String(api), Name: aws.String(name), AuthorizerType: gwtypes.AuthorizerTypeJwt,
		IdentitySource:   []string{"$request.header.Authorization"},
		JwtConfiguration: &gwtypes.JWTConfiguration{Issuer: aws.String(issuer), Audience: audience}}
}

// TestAuthorizerLifecycle creates, reads, lists, updates and deletes a JWT
// authorizer through the SDK, and attaches it to a route.
func TestAuthorizerLifecycle(t *testing.T) {
	f := start(t)
	api := f.api(t, "authz")
	created, err := f.gw.CreateAuthorizer(ctx, jwtInput(api, "cognito", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "client1"))
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.AuthorizerId)
	if len(id) != 6 || created.AuthorizerType != gwtypes.AuthorizerTypeJwt || aws.ToString(created.Name) != "cognito" ||
		!slices.Equal(created.IdentitySource, []string{"$request.header.Authorization"}) ||
		aws.ToString(created.JwtConfiguration.Issuer) != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc" ||
		!slices.Equal(created.JwtConfiguration.Audience, []string{"client1"}) {
		t.Fatalf("created %+v", created)
	}
	got, err := f.gw.GetAuthorizer(ctx, &gw.GetAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id)})
	if err != nil || aws.ToString(got.Name) != "cognito" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	up, err := f.gw.UpdateAuthorizer(ctx, &gw.UpdateAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id),
		JwtConfiguration: &gwtypes.JWTConfiguration{Audience: []string{"client1", "client2"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(up.JwtConfiguration.Audience, []string{"client1", "client2"}) ||
		aws.ToString(up.JwtConfiguration.Issuer) != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc" {
		t.Fatalf("update kept the issuer and replaced the audience? %+v", up.JwtConfiguration)
	}
	list, err := f.gw.GetAuthorizers(ctx, &gw.GetAuthorizersInput{ApiId: aws.String(api)})
	if err != nil || len(list.Items) != 1 || aws.ToString(list.Items[0].AuthorizerId) != id {
		t.Fatalf("list: %+v, %v", list, err)
	}

	integ := f.publicIntegration(t, api)
	route, err := f.gw.CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String("GET /me"),
		Target: aws.String("integrations/" + integ), AuthorizationType: gwtypes.AuthorizationTypeJwt,
		AuthorizerId: aws.String(id), AuthorizationScopes: []string{"profile", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(route.AuthorizerId) != id || !slices.Equal(route.AuthorizationScopes, []string{"profile", "email"}) ||
		route.AuthorizationType != gwtypes.AuthorizationTypeJwt {
		t.Fatalf("route %+v", route)
	}
	f.fails(t, "ConflictException", "Cannot delete Authorizer because it is referenced by the following Routes with Ids: ["+aws.ToString(route.RouteId)+"]",
		func() error {
			_, err := f.gw.DeleteAuthorizer(ctx, &gw.DeleteAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id)})
			return err
		})
	// Leaving JWT drops the authorizer and the scopes.
	r2, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: aws.String(api), RouteId: route.RouteId,
		AuthorizationType: gwtypes.AuthorizationTypeNone})
	if err != nil {
		t.Fatal(err)
	}
	if r2.AuthorizerId != nil || len(r2.AuthorizationScopes) != 0 {
		t.Fatalf("route left JWT but kept %v %v", aws.ToString(r2.AuthorizerId), r2.AuthorizationScopes)
	}
	if _, err := f.gw.DeleteAuthorizer(ctx, &gw.DeleteAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "NotFoundException", "Invalid Authorizer identifier specified "+id, func() error {
		_, err := f.gw.GetAuthorizer(ctx, &gw.GetAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id)})
		return err
	})
}

const authorizerURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"

// lambdaWith is a valid Lambda authorizer's input, changed by mod.
func lambdaWith(api string, mod func(in *gw.CreateAuthorizerInput)) *gw.CreateAuthorizerInput {
	in := &gw.CreateAuthorizerInput{ApiId: aws.String(api), Name: aws.String("lambda"), AuthorizerType: gwtypes.AuthorizerTypeRequest,
		IdentitySource: []string{"$request.header.Authorization", "$context.routeKey"}, AuthorizerUri: aws.String(authorizerURI),
		AuthorizerPayloadFormatVersion: aws.String("2.0"), EnableSimpleResponses: aws.Bool(true), AuthorizerResultTtlInSeconds: aws.Int32(300)}
	mod(in)
	return in
}

// A Lambda authorizer keeps and shows its members; a CUSTOM route names
// it; an update that makes it invalid is refused whole.
func TestLambdaAuthorizerLifecycle(t *testing.T) {
	f := start(t)
	api := f.api(t, "lambda-authz")
	created, err := f.gw.CreateAuthorizer(ctx, lambdaWith(api, func(in *gw.CreateAuthorizerInput) {
		in.AuthorizerCredentialsArn = aws.String("arn:aws:iam::000000000000:role/invoker")
	}))
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.AuthorizerId)
	if created.AuthorizerType != gwtypes.AuthorizerTypeRequest || aws.ToString(created.AuthorizerUri) != authorizerURI ||
		aws.ToString(created.AuthorizerPayloadFormatVersion) != "2.0" || !aws.ToBool(created.EnableSimpleResponses) ||
		aws.ToInt32(created.AuthorizerResultTtlInSeconds) != 300 || created.JwtConfiguration != nil ||
		aws.ToString(created.AuthorizerCredentialsArn) != "arn:aws:iam::000000000000:role/invoker" ||
		!slices.Equal(created.IdentitySource, []string{"$request.header.Authorization", "$context.routeKey"}) {
		t.Fatalf("created %+v", created)
	}
	f.fails(t, "BadRequestException", "EnableSimpleResponses is only supported", func() error {
		_, err := f.gw.UpdateAuthorizer(ctx, &gw.UpdateAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id),
			AuthorizerPayloadFormatVersion: aws.String("1.0")})
		return err
	})
	up, err := f.gw.UpdateAuthorizer(ctx, &gw.UpdateAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id),
		AuthorizerPayloadFormatVersion: aws.String("1.0"), EnableSimpleResponses: aws.Bool(false), AuthorizerResultTtlInSeconds: aws.Int32(0)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.AuthorizerPayloadFormatVersion) != "1.0" || aws.ToBool(up.EnableSimpleResponses) || up.AuthorizerResultTtlInSeconds == nil ||
		aws.ToInt32(up.AuthorizerResultTtlInSeconds) != 0 || aws.ToString(up.AuthorizerUri) != authorizerURI {
		t.Fatalf("updated %+v", up)
	}
	integ := f.publicIntegration(t, api)
	route, err := f.gw.CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String("GET /me"),
		Target: aws.String("integrations/" + integ), AuthorizationType: gwtypes.AuthorizationTypeCustom, AuthorizerId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if route.AuthorizationType != gwtypes.AuthorizationTypeCustom || aws.ToString(route.AuthorizerId) != id {
		t.Fatalf("route %+v", route)
	}
	f.fails(t, "ConflictException", "Cannot delete Authorizer", func() error {
		_, err := f.gw.DeleteAuthorizer(ctx, &gw.DeleteAuthorizerInput{ApiId: aws.String(api), AuthorizerId: aws.String(id)})
		return err
	})
}

// TestAuthorizerValidation: each bad authorizer or route is refused with
// AWS's code and changes nothing.
func TestAuthorizerValidation(t *testing.T) {
	f := start(t)
	api := f.api(t, "authz")
	const issuer = "https://issuer.example.com"
	create := func(in *gw.CreateAuthorizerInput) func() error {
		return func() error { _, err := f.gw.CreateAuthorizer(ctx, in); return err }
	}
	with := func(mod func(in *gw.CreateAuthorizerInput)) *gw.CreateAuthorizerInput {
		in := jwtInput(api, "a", issuer, "aud")
		mod(in)
		return in
	}
	valid, err := f.gw.CreateAuthorizer(ctx, jwtInput(api, "ok", issuer, "aud"))
	if err != nil {
		t.Fatal(err)
	}
	lambdaAuth, err := f.gw.CreateAuthorizer(ctx, lambdaWith(api, func(*gw.CreateAuthorizerInput) {}))
	if err != nil {
		t.Fatal(err)
	}
	integ := f.publicIntegration(t, api)
	route := func(typ gwtypes.AuthorizationType, authorizer string, scopes ...string) func() error {
		return func() error {
			in := &gw.CreateRouteInput{ApiId: aws.String(api), RouteKey: aws.String("GET /x"), Target: aws.String("integrations/" + integ),
				AuthorizationType: typ, AuthorizationScopes: scopes}
			if authorizer != "" {
				in.AuthorizerId = aws.String(authorizer)
			}
			_, err := f.gw.CreateRoute(ctx, in)
			return err
		}
	}
	f.failAll(t, []failure{
		{"no jwt configuration", "BadRequestException", "JwtConfiguration is required for authorizer type JWT.",
			create(with(func(in *gw.CreateAuthorizerInput) { in.JwtConfiguration = nil }))},
		{"no audience", "BadRequestException", "at least one audience",
			create(with(func(in *gw.CreateAuthorizerInput) { in.JwtConfiguration.Audience = nil }))},
		{"no issuer", "BadRequestException", "Invalid issuer",
			create(with(func(in *gw.CreateAuthorizerInput) { in.JwtConfiguration.Issuer = nil }))},
		{"issuer not a URL", "BadRequestException", "Invalid issuer",
			create(with(func(in *gw.CreateAuthorizerInput) { in.JwtConfiguration.Issuer = aws.String("issuer.example.com") }))},
		{"two identity sources", "BadRequestException", "exactly one identitySource",
			create(with(func(in *gw.CreateAuthorizerInput) {
				in.IdentitySource = []string{"$request.header.A", "$request.header.B"}
			}))},
		{"identity from the body", "BadRequestException", "Invalid identitySource",
			create(with(func(in *gw.CreateAuthorizerInput) { in.IdentitySource = []string{"$request.body.token"} }))},
		{"empty name", "BadRequestException", "Invalid authorizer name",
			create(with(func(in *gw.CreateAuthorizerInput) { in.Name = aws.String("") }))},
		{"lambda with a jwt configuration", "BadRequestException", "jwtConfiguration is supported only for JWT authorizers.",
			create(with(func(in *gw.CreateAuthorizerInput) { in.AuthorizerType = gwtypes.AuthorizerTypeRequest }))},
		{"lambda without uri", "BadRequestException", "AuthorizerUri is required for authorizer type REQUEST.",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.AuthorizerUri = nil }))},
		{"lambda uri naming no function", "BadRequestException", "Invalid Authorizer URI: https://example.com/auth.",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.AuthorizerUri = aws.String("https://example.com/auth") }))},
		{"lambda without payload format", "BadRequestException", "AuthorizerPayloadFormatVersion is required",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.AuthorizerPayloadFormatVersion = nil }))},
		{"lambda payload format 3.0", "BadRequestException", "Invalid authorizerPayloadFormatVersion",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.AuthorizerPayloadFormatVersion = aws.String("3.0") }))},
		{"simple responses with 1.0", "BadRequestException", "EnableSimpleResponses is only supported with authorizerPayloadFormatVersion 2.0.",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.AuthorizerPayloadFormatVersion = aws.String("1.0") }))},
		{"ttl past an hour", "BadRequestException", "Invalid authorizerResultTtlInSeconds 3601",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.AuthorizerResultTtlInSeconds = aws.Int32(3601) }))},
		{"negative ttl", "BadRequestException", "Invalid authorizerResultTtlInSeconds -1",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.AuthorizerResultTtlInSeconds = aws.Int32(-1) }))},
		{"caching without identity", "BadRequestException", "An identitySource is required when caching is enabled",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.IdentitySource = []string{} }))},
		{"identity from the body", "BadRequestException", "Invalid identity source \"$request.body.token\"",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.IdentitySource = []string{"$request.body.token"} }))},
		{"identity validation expression", "BadRequestException", "identityValidationExpression is not supported",
			create(lambdaWith(api, func(in *gw.CreateAuthorizerInput) { in.IdentityValidationExpression = aws.String(".*") }))},
		{"lambda member on jwt", "BadRequestException", "not supported for JWT authorizers",
			create(with(func(in *gw.CreateAuthorizerInput) {
				in.AuthorizerUri = aws.String("arn:aws:apigateway:us-east-1:lambda:path/x")
			}))},
		{"unknown api", "NotFoundException", "Invalid API identifier specified",
			create(jwtInput("nosuchapi0", "a", issuer, "aud"))},
		{"jwt route without authorizer", "BadRequestException",
			"Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer.",
			route(gwtypes.AuthorizationTypeJwt, "")},
		{"jwt route with unknown authorizer", "BadRequestException", "requires a valid JWT authorizer",
			route(gwtypes.AuthorizationTypeJwt, "nosuch")},
		{"scopes without jwt", "BadRequestException", "only be set on a route whose authorizationType is JWT",
			route(gwtypes.AuthorizationTypeNone, "", "read")},
		{"authorizer without jwt", "BadRequestException", "only be set on a route whose authorizationType is JWT",
			route(gwtypes.AuthorizationTypeAwsIam, aws.ToString(valid.AuthorizerId))},
		{"custom with a jwt authorizer", "BadRequestException",
			"Invalid authorizer ID specified. Setting the authorization type to CUSTOM requires a valid REQUEST authorizer.",
			route(gwtypes.AuthorizationTypeCustom, aws.ToString(valid.AuthorizerId))},
		{"custom without authorizer", "BadRequestException", "requires a valid REQUEST authorizer", route(gwtypes.AuthorizationTypeCustom, "")},
		{"custom with scopes", "BadRequestException", "authorizationScopes can only be set on a route whose authorizationType is JWT.",
			route(gwtypes.AuthorizationTypeCustom, aws.ToString(lambdaAuth.AuthorizerId), "read")},
		{"jwt with a lambda authorizer", "BadRequestException", "requires a valid JWT authorizer",
			route(gwtypes.AuthorizationTypeJwt, aws.ToString(lambdaAuth.AuthorizerId))},
		{"update to bad audience", "BadRequestException", "audience cannot be empty", func() error {
			_, err := f.gw.UpdateAuthorizer(ctx, &gw.UpdateAuthorizerInput{ApiId: aws.String(api), AuthorizerId: valid.AuthorizerId,
				JwtConfiguration: &gwtypes.JWTConfiguration{Audience: []string{""}}})
			return err
		}},
	})
}

// An AWS_PROXY integration names a function: by ARN, by invocation URI,
// with a stage variable in either; any other URI is refused.
func TestLambdaIntegrationURI(t *testing.T) {
	f := start(t)
	api := f.api(t, "lambda")
	create := func(uri string) error {
		_, err := f.gw.CreateIntegration(ctx, &gw.CreateIntegrationInput{ApiId: aws.String(api), IntegrationType: gwtypes.IntegrationTypeAwsProxy,
			PayloadFormatVersion: aws.String("2.0"), IntegrationUri: aws.String(uri)})
		return err
	}
	for _, uri := range []string{"arn:aws:lambda:us-east-1:000000000000:function:orders", "arn:aws:lambda:us-east-1:000000000000:function:orders:live",
		"arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}", authorizerURI,
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}/invocations"} {
		if err := create(uri); err != nil {
			t.Errorf("%s: %v", uri, err)
		}
	}
	for _, uri := range []string{"https://example.com/fn", "orders", "arn:aws:s3:::bucket", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/orders/invocations"} {
		f.fails(t, "BadRequestException", "Invalid integration URI specified", func() error { return create(uri) })
	}
}
