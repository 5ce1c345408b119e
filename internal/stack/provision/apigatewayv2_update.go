package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/stack"
)

// Updating HTTP API resources in place. The Update calls merge, so each
// sends the new properties and undoes the dropped ones (mergeInput); the
// create-only ones (ApiId, a stage's name, a link's subnets and groups)
// never reach an updater, since changing them replaces the resource.

func init() {
	updaters["AWS::ApiGatewayV2::Api"] = updateHTTPAPI
	updaters["AWS::ApiGatewayV2::VpcLink"] = updateVpcLinkV2
	updaters["AWS::ApiGatewayV2::Integration"] = updateIntegrationV2
	updaters["AWS::ApiGatewayV2::Route"] = updateRouteV2
	updaters["AWS::ApiGatewayV2::Authorizer"] = updateAuthorizerV2
	updaters["AWS::ApiGatewayV2::Stage"] = updateStageV2
	updaters["AWS::ApiGatewayV2::Deployment"] = updateDeploymentV2
}

// apiResets are the values UpdateApi takes to undo a property the
// template no longer sets: the defaults CreateApi gives.
var apiResets = map[string]any{
	"Description":               "",
	"Version":                   "",
	"DisableExecuteApiEndpoint": false,
	"ApiKeySelectionExpression": "$request.header.x-api-key",
	"RouteSelectionExpression":  "$request.method $request.path",
	"IpAddressType":             "ipv4",
	// Quick create: dropping RouteKey keeps the route as it is, and
	// dropping CredentialsArn clears it; a Target cannot be removed.
	"RouteKey":       nil,
	"CredentialsArn": "",
}

func updateHTTPAPI(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed := changedKeys(old, new)
	if _, ok := new["Body"]; ok {
		if onlyChanged(changed, "Tags") {
			return cur, s.retagV2(ctx, "/apis/"+cur.Ref, t, new)
		}
		return reimportHTTPAPI(ctx, s, t, cur, new)
	}
	skip := []string{"Tags", "ProtocolType"}
	if _, had := old["CorsConfiguration"]; had && new["CorsConfiguration"] == nil {
		// UpdateApi cannot remove a CORS configuration, only replace it:
		// removing it is a call of its own.
		if _, err := s.HTTP.DeleteCorsConfiguration(ctx, &apigatewayv2.DeleteCorsConfigurationInput{ApiId: aws.String(cur.Ref)}); err != nil {
			return cur, err
		}
		skip = append(skip, "CorsConfiguration")
	}
	if !onlyChanged(changed, skip...) {
		m, err := mergeInput(old, new, apiResets, nil, skip...)
		if err != nil {
			return cur, err
		}
		var in apigatewayv2.UpdateApiInput
		if err := decode(m, &in); err != nil {
			return cur, err
		}
		in.ApiId = aws.String(cur.Ref)
		out, err := s.HTTP.UpdateApi(ctx, &in)
		if err != nil {
			return cur, err
		}
		cur = stack.Created{Ref: cur.Ref, Attrs: map[string]any{"ApiId": cur.Ref, "ApiEndpoint": aws.ToString(out.ApiEndpoint)}}
	}
	return cur, s.retagV2(ctx, "/apis/"+cur.Ref, t, new)
}

func updateVpcLinkV2(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if !onlyChanged(changedKeys(old, new), "Tags") {
		var in apigatewayv2.UpdateVpcLinkInput
		if err := decode(without(new, "Tags", "SubnetIds", "SecurityGroupIds"), &in); err != nil {
			return cur, err
		}
		in.VpcLinkId = aws.String(cur.Ref)
		if _, err := s.HTTP.UpdateVpcLink(ctx, &in); err != nil {
			return cur, err
		}
	}
	return cur, s.retagV2(ctx, "/vpclinks/"+cur.Ref, t, new)
}

// integrationResets undo an integration's dropped properties. Dropping
// ConnectionId sends nothing: the ConnectionType going back to INTERNET
// drops the link with it.
var integrationResets = map[string]any{
	"Description":     "",
	"TimeoutInMillis": 30000,
	"ConnectionType":  "INTERNET",
	"ConnectionId":    nil,
	"TlsConfig":       map[string]any{"ServerNameToVerify": ""},
}

func updateIntegrationV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	old, err := apiResponseParameters(old)
	if err != nil {
		return cur, err
	}
	if new, err = apiResponseParameters(new); err != nil {
		return cur, err
	}
	m, err := mergeInput(old, new, integrationResets, []string{"RequestParameters", "ResponseParameters"}, "ApiId")
	if err != nil {
		return cur, err
	}
	var in apigatewayv2.UpdateIntegrationInput
	if err := decode(m, &in); err != nil {
		return cur, err
	}
	in.ApiId, in.IntegrationId = new.str("ApiId"), aws.String(cur.Ref)
	_, err = s.HTTP.UpdateIntegration(ctx, &in)
	return cur, err
}

var routeResets = map[string]any{
	"Target":              "",
	"AuthorizationType":   "NONE",
	"AuthorizerId":        "",
	"AuthorizationScopes": []any{},
	"OperationName":       "",
	"ApiKeyRequired":      false,
}

// authorizerResets undo an authorizer's dropped properties: the Lambda
// members go empty; a dropped IdentitySource or JwtConfiguration sends
// nothing, and the authorizer keeps what it has.
var authorizerResets = map[string]any{
	"AuthorizerCredentialsArn":       "",
	"AuthorizerPayloadFormatVersion": "",
	"AuthorizerResultTtlInSeconds":   nil,
	"AuthorizerUri":                  "",
	"EnableSimpleResponses":          false,
	"IdentityValidationExpression":   "",
	"IdentitySource":                 nil,
	"JwtConfiguration":               nil,
}

func updateAuthorizerV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	m, err := mergeInput(old, new, authorizerResets, nil, "ApiId")
	if err != nil {
		return cur, err
	}
	var in apigatewayv2.UpdateAuthorizerInput
	if err := decode(m, &in); err != nil {
		return cur, err
	}
	in.ApiId, in.AuthorizerId = new.str("ApiId"), aws.String(cur.Ref)
	_, err = s.HTTP.UpdateAuthorizer(ctx, &in)
	return cur, err
}

func updateRouteV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	m, err := mergeInput(old, new, routeResets, nil, "ApiId")
	if err != nil {
		return cur, err
	}
	var in apigatewayv2.UpdateRouteInput
	if err := decode(m, &in); err != nil {
		return cur, err
	}
	in.ApiId, in.RouteId = new.str("ApiId"), aws.String(cur.Ref)
	_, err = s.HTTP.UpdateRoute(ctx, &in)
	return cur, err
}

// stageResets undo a stage's dropped properties. A dropped DeploymentId
// sends nothing: a stage cannot serve no deployment, and the AutoDeploy
// that usually replaces it moves the stage on by itself.
var stageResets = map[string]any{
	"Description":          "",
	"AutoDeploy":           false,
	"DeploymentId":         nil,
	"DefaultRouteSettings": map[string]any{},
	"AccessLogSettings":    map[string]any{"DestinationArn": "", "Format": ""},
}

// updateStageV2 sends the merged settings in one UpdateStage; route keys
// whose settings the template dropped are removed one by one afterwards
// (DeleteRouteSettings), since UpdateStage can only set a key's settings.
func updateStageV2(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	api, name := new.str("ApiId"), aws.String(cur.Ref)
	if !onlyChanged(changedKeys(old, new), "Tags") {
		m, err := mergeInput(old, new, stageResets, []string{"StageVariables"}, "Tags", "ApiId", "StageName", "RouteSettings")
		if err != nil {
			return cur, err
		}
		if rs, ok := new["RouteSettings"]; ok {
			m["RouteSettings"] = rs
		}
		var in apigatewayv2.UpdateStageInput
		if err := decode(m, &in); err != nil {
			return cur, err
		}
		in.ApiId, in.StageName = api, name
		if _, err := s.HTTP.UpdateStage(ctx, &in); err != nil {
			return cur, err
		}
		kept := keysOf(new, "RouteSettings")
		for key := range keysOf(old, "RouteSettings") {
			if kept[key] {
				continue
			}
			_, err := s.HTTP.DeleteRouteSettings(ctx, &apigatewayv2.DeleteRouteSettingsInput{ApiId: api, StageName: name, RouteKey: aws.String(key)})
			if err := ignoreGone(err); err != nil {
				return cur, fmt.Errorf("RouteSettings %s: %w", key, err)
			}
		}
	}
	return cur, s.retagV2(ctx, "/apis/"+aws.ToString(api)+"/stages/"+cur.Ref, t, new)
}

// updateDeploymentV2 points the stage a new StageName names at the
// deployment, as CreateDeployment would have. A deployment's description
// cannot change: gatehouse serves no UpdateDeployment for HTTP APIs.
func updateDeploymentV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	for _, k := range changedKeys(old, new) {
		switch k {
		case "StageName":
			if name := new.str("StageName"); name != nil {
				_, err := s.HTTP.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: new.str("ApiId"), StageName: name, DeploymentId: aws.String(cur.Ref)})
				if err != nil {
					return cur, fmt.Errorf("StageName: %w", err)
				}
			}
		default:
			return cur, fmt.Errorf("updating %s in place is not supported: gatehouse does not serve UpdateDeployment for HTTP APIs", k)
		}
	}
	return cur, nil
}
