package provision_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

// An AWS::ApiGatewayV2::Authorizer is created, protects a route, changes
// in place, loses the route and is deleted, twice, as a stack would.
func TestHTTPAPIAuthorizerLifecycle(t *testing.T) {
	r := newGWRig(t)
	h := r.httpAPI()
	api := aws.String(h.api.Ref)
	ap := map[string]any{"ApiId": h.api.Ref, "Name": "cognito", "AuthorizerType": "JWT",
		"IdentitySource":   []any{"$request.header.Authorization"},
		"JwtConfiguration": map[string]any{"Issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool", "Audience": []any{"app"}}}
	a := r.create("AWS::ApiGatewayV2::Authorizer", "Authorizer", ap)
	if a.Attrs["AuthorizerId"] != a.Ref || len(a.Ref) != 6 {
		t.Fatalf("created %+v", a)
	}
	rp := with(h.routeP, "AuthorizationType", "JWT", "AuthorizerId", a.Ref, "AuthorizationScopes", []any{"read"})
	r.update("AWS::ApiGatewayV2::Route", h.route, h.routeP, rp)
	route, err := r.v2.GetRoute(r.ctx, &apigatewayv2.GetRouteInput{ApiId: api, RouteId: aws.String(h.route.Ref)})
	if err != nil || aws.ToString(route.AuthorizerId) != a.Ref || !slices.Equal(route.AuthorizationScopes, []string{"read"}) {
		t.Fatalf("route: %+v %v", route, err)
	}
	ap2 := with(ap, "Name", "pool", "JwtConfiguration", map[string]any{"Issuer": "https://issuer.example.com", "Audience": []any{"app", "web"}})
	r.update("AWS::ApiGatewayV2::Authorizer", a, ap, ap2)
	got, err := r.v2.GetAuthorizer(r.ctx, &apigatewayv2.GetAuthorizerInput{ApiId: api, AuthorizerId: aws.String(a.Ref)})
	if err != nil || aws.ToString(got.Name) != "pool" || aws.ToString(got.JwtConfiguration.Issuer) != "https://issuer.example.com" ||
		!slices.Equal(got.JwtConfiguration.Audience, []string{"app", "web"}) {
		t.Fatalf("authorizer after update: %+v %v", got, err)
	}
	// Dropping the route's authorization leaves it open, so the
	// authorizer can go.
	r.update("AWS::ApiGatewayV2::Route", h.route, rp, h.routeP)
	route, err = r.v2.GetRoute(r.ctx, &apigatewayv2.GetRouteInput{ApiId: api, RouteId: aws.String(h.route.Ref)})
	if err != nil || route.AuthorizationType != "NONE" || route.AuthorizerId != nil || len(route.AuthorizationScopes) != 0 {
		t.Fatalf("route after its authorization was dropped: %+v %v", route, err)
	}
	r.del("AWS::ApiGatewayV2::Authorizer", a, ap2)
	_, err = r.v2.GetAuthorizer(r.ctx, &apigatewayv2.GetAuthorizerInput{ApiId: api, AuthorizerId: aws.String(a.Ref)})
	wantGoneV2(t, "authorizer", err)
}
