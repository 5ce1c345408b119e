package apigateway_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

const authURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"

// Authorizers are made, listed, patched and deleted with AWS's shapes and
// checks; a bad one is refused whole; a method names one with CUSTOM, and
// the authorizer cannot be deleted while it does.
func TestAuthorizerLifecycle(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "guarded")

	made, err := f.gw.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: aws.String(api),
		Name: aws.String("tokens"), Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(authURI),
		IdentitySource: aws.String("method.request.header.Authorization"), IdentityValidationExpression: aws.String("^Bearer .+$")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(made.AuthorizerResultTtlInSeconds) != 300 || made.Type != types.AuthorizerTypeToken || aws.ToString(made.AuthorizerUri) != authURI {
		t.Fatalf("created: %+v", made)
	}
	id := aws.ToString(made.Id)

	for _, c := range []struct {
		what, code, part string
		in               apigateway.CreateAuthorizerInput
	}{
		{"cognito", "BadRequestException", "Cognito", apigateway.CreateAuthorizerInput{Name: aws.String("c"), Type: types.AuthorizerTypeCognitoUserPools, ProviderARNs: []string{"arn:aws:cognito-idp:us-east-1:000000000000:userpool/x"}}},
		{"no uri", "BadRequestException", "Authorizer URI must be specified", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeToken, IdentitySource: aws.String("method.request.header.Authorization")}},
		{"not lambda", "BadRequestException", "Invalid Authorizer URI", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String("https://example.com"), IdentitySource: aws.String("method.request.header.Authorization")}},
		{"token without source", "BadRequestException", "Identity source", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(authURI)}},
		{"token from query", "BadRequestException", "Invalid token source expression", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(authURI), IdentitySource: aws.String("method.request.querystring.t")}},
		{"ttl", "BadRequestException", "TTL", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(authURI), IdentitySource: aws.String("method.request.header.A"), AuthorizerResultTtlInSeconds: aws.Int32(3601)}},
		{"request cached without source", "BadRequestException", "caching", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(authURI)}},
		{"request validation expression", "BadRequestException", "only supported for TOKEN", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(authURI), IdentitySource: aws.String("method.request.header.A"), IdentityValidationExpression: aws.String("x")}},
		{"bad request source", "BadRequestException", "Invalid identity source expression: method.request.body", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(authURI), IdentitySource: aws.String("method.request.header.A, method.request.body")}},
		{"type", "ValidationException", "createAuthorizerInput.type", apigateway.CreateAuthorizerInput{Name: aws.String("n"), Type: "JWT", AuthorizerUri: aws.String(authURI)}},
	} {
		in := c.in
		in.RestApiId = aws.String(api)
		f.fails(t, c.code, c.part, func() error { _, err := f.gw.CreateAuthorizer(ctx, &in); return err })
	}
	// A REQUEST authorizer without caching needs no identity source.
	req, err := f.gw.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: aws.String(api), Name: aws.String("requests"),
		Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(authURI), AuthorizerResultTtlInSeconds: aws.Int32(0)})
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.gw.GetAuthorizers(ctx, &apigateway.GetAuthorizersInput{RestApiId: aws.String(api)})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list: %v %+v", err, list)
	}

	up, err := f.gw.UpdateAuthorizer(ctx, &apigateway.UpdateAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: aws.String(id),
		PatchOperations: []types.PatchOperation{
			{Op: types.OpReplace, Path: aws.String("/authorizerResultTtlInSeconds"), Value: aws.String("60")},
			{Op: types.OpReplace, Path: aws.String("/identitySource"), Value: aws.String("method.request.header.X-Token")},
			{Op: types.OpRemove, Path: aws.String("/identityValidationExpression")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(up.AuthorizerResultTtlInSeconds) != 60 || aws.ToString(up.IdentitySource) != "method.request.header.X-Token" || up.IdentityValidationExpression != nil {
		t.Fatalf("updated: %+v", up)
	}
	f.fails(t, "BadRequestException", "Invalid token source", func() error {
		_, err := f.gw.UpdateAuthorizer(ctx, &apigateway.UpdateAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: aws.String(id),
			PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/identitySource"), Value: aws.String("stageVariables.x")}}})
		return err
	})

	// Methods: CUSTOM needs an authorizer of the API; scopes need Cognito.
	f.fails(t, "BadRequestException", "requires a valid authorizer", func() error {
		_, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root),
			HttpMethod: aws.String("GET"), AuthorizationType: aws.String("CUSTOM"), AuthorizerId: aws.String("nope00")})
		return err
	})
	f.fails(t, "BadRequestException", "authorization scopes", func() error {
		_, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root),
			HttpMethod: aws.String("GET"), AuthorizationType: aws.String("CUSTOM"), AuthorizerId: aws.String(id), AuthorizationScopes: []string{"read"}})
		return err
	})
	m, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root),
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("CUSTOM"), AuthorizerId: aws.String(id)})
	if err != nil || aws.ToString(m.AuthorizerId) != id {
		t.Fatalf("put method: %v %+v", err, m)
	}
	f.fails(t, "ConflictException", "Cannot delete authorizer 'tokens', is referenced in method: GET//", func() error {
		_, err := f.gw.DeleteAuthorizer(ctx, &apigateway.DeleteAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: aws.String(id)})
		return err
	})
	// Moving the method to the other authorizer frees the first.
	m2, err := f.gw.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"),
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/authorizerId"), Value: req.Id}}})
	if err != nil || aws.ToString(m2.AuthorizerId) != aws.ToString(req.Id) {
		t.Fatalf("update method: %v %+v", err, m2)
	}
	if _, err := f.gw.DeleteAuthorizer(ctx, &apigateway.DeleteAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.gw.GetAuthorizer(ctx, &apigateway.GetAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: aws.String(id)})
	wantError(t, err, "NotFoundException", "Invalid Authorizer identifier specified")
	// NONE drops the authorizer.
	m3, err := f.gw.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"),
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/authorizationType"), Value: aws.String("NONE")}}})
	if err != nil || m3.AuthorizerId != nil {
		t.Fatalf("NONE: %v %+v", err, m3)
	}
}

// An export with the authorizers extension writes each authorizer as a
// security scheme with x-amazon-apigateway-authorizer, and the methods it
// guards name it; importing that document makes the authorizer again and
// guards the same methods with it.
func TestAuthorizerOpenAPI(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "guarded")
	z, err := f.gw.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: aws.String(api),
		Name: aws.String("tokens"), Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(authURI),
		IdentitySource: aws.String("method.request.header.X-Token"), AuthorizerResultTtlInSeconds: aws.Int32(60)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root),
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("CUSTOM"), AuthorizerId: z.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(root),
		HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ, ext string
		detail   bool
	}{{"oas30", "authorizers", true}, {"swagger", "apigateway", true}, {"oas30", "", false}} {
		in := &apigateway.GetExportInput{RestApiId: aws.String(api), StageName: aws.String("prod"), ExportType: aws.String(c.typ)}
		if c.ext != "" {
			in.Parameters = map[string]string{"extensions": c.ext}
		}
		out, err := f.gw.GetExport(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(out.Body)
		if !strings.Contains(doc, `"tokens": {`) || !strings.Contains(doc, `"name": "X-Token"`) || !strings.Contains(doc, `"tokens": []`) ||
			strings.Contains(doc, `"x-amazon-apigateway-authorizer"`) != c.detail {
			t.Fatalf("%s %s export:\n%s", c.typ, c.ext, doc)
		}
		if !c.detail {
			continue
		}
		imp, err := f.gw.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: out.Body})
		if err != nil {
			t.Fatal(err)
		}
		zs, err := f.gw.GetAuthorizers(ctx, &apigateway.GetAuthorizersInput{RestApiId: imp.Id})
		if err != nil || len(zs.Items) != 1 || aws.ToString(zs.Items[0].Name) != "tokens" || zs.Items[0].Type != types.AuthorizerTypeToken ||
			aws.ToInt32(zs.Items[0].AuthorizerResultTtlInSeconds) != 60 || aws.ToString(zs.Items[0].IdentitySource) != "method.request.header.X-Token" {
			t.Fatalf("imported authorizers: %v %+v", err, zs)
		}
		m, err := f.gw.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: imp.Id, ResourceId: imp.RootResourceId, HttpMethod: aws.String("GET")})
		if err != nil || aws.ToString(m.AuthorizationType) != "CUSTOM" || aws.ToString(m.AuthorizerId) != aws.ToString(zs.Items[0].Id) {
			t.Fatalf("imported method: %v %+v", err, m)
		}
	}
}
