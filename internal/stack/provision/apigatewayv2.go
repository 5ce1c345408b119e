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
	creators["AWS::ApiGatewayV2::Stage"] = createStageV2
	creators["AWS::ApiGatewayV2::Deployment"] = createDeploymentV2
}

func createHTTPAPI(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateApiInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
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
func createVpcLinkV2(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateVpcLinkInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
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
	if err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"VpcLinkId": id}}, nil
}

func createIntegrationV2(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
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

func createStageV2(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigatewayv2.CreateStageInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.HTTP.CreateStage(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: aws.ToString(out.StageName), Attrs: map[string]any{}}, nil
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
