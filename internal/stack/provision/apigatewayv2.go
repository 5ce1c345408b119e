package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"gatehouse/internal/stack"
)

// API Gateway V2's CloudFormation properties carry the API's member names
// (tags included, as a map), so each decodes straight into its input.

func init() {
	creators["AWS::ApiGatewayV2::Api"] = createHTTPAPI
	creators["AWS::ApiGatewayV2::VpcLink"] = createVpcLinkV2
	creators["AWS::ApiGatewayV2::Integration"] = createIntegrationV2
	creators["AWS::ApiGatewayV2::Route"] = createRouteV2
	creators["AWS::ApiGatewayV2::Authorizer"] = createAuthorizerV2
	creators["AWS::ApiGatewayV2::Stage"] = createStageV2
	creators["AWS::ApiGatewayV2::Deployment"] = createDeploymentV2
}

// createHTTPAPI names an API the template names not as CloudFormation
// names resources.
func createHTTPAPI(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	if _, ok := p["Body"]; ok {
		return importHTTPAPI(ctx, s, t, p)
	}
	var in apigatewayv2.CreateApiInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	in.Tags = tagsOf(t, p)
	out, err := s.HTTP.CreateApi(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.ApiId)
	return stack.Created{Ref: id, Attrs: map[string]any{"ApiId": id, "ApiEndpoint": aws.ToString(out.ApiEndpoint)}}, nil
}

// createVpcLinkV2 waits for the link to become AVAILABLE: integrations on
// a PENDING link are accepted, but the stack would not be usable when `up`
// reports it done.
func createVpcLinkV2(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateVpcLinkInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = tagsOf(t, p)
	out, err := s.HTTP.CreateVpcLink(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.VpcLinkId)
	err = s.poll(ctx, "waiting for VPC link "+id+" to become AVAILABLE", func() (bool, error) {
		got, err := s.HTTP.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: &id})
		if err != nil {
			return false, err
		}
		switch got.VpcLinkStatus {
		case v2types.VpcLinkStatusAvailable:
			return true, nil
		case v2types.VpcLinkStatusFailed:
			return false, fmt.Errorf("VPC link %s FAILED: %s", id, aws.ToString(got.VpcLinkStatusMessage))
		}
		return false, nil
	})
	// A link that never became AVAILABLE is reported with its id, so that
	// it is deleted again.
	return stack.Created{Ref: id, Attrs: map[string]any{"VpcLinkId": id}}, err
}

func createIntegrationV2(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	p, err := apiResponseParameters(p)
	if err != nil {
		return stack.Created{}, err
	}
	var in apigatewayv2.CreateIntegrationInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.HTTP.CreateIntegration(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.IntegrationId)
	return stack.Created{Ref: id, Attrs: map[string]any{"IntegrationId": id}}, nil
}

func createRouteV2(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateRouteInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.HTTP.CreateRoute(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.RouteId)
	return stack.Created{Ref: id, Attrs: map[string]any{"RouteId": id}}, nil
}

func createAuthorizerV2(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateAuthorizerInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.HTTP.CreateAuthorizer(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.AuthorizerId)
	return stack.Created{Ref: id, Attrs: map[string]any{"AuthorizerId": id}}, nil
}

// createStageV2 answers Ref and the Id attribute with the stage's name,
// which is how the API identifies a stage.
func createStageV2(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateStageInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = tagsOf(t, p)
	out, err := s.HTTP.CreateStage(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	name := aws.ToString(out.StageName)
	return stack.Created{Ref: name, Attrs: map[string]any{"Id": name}}, nil
}

func createDeploymentV2(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateDeploymentInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.HTTP.CreateDeployment(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.DeploymentId)
	return stack.Created{Ref: id, Attrs: map[string]any{"DeploymentId": id}}, nil
}

// apiResponseParameters turns an integration's ResponseParameters from
// CloudFormation's form, {"200": {"ResponseParameters": [{"Destination":
// "overwrite:header.x", "Source": "v"}]}}, into the API's, {"200":
// {"overwrite:header.x": "v"}}, on a copy of p.
func apiResponseParameters(p props) (props, error) {
	byStatus, ok := p["ResponseParameters"].(map[string]any)
	if !ok {
		return p, nil
	}
	out := map[string]any{}
	for status, v := range byStatus {
		entry, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("ResponseParameters.%s: want a mapping with ResponseParameters", status)
		}
		m := map[string]any{}
		for i, mapping := range props(entry).list("ResponseParameters") {
			dest, src := mapping.str("Destination"), mapping.str("Source")
			if dest == nil || src == nil {
				return nil, fmt.Errorf("ResponseParameters.%s.ResponseParameters[%d]: Destination and Source are required", status, i)
			}
			m[*dest] = *src
		}
		out[status] = m
	}
	cp := props(without(p))
	cp["ResponseParameters"] = out
	return cp, nil
}
