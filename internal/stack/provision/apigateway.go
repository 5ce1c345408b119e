package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/stack"
)

// API Gateway (v1) mostly shares the API's member names too; the
// exceptions (tags as a list, a method's integration and responses nested
// inside it) are taken apart here.

func init() {
	creators["AWS::ApiGateway::RestApi"] = createRestAPI
	creators["AWS::ApiGateway::Resource"] = createResource
	creators["AWS::ApiGateway::Method"] = createMethod
	creators["AWS::ApiGateway::VpcLink"] = createVpcLinkV1
	creators["AWS::ApiGateway::Deployment"] = createDeploymentV1
	creators["AWS::ApiGateway::Stage"] = createStageV1
}

// tagMap is nil rather than empty, so that no tags send nothing.
func tagMap(p props) map[string]string {
	if t := p.tags(); len(t) > 0 {
		return t
	}
	return nil
}

func createRestAPI(ctx context.Context, s *SDK, name string, p props) (stack.Created, error) {
	rest := without(p, "Tags", "ApiKeySourceType")
	var in apigateway.CreateRestApiInput
	if err := decode(rest, &in); err != nil {
		return stack.Created{}, err
	}
	in.ApiKeySource = agtypes.ApiKeySourceType(p.string("ApiKeySourceType"))
	in.Tags = tagMap(p)
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	out, err := s.APIGW.CreateRestApi(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"RestApiId": id, "RootResourceId": aws.ToString(out.RootResourceId)}}, nil
}

func createResource(ctx context.Context, s *SDK, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateResourceInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.APIGW.CreateResource(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"ResourceId": id}}, nil
}

// createMethod puts the method, its responses, its integration and the
// integration's responses: four API calls behind one resource, in the
// order the API needs them.
func createMethod(ctx context.Context, s *SDK, _ string, p props) (stack.Created, error) {
	var in apigateway.PutMethodInput
	if err := decode(without(p, "Integration", "MethodResponses"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.AuthorizationType == nil {
		in.AuthorizationType = aws.String("NONE")
	}
	if _, err := s.APIGW.PutMethod(ctx, &in); err != nil {
		return stack.Created{}, err
	}
	for i, r := range p.list("MethodResponses") {
		var mr apigateway.PutMethodResponseInput
		if err := decode(map[string]any(r), &mr); err != nil {
			return stack.Created{}, fmt.Errorf("MethodResponses[%d]: %v", i, err)
		}
		mr.RestApiId, mr.ResourceId, mr.HttpMethod = in.RestApiId, in.ResourceId, in.HttpMethod
		if _, err := s.APIGW.PutMethodResponse(ctx, &mr); err != nil {
			return stack.Created{}, fmt.Errorf("MethodResponses[%d]: %v", i, err)
		}
	}
	if integ, ok := p["Integration"].(map[string]any); ok {
		var pi apigateway.PutIntegrationInput
		if err := decode(without(integ, "IntegrationResponses"), &pi); err != nil {
			return stack.Created{}, fmt.Errorf("Integration: %v", err)
		}
		pi.RestApiId, pi.ResourceId, pi.HttpMethod = in.RestApiId, in.ResourceId, in.HttpMethod
		if _, err := s.APIGW.PutIntegration(ctx, &pi); err != nil {
			return stack.Created{}, fmt.Errorf("Integration: %v", err)
		}
		for i, r := range props(integ).list("IntegrationResponses") {
			var ir apigateway.PutIntegrationResponseInput
			if err := decode(map[string]any(r), &ir); err != nil {
				return stack.Created{}, fmt.Errorf("IntegrationResponses[%d]: %v", i, err)
			}
			ir.RestApiId, ir.ResourceId, ir.HttpMethod = in.RestApiId, in.ResourceId, in.HttpMethod
			if _, err := s.APIGW.PutIntegrationResponse(ctx, &ir); err != nil {
				return stack.Created{}, fmt.Errorf("IntegrationResponses[%d]: %v", i, err)
			}
		}
	}
	id := aws.ToString(in.RestApiId) + "/" + aws.ToString(in.ResourceId) + "/" + aws.ToString(in.HttpMethod)
	return stack.Created{Ref: id, Attrs: map[string]any{}}, nil
}

// createVpcLinkV1 waits for AVAILABLE: a deployment whose integration uses
// a link that is not ready would fail its first requests.
func createVpcLinkV1(ctx context.Context, s *SDK, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateVpcLinkInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = tagMap(p)
	out, err := s.APIGW.CreateVpcLink(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	err = s.poll(ctx, "waiting for VPC link "+id+" to become AVAILABLE", func() (bool, error) {
		got, err := s.APIGW.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: &id})
		if err != nil {
			return false, err
		}
		switch got.Status {
		case agtypes.VpcLinkStatusAvailable:
			return true, nil
		case agtypes.VpcLinkStatusFailed:
			return false, fmt.Errorf("VPC link %s FAILED: %s", id, aws.ToString(got.StatusMessage))
		}
		return false, nil
	})
	if err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"VpcLinkId": id}}, nil
}

func createDeploymentV1(ctx context.Context, s *SDK, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateDeploymentInput
	if err := decode(without(p, "StageDescription"), &in); err != nil {
		return stack.Created{}, err
	}
	// CloudFormation's StageDescription configures the stage the
	// deployment creates; its description and variables map onto the call.
	if sd, ok := p["StageDescription"].(map[string]any); ok {
		var stage struct {
			Description *string
			Variables   map[string]string
		}
		if err := decode(sd, &stage); err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
		in.StageDescription, in.Variables = stage.Description, stage.Variables
	}
	out, err := s.APIGW.CreateDeployment(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"DeploymentId": id}}, nil
}

func createStageV1(ctx context.Context, s *SDK, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateStageInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = tagMap(p)
	out, err := s.APIGW.CreateStage(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: aws.ToString(out.StageName), Attrs: map[string]any{}}, nil
}
