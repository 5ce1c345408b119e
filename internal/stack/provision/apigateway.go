package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// createRestAPI takes the Policy as CloudFormation writes it, a JSON
// object, or as the API does, a string.
func createRestAPI(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	if _, ok := p["Body"]; ok {
		return importRestAPI(ctx, s, t, p)
	}
	rest := without(p, "Tags", "ApiKeySourceType", "Policy")
	var in apigateway.CreateRestApiInput
	if err := decode(rest, &in); err != nil {
		return stack.Created{}, err
	}
	if policy, ok := p["Policy"]; ok && policy != nil {
		if _, isText := policy.(string); isText {
			in.Policy = p.str("Policy")
		} else {
			b, err := json.Marshal(policy)
			if err != nil {
				return stack.Created{}, fmt.Errorf("Policy: %v", err)
			}
			in.Policy = aws.String(string(b))
		}
	}
	in.ApiKeySource = agtypes.ApiKeySourceType(p.string("ApiKeySourceType"))
	in.Tags = tagsOf(t, p)
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
	id := aws.ToString(in.RestApiId) + "/" + aws.ToString(in.ResourceId) + "/" + aws.ToString(in.HttpMethod)
	made := stack.Created{Ref: id, Attrs: map[string]any{}}
	// From here on the method exists: a failure reports it, so that it is
	// deleted again rather than left half made.
	if err := putMethodParts(ctx, s, &in, p); err != nil {
		return made, err
	}
	return made, nil
}

// putMethodParts puts a method's responses, integration and integration
// responses, in the order the API needs them.
func putMethodParts(ctx context.Context, s *SDK, in *apigateway.PutMethodInput, p props) error {
	for i, r := range p.list("MethodResponses") {
		var mr apigateway.PutMethodResponseInput
		if err := decode(map[string]any(r), &mr); err != nil {
			return fmt.Errorf("MethodResponses[%d]: %v", i, err)
		}
		mr.RestApiId, mr.ResourceId, mr.HttpMethod = in.RestApiId, in.ResourceId, in.HttpMethod
		if _, err := s.APIGW.PutMethodResponse(ctx, &mr); err != nil {
			return fmt.Errorf("MethodResponses[%d]: %w", i, err)
		}
	}
	if integ, ok := p["Integration"].(map[string]any); ok {
		var pi apigateway.PutIntegrationInput
		if err := decode(without(integ, "IntegrationResponses"), &pi); err != nil {
			return fmt.Errorf("Integration: %v", err)
		}
		pi.RestApiId, pi.ResourceId, pi.HttpMethod = in.RestApiId, in.ResourceId, in.HttpMethod
		if _, err := s.APIGW.PutIntegration(ctx, &pi); err != nil {
			return fmt.Errorf("Integration: %w", err)
		}
		for i, r := range props(integ).list("IntegrationResponses") {
			var ir apigateway.PutIntegrationResponseInput
			if err := decode(map[string]any(r), &ir); err != nil {
				return fmt.Errorf("IntegrationResponses[%d]: %v", i, err)
			}
			ir.RestApiId, ir.ResourceId, ir.HttpMethod = in.RestApiId, in.ResourceId, in.HttpMethod
			if _, err := s.APIGW.PutIntegrationResponse(ctx, &ir); err != nil {
				return fmt.Errorf("IntegrationResponses[%d]: %w", i, err)
			}
		}
	}
	return nil
}

// createVpcLinkV1 waits for AVAILABLE: a deployment whose integration uses
// a link that is not ready would fail its first requests. Its tags
// include CloudFormation's own, which AWS's registry schema leaves off
// this type: the engine finds a link a crash left unrecorded by them, as
// it finds every other taggable resource.
func createVpcLinkV1(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateVpcLinkInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = tagsOf(t, p)
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
	// A link that never became AVAILABLE is reported with its id, so that
	// it is deleted again.
	return stack.Created{Ref: id, Attrs: map[string]any{"VpcLinkId": id}}, err
}

// createDeploymentV1 makes the deployment and, through its StageName, the
// stage. CloudFormation's StageDescription configures that stage: its
// description, variables, caching and tracing flags map onto the call; its
// stage-wide settings (ThrottlingRateLimit...), MethodSettings and
// AccessLogSetting are patched onto the stage afterwards, and its Tags,
// with the stack's, put on it.
func createDeploymentV1(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateDeploymentInput
	if err := decode(without(p, "StageDescription"), &in); err != nil {
		return stack.Created{}, err
	}
	var ops []agtypes.PatchOperation
	var stageTags map[string]string
	if sd, ok := p["StageDescription"].(map[string]any); ok {
		for _, k := range []string{"CanarySetting", "ClientCertificateId", "DocumentationVersion"} {
			if _, ok := sd[k]; ok {
				return stack.Created{}, fmt.Errorf("StageDescription: %s is not supported by gatehouse", k)
			}
		}
		var stage struct {
			Description         *string
			Variables           map[string]string
			CacheClusterEnabled *bool
			CacheClusterSize    agtypes.CacheClusterSize
			TracingEnabled      *bool
		}
		if err := decode(without(sd, append([]string{"MethodSettings", "AccessLogSetting", "Tags"}, methodSettingNames...)...), &stage); err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
		in.StageDescription, in.Variables = stage.Description, stage.Variables
		in.CacheClusterEnabled, in.CacheClusterSize, in.TracingEnabled = stage.CacheClusterEnabled, stage.CacheClusterSize, stage.TracingEnabled
		var err error
		if ops, err = stageDescriptionOps(nil, without(sd, "CacheClusterEnabled", "CacheClusterSize", "TracingEnabled", "Tags")); err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription: %v", err)
		}
		// The description went with the call; what remains is settings.
		ops = slices.DeleteFunc(ops, func(op agtypes.PatchOperation) bool {
			return aws.ToString(op.Path) == "/description" || strings.HasPrefix(aws.ToString(op.Path), "/variables/")
		})
		stageTags = tagsOf(t, props(sd))
		if (len(ops) > 0 || len(props(sd).tags()) > 0) && in.StageName == nil {
			return stack.Created{}, fmt.Errorf("StageDescription: method settings, access log settings and tags need a StageName")
		}
	}
	out, err := s.APIGW.CreateDeployment(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	made := stack.Created{Ref: id, Attrs: map[string]any{"DeploymentId": id}}
	if in.StageName == nil {
		return made, nil
	}
	if len(ops) > 0 {
		_, err := s.APIGW.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: in.RestApiId, StageName: in.StageName, PatchOperations: ops})
		if err != nil {
			return made, fmt.Errorf("StageDescription: %w", err)
		}
	}
	if len(stageTags) > 0 {
		arn := s.tagARN("/restapis/" + aws.ToString(in.RestApiId) + "/stages/" + aws.ToString(in.StageName))
		if _, err := s.APIGW.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: &arn, Tags: stageTags}); err != nil {
			return made, fmt.Errorf("StageDescription: %w", err)
		}
	}
	return made, nil
}

// createStageV1 creates the stage, then patches its MethodSettings and
// AccessLogSetting onto it: CreateStage has no members for them. A stage
// the template names not is named as CloudFormation names resources.
func createStageV1(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	var in apigateway.CreateStageInput
	if err := decode(without(p, "Tags", "MethodSettings", "AccessLogSetting"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.StageName == nil {
		in.StageName = aws.String(name)
	}
	in.Tags = tagsOf(t, p)
	ops, err := stageSettingOps(nil, p, "Variables")
	if err != nil {
		return stack.Created{}, err
	}
	// The variables went with the call.
	ops = slices.DeleteFunc(ops, func(op agtypes.PatchOperation) bool { return strings.HasPrefix(aws.ToString(op.Path), "/variables/") })
	out, err := s.APIGW.CreateStage(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	made := stack.Created{Ref: aws.ToString(out.StageName), Attrs: map[string]any{}}
	if len(ops) > 0 {
		_, err := s.APIGW.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: in.RestApiId, StageName: in.StageName, PatchOperations: ops})
		if err != nil {
			return made, fmt.Errorf("MethodSettings or AccessLogSetting: %w", err)
		}
	}
	return made, nil
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
