package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/smithy-go"

	"gatehouse/internal/stack"
)

// Deleting REST API resources. Each deleter finds its resource by the Ref
// it reported and the parent ids in its properties; a NotFoundException,
// its own or its API's, means there is nothing left to do, so deleting
// twice, or a resource after its API, succeeds.

func init() {
	deleters["AWS::ApiGateway::RestApi"] = deleteRestAPI
	deleters["AWS::ApiGateway::Resource"] = deleteResource
	deleters["AWS::ApiGateway::Method"] = deleteMethod
	deleters["AWS::ApiGateway::VpcLink"] = deleteVpcLinkV1
	deleters["AWS::ApiGateway::Deployment"] = deleteDeploymentV1
	deleters["AWS::ApiGateway::Stage"] = deleteStageV1
}

// apiError reports whether err is the service's error code with text in
// its message. The SDK decodes into its typed errors only those an
// operation's model lists, so the code is compared, not the type.
func apiError(err error, code, text string) bool {
	var e smithy.APIError
	return errors.As(err, &e) && e.ErrorCode() == code && strings.Contains(e.ErrorMessage(), text)
}

// ignoreGone turns "not found" into success.
func ignoreGone(err error) error {
	if gone(err) {
		return nil
	}
	return err
}

func deleteRestAPI(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	_, err := s.APIGW.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

func deleteResource(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.APIGW.DeleteResource(ctx, &apigateway.DeleteResourceInput{RestApiId: p.str("RestApiId"), ResourceId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

// methodID reads a method's three-part id from the properties it was made
// with, or, failing that, from its Ref (apiId/resourceId/VERB).
func methodID(cur stack.Created, p props) (api, resource, verb string) {
	api, resource, verb = p.string("RestApiId"), p.string("ResourceId"), p.string("HttpMethod")
	if parts := strings.Split(cur.Ref, "/"); len(parts) == 3 && (api == "" || resource == "" || verb == "") {
		api, resource, verb = parts[0], parts[1], parts[2]
	}
	return api, resource, verb
}

func deleteMethod(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	api, resource, verb := methodID(cur, p)
	_, err := s.APIGW.DeleteMethod(ctx, &apigateway.DeleteMethodInput{RestApiId: &api, ResourceId: &resource, HttpMethod: &verb})
	return ignoreGone(err)
}

// deleteVpcLinkV1 waits until the link is gone: DeleteVpcLink only starts
// the removal (DELETING), and a stack is not deleted until its links are.
func deleteVpcLinkV1(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	id := cur.Ref
	if _, err := s.APIGW.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: &id}); err != nil {
		return ignoreGone(err)
	}
	return s.poll(ctx, "waiting for VPC link "+id+" to be deleted", func() (bool, error) {
		_, err := s.APIGW.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: &id})
		if gone(err) {
			return true, nil
		}
		return false, err
	})
}

// deleteDeploymentV1 first deletes the stage the deployment made through
// its StageName, while that stage still serves this deployment: no other
// resource of the stack owns that stage, and a deployment a stage serves
// cannot be deleted. A stage since moved to another deployment (the next
// deployment of a replacement) is left alone. Stages declared as their own
// resources are deleted before the deployment, by the dependency order.
func deleteDeploymentV1(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	api := p.str("RestApiId")
	if name := p.str("StageName"); name != nil {
		st, err := s.APIGW.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api, StageName: name})
		switch {
		case gone(err):
		case err != nil:
			return err
		case aws.ToString(st.DeploymentId) == cur.Ref:
			_, err := s.APIGW.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: api, StageName: name})
			if err := ignoreGone(err); err != nil {
				return fmt.Errorf("deleting stage %s: %w", *name, err)
			}
		}
	}
	_, err := s.APIGW.DeleteDeployment(ctx, &apigateway.DeleteDeploymentInput{RestApiId: api, DeploymentId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

func deleteStageV1(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.APIGW.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: p.str("RestApiId"), StageName: aws.String(cur.Ref)})
	return ignoreGone(err)
}
