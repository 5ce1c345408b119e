package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/stack"
)

// Deleting HTTP API resources: by the Ref each reported and the ApiId in
// its properties. A NotFoundException, its own or its API's, means the
// resource is already gone.

func init() {
	deleters["AWS::ApiGatewayV2::Api"] = deleteHTTPAPI
	deleters["AWS::ApiGatewayV2::VpcLink"] = deleteVpcLinkV2
	deleters["AWS::ApiGatewayV2::Integration"] = deleteIntegrationV2
	deleters["AWS::ApiGatewayV2::Route"] = deleteRouteV2
	deleters["AWS::ApiGatewayV2::Authorizer"] = deleteAuthorizerV2
	deleters["AWS::ApiGatewayV2::Stage"] = deleteStageV2
	deleters["AWS::ApiGatewayV2::Deployment"] = deleteDeploymentV2
}

func deleteHTTPAPI(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	_, err := s.HTTP.DeleteApi(ctx, &apigatewayv2.DeleteApiInput{ApiId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

// deleteVpcLinkV2 waits until the link and its network interfaces are
// gone: DeleteVpcLink only marks it DELETING, and the subnets and security
// groups it stands in cannot be deleted before it is.
func deleteVpcLinkV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	id := cur.Ref
	if _, err := s.HTTP.DeleteVpcLink(ctx, &apigatewayv2.DeleteVpcLinkInput{VpcLinkId: &id}); err != nil {
		return ignoreGone(err)
	}
	return s.poll(ctx, "waiting for VPC link "+id+" to be deleted", func() (bool, error) {
		_, err := s.HTTP.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: &id})
		if gone(err) {
			return true, nil
		}
		return false, err
	})
}

func deleteIntegrationV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.HTTP.DeleteIntegration(ctx, &apigatewayv2.DeleteIntegrationInput{ApiId: p.str("ApiId"), IntegrationId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

func deleteRouteV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.HTTP.DeleteRoute(ctx, &apigatewayv2.DeleteRouteInput{ApiId: p.str("ApiId"), RouteId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

func deleteAuthorizerV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.HTTP.DeleteAuthorizer(ctx, &apigatewayv2.DeleteAuthorizerInput{ApiId: p.str("ApiId"), AuthorizerId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

func deleteStageV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.HTTP.DeleteStage(ctx, &apigatewayv2.DeleteStageInput{ApiId: p.str("ApiId"), StageName: aws.String(cur.Ref)})
	return ignoreGone(err)
}

// deleteDeploymentV2 leaves a deployment that the stage named by its
// StageName still serves: that stage is a resource of its own, which the
// deployment depends on, so it is deleted after the deployment, and the
// deployment then goes with its API. Any other refusal is an error.
func deleteDeploymentV2(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	api := p.str("ApiId")
	_, err := s.HTTP.DeleteDeployment(ctx, &apigatewayv2.DeleteDeploymentInput{ApiId: api, DeploymentId: aws.String(cur.Ref)})
	if apiError(err, "BadRequestException", "Active stages") {
		if name := p.str("StageName"); name != nil {
			st, serr := s.HTTP.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: api, StageName: name})
			if serr == nil && aws.ToString(st.DeploymentId) == cur.Ref {
				return nil
			}
		}
	}
	return ignoreGone(err)
}
