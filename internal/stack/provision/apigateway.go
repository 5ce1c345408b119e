package provision

import (
	"context"
	"fmt"
	"strings"

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

func createRestAPI(ctx context.Context, s *SDK, _ stack.Target, name string, p props) (stack.Created, error) {
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

func createResource(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
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
func createMethod(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
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
func createVpcLinkV1(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
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

func createDeploymentV1(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateDeploymentInput
	if err := decode(without(p, "StageDescription"), &in); err != nil {
		return stack.Created{}, err
	}
	// CloudFormation's StageDescription configures the stage the
	// deployment creates: its description and variables map onto the
	// call; its stage-wide settings (ThrottlingRateLimit...) and
	// MethodSettings are patched onto the stage afterwards.
	var ops []agtypes.PatchOperation
	if sd, ok := p["StageDescription"].(map[string]any); ok {
		var stage struct {
			Description *string
			Variables   map[string]string
		}
		if err := decode(without(sd, append([]string{"MethodSettings", "AccessLogSetting"}, methodSettingNames...)...), &stage); err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
		in.StageDescription, in.Variables = stage.Description, stage.Variables
		var err error
		if ops, err = methodSettingOps("/*/*", without(sd, "Description", "Variables", "MethodSettings", "AccessLogSetting")); err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
		more, err := methodSettingsOps(props(sd).list("MethodSettings"))
		if err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
		logOps, err := accessLogOps(props(sd))
		if err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
		if ops = append(append(ops, more...), logOps...); len(ops) > 0 && in.StageName == nil {
			return stack.Created{}, fmt.Errorf("StageDescription: method and access log settings need a StageName")
		}
	}
	out, err := s.APIGW.CreateDeployment(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	if len(ops) > 0 {
		_, err := s.APIGW.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: in.RestApiId, StageName: in.StageName, PatchOperations: ops})
		if err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"DeploymentId": id}}, nil
}

// createStageV1 creates the stage, then patches its MethodSettings and
// AccessLogSetting onto it: CreateStage has no members for them.
func createStageV1(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateStageInput
	if err := decode(without(p, "Tags", "MethodSettings", "AccessLogSetting"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = tagMap(p)
	ops, err := methodSettingsOps(p.list("MethodSettings"))
	if err != nil {
		return stack.Created{}, err
	}
	logOps, err := accessLogOps(p)
	if err != nil {
		return stack.Created{}, err
	}
	ops = append(ops, logOps...)
	out, err := s.APIGW.CreateStage(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	if len(ops) > 0 {
		_, err := s.APIGW.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: in.RestApiId, StageName: in.StageName, PatchOperations: ops})
		if err != nil {
			return stack.Created{}, fmt.Errorf("MethodSettings or AccessLogSetting: %v", err)
		}
	}
	return stack.Created{Ref: aws.ToString(out.StageName), Attrs: map[string]any{}}, nil
}

// accessLogOps turns a stage's AccessLogSetting ({DestinationArn, Format})
// into the UpdateStage operations that set it.
func accessLogOps(p props) ([]agtypes.PatchOperation, error) {
	v, ok := p["AccessLogSetting"]
	if !ok || v == nil {
		return nil, nil
	}
	setting, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("AccessLogSetting: want a mapping")
	}
	paths := map[string]string{"DestinationArn": "/accessLogSettings/destinationArn", "Format": "/accessLogSettings/format"}
	for k := range setting {
		if paths[k] == "" {
			return nil, fmt.Errorf("AccessLogSetting: unknown property %s", k)
		}
	}
	var ops []agtypes.PatchOperation
	for _, name := range []string{"DestinationArn", "Format"} {
		if v := props(setting).str(name); v != nil {
			ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpReplace, Path: aws.String(paths[name]), Value: v})
		}
	}
	return ops, nil
}

// methodSettingPaths maps CloudFormation's method setting members to the
// UpdateStage paths that set them, in the order they are sent.
var methodSettingPaths = []struct{ name, path string }{
	{"ThrottlingRateLimit", "throttling/rateLimit"},
	{"ThrottlingBurstLimit", "throttling/burstLimit"},
	{"MetricsEnabled", "metrics/enabled"},
	{"LoggingLevel", "logging/loglevel"},
	{"DataTraceEnabled", "logging/dataTrace"},
	{"CachingEnabled", "caching/enabled"},
	{"CacheTtlInSeconds", "caching/ttlInSeconds"},
	{"CacheDataEncrypted", "caching/dataEncrypted"},
}

var methodSettingNames = func() []string {
	var out []string
	for _, m := range methodSettingPaths {
		out = append(out, m.name)
	}
	return out
}()

// methodSettingsOps turns a MethodSettings list ([{ResourcePath: /~1pets,
// HttpMethod: GET, ThrottlingRateLimit: 10}, ...]; "/*" and "*" for the
// whole stage) into patch operations.
func methodSettingsOps(settings []props) ([]agtypes.PatchOperation, error) {
	var ops []agtypes.PatchOperation
	for i, ms := range settings {
		resource, verb := ms.string("ResourcePath"), ms.string("HttpMethod")
		if resource == "" || verb == "" {
			return nil, fmt.Errorf("MethodSettings[%d]: ResourcePath and HttpMethod are required", i)
		}
		more, err := methodSettingOps("/"+strings.TrimPrefix(resource, "/")+"/"+verb, without(ms, "ResourcePath", "HttpMethod"))
		if err != nil {
			return nil, fmt.Errorf("MethodSettings[%d]: %v", i, err)
		}
		ops = append(ops, more...)
	}
	return ops, nil
}

// methodSettingOps replaces each member p sets under method, a
// "/{resourcePath}/{httpMethod}" patch path.
func methodSettingOps(method string, p props) ([]agtypes.PatchOperation, error) {
	known := map[string]bool{}
	var ops []agtypes.PatchOperation
	for _, m := range methodSettingPaths {
		known[m.name] = true
		if v := p.str(m.name); v != nil {
			ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpReplace, Path: aws.String(method + "/" + m.path), Value: v})
		}
	}
	for k := range p {
		if !known[k] {
			return nil, fmt.Errorf("unknown property %s", k)
		}
	}
	return ops, nil
}
