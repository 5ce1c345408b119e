package provision

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/stack"
)

// Updating REST API resources in place, with the JSON-patch operations
// API Gateway's Update calls take. Each changed property becomes its
// operations; one the service cannot change is an error naming it, so
// the update is rolled back before anything is sent.

func init() {
	updaters["AWS::ApiGateway::RestApi"] = updateRestAPI
	updaters["AWS::ApiGateway::Resource"] = updateResource
	updaters["AWS::ApiGateway::Method"] = updateMethod
	updaters["AWS::ApiGateway::VpcLink"] = updateVpcLinkV1
	updaters["AWS::ApiGateway::Deployment"] = updateDeploymentV1
	updaters["AWS::ApiGateway::Stage"] = updateStageV1
}

func replaceOp(path, value string) agtypes.PatchOperation {
	return agtypes.PatchOperation{Op: agtypes.OpReplace, Path: aws.String(path), Value: aws.String(value)}
}

func removeOp(path string) agtypes.PatchOperation {
	return agtypes.PatchOperation{Op: agtypes.OpRemove, Path: aws.String(path)}
}

// escapePath escapes a patch path segment as JSON pointer does: "~" as
// "~0", "/" as "~1" (image/png becomes image~1png).
func escapePath(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// cannotChange is the error for a property an updater has no call for.
func cannotChange(k string) error {
	return fmt.Errorf("updating %s in place is not supported", k)
}

func updateRestAPI(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if _, ok := new["Body"]; ok {
		return reimportRestAPI(ctx, s, t, cur, old, new)
	}
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch k {
		case "Tags":
		case "Name":
			ops = append(ops, replaceOp("/name", new.string(k)))
		case "Description":
			ops = append(ops, replaceOp("/description", new.string(k)))
		case "ApiKeySourceType":
			v := new.string(k)
			if v == "" {
				v = "HEADER"
			}
			ops = append(ops, replaceOp("/apiKeySource", v))
		case "DisableExecuteApiEndpoint":
			b, err := new.bool(k)
			if err != nil {
				return cur, err
			}
			ops = append(ops, replaceOp("/disableExecuteApiEndpoint", strconv.FormatBool(b != nil && *b)))
		case "BinaryMediaTypes":
			was, now := old.strings(k), new.strings(k)
			for _, m := range was {
				if !contains(now, m) {
					ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpRemove, Path: aws.String("/binaryMediaTypes/" + escapePath(m))})
				}
			}
			for _, m := range now {
				if !contains(was, m) {
					ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpAdd, Path: aws.String("/binaryMediaTypes/" + escapePath(m))})
				}
			}
		case "EndpointConfiguration":
			op, err := endpointTypeOp(ctx, s, cur.Ref, old, new)
			if err != nil {
				return cur, err
			}
			if op != nil {
				ops = append(ops, *op)
			}
		case "Policy", "MinimumCompressionSize":
			// Accepted and not kept, on update as on create.
		default:
			return cur, cannotChange(k)
		}
	}
	if len(ops) > 0 {
		if _, err := s.APIGW.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: aws.String(cur.Ref), PatchOperations: ops}); err != nil {
			return cur, err
		}
	}
	return cur, s.retagV1(ctx, "/restapis/"+cur.Ref, t, new)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// endpointTypeOp switches the API's endpoint type as AWS does: replace
// on /endpointConfiguration/types/OLD with the new type. No type is EDGE,
// the default; its other members (VpcEndpointIds, IpAddressType) cannot
// change.
func endpointTypeOp(ctx context.Context, s *SDK, id string, old, new props) (*agtypes.PatchOperation, error) {
	endpoint := func(p props) (string, map[string]any) {
		ec, _ := p["EndpointConfiguration"].(map[string]any)
		types := props(ec).strings("Types")
		if len(types) == 0 {
			return "EDGE", without(ec, "Types")
		}
		return types[0], without(ec, "Types")
	}
	was, wasRest := endpoint(old)
	now, nowRest := endpoint(new)
	for _, k := range changedKeys(wasRest, nowRest) {
		return nil, cannotChange("EndpointConfiguration." + k)
	}
	if was == now {
		return nil, nil
	}
	got, err := s.APIGW.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: &id})
	if err != nil {
		return nil, err
	}
	if got.EndpointConfiguration != nil && len(got.EndpointConfiguration.Types) > 0 {
		was = string(got.EndpointConfiguration.Types[0])
	}
	op := replaceOp("/endpointConfiguration/types/"+was, now)
	return &op, nil
}

// updateResource has nothing to do: a resource's every property
// (RestApiId, ParentId, PathPart) is create-only, so a change replaces it.
func updateResource(_ context.Context, _ *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if k := changedKeys(old, new); len(k) > 0 {
		return cur, cannotChange(k[0])
	}
	return cur, nil
}

// updateMethod puts the method again: deleting it and putting it with
// its responses, integration and integration responses as they now are.
// PutMethod refuses a method that exists, and patching each of the four
// parts would leave a half-changed method behind when one part fails.
// Stages serve a deployment's frozen copy, so no request sees the gap;
// the change reaches traffic with the next deployment, as on AWS.
func updateMethod(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	api, resource, verb := methodID(cur, old)
	_, err := s.APIGW.DeleteMethod(ctx, &apigateway.DeleteMethodInput{RestApiId: &api, ResourceId: &resource, HttpMethod: &verb})
	if err := ignoreGone(err); err != nil {
		return cur, err
	}
	return createMethod(ctx, s, t, "", new)
}

func updateVpcLinkV1(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch k {
		case "Tags":
		case "Name":
			ops = append(ops, replaceOp("/name", new.string(k)))
		case "Description":
			ops = append(ops, replaceOp("/description", new.string(k)))
		default:
			return cur, cannotChange(k)
		}
	}
	if len(ops) > 0 {
		if _, err := s.APIGW.UpdateVpcLink(ctx, &apigateway.UpdateVpcLinkInput{VpcLinkId: aws.String(cur.Ref), PatchOperations: ops}); err != nil {
			return cur, err
		}
	}
	return cur, s.retagV1(ctx, "/vpclinks/"+cur.Ref, t, new)
}

// updateDeploymentV1 changes the description in place and applies a
// changed StageDescription to the stage the deployment made. A new
// StageName moves the deployment to that stage (made if need be, with the
// whole StageDescription) and deletes the stage it made before, if that
// still serves it, as deleting the deployment would. A deployment is a
// frozen copy of the API: nothing else of it can change.
func updateDeploymentV1(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	api := new.str("RestApiId")
	changed := changedKeys(old, new)
	for _, k := range changed {
		switch k {
		case "Description":
			_, err := s.APIGW.UpdateDeployment(ctx, &apigateway.UpdateDeploymentInput{RestApiId: api, DeploymentId: aws.String(cur.Ref),
				PatchOperations: []agtypes.PatchOperation{replaceOp("/description", new.string(k))}})
			if err != nil {
				return cur, err
			}
		case "StageName":
			if err := moveDeployment(ctx, s, t, cur.Ref, old, new); err != nil {
				return cur, fmt.Errorf("StageName: %w", err)
			}
		case "StageDescription":
			if contains(changed, "StageName") {
				continue // the new stage was given the whole description
			}
			if new.str("StageName") == nil {
				return cur, fmt.Errorf("StageDescription: needs a StageName")
			}
			was, _ := old[k].(map[string]any)
			now, _ := new[k].(map[string]any)
			ops, err := stageDescriptionOps(props(was), props(now))
			if err != nil {
				return cur, fmt.Errorf("StageDescription: %v", err)
			}
			if len(ops) > 0 {
				if err := s.patchStage(ctx, api, new.str("StageName"), ops); err != nil {
					return cur, fmt.Errorf("StageDescription: %w", err)
				}
			}
			if !same(was["Tags"], now["Tags"]) {
				path := "/restapis/" + aws.ToString(api) + "/stages/" + new.string("StageName")
				if err := s.retagV1(ctx, path, t, props(now)); err != nil {
					return cur, fmt.Errorf("StageDescription: %w", err)
				}
			}
		default:
			return cur, cannotChange(k)
		}
	}
	return cur, nil
}

// moveDeployment points the stage the new StageName names at deployment
// id, making it if it does not exist, with the StageDescription's
// settings; then deletes the stage the old StageName made while it still
// serves id.
func moveDeployment(ctx context.Context, s *SDK, t stack.Target, id string, old, new props) error {
	api := new.str("RestApiId")
	if name := new.str("StageName"); name != nil {
		sd, _ := new["StageDescription"].(map[string]any)
		_, err := s.APIGW.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api, StageName: name})
		switch {
		case gone(err):
			in := &apigateway.CreateStageInput{RestApiId: api, StageName: name, DeploymentId: &id,
				Description: props(sd).str("Description"), Variables: props(sd).stringMap("Variables"), Tags: tagsOf(t, props(sd))}
			if _, err := s.APIGW.CreateStage(ctx, in); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			_, err := s.APIGW.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api, StageName: name,
				PatchOperations: []agtypes.PatchOperation{replaceOp("/deploymentId", id)}})
			if err != nil {
				return err
			}
		}
		ops, err := stageDescriptionOps(nil, without(sd, "CacheClusterEnabled", "CacheClusterSize", "TracingEnabled", "Tags"))
		if err != nil {
			return err
		}
		if len(ops) > 0 {
			if err := s.patchStage(ctx, api, name, ops); err != nil {
				return err
			}
		}
	}
	if name := old.str("StageName"); name != nil {
		st, err := s.APIGW.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api, StageName: name})
		if err == nil && aws.ToString(st.DeploymentId) == id {
			_, err = s.APIGW.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: api, StageName: name})
		}
		return ignoreGone(err)
	}
	return nil
}

func updateStageV1(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch k {
		case "Tags", "Variables", "MethodSettings", "AccessLogSetting":
			// below, together
		case "Description":
			ops = append(ops, replaceOp("/description", new.string(k)))
		case "DeploymentId":
			if new.str(k) == nil {
				return cur, fmt.Errorf("DeploymentId cannot be removed: a stage serves a deployment")
			}
			ops = append(ops, replaceOp("/deploymentId", new.string(k)))
		default:
			return cur, cannotChange(k)
		}
	}
	more, err := stageSettingOps(old, new, "Variables")
	if err != nil {
		return cur, err
	}
	if ops = append(ops, more...); len(ops) > 0 {
		if err := s.patchStage(ctx, new.str("RestApiId"), aws.String(cur.Ref), ops); err != nil {
			return cur, err
		}
	}
	return cur, s.retagV1(ctx, "/restapis/"+new.string("RestApiId")+"/stages/"+cur.Ref, t, new)
}

// stageDescriptionOps are the UpdateStage operations that take a stage
// from one StageDescription to another: its description, variables,
// method settings and access logging, and the stage-wide settings it
// holds as members of its own (ThrottlingRateLimit...), which are the
// "*/*" method setting.
func stageDescriptionOps(old, new props) ([]agtypes.PatchOperation, error) {
	stageWide := func(p props) props {
		out := props{}
		for _, n := range methodSettingNames {
			if v, ok := p[n]; ok {
				out[n] = v
			}
		}
		if len(out) > 0 {
			out["ResourcePath"], out["HttpMethod"] = "/*", "*"
		}
		return out
	}
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch {
		case k == "Description":
			ops = append(ops, replaceOp("/description", new.string(k)))
		case k == "Variables", k == "MethodSettings", k == "AccessLogSetting", k == "Tags", contains(methodSettingNames, k):
		default:
			return nil, cannotChange(k)
		}
	}
	// The stage-wide members join the method settings as their */* entry.
	withWide := func(p props) props {
		out := props{"Variables": p["Variables"], "AccessLogSetting": p["AccessLogSetting"]}
		var list []any
		if w := stageWide(p); len(w) > 0 {
			list = append(list, map[string]any(w))
		}
		if l, ok := p["MethodSettings"].([]any); ok {
			list = append(list, l...)
		}
		if list != nil {
			out["MethodSettings"] = list
		}
		return out
	}
	more, err := stageSettingOps(withWide(old), withWide(new), "Variables")
	return append(ops, more...), err
}

// stageSettingOps are the operations for a stage's variables (under
// varsKey), MethodSettings and AccessLogSetting. A method setting entry
// that changed is removed and set again, since a member it no longer
// sets must go back to the stage's default.
func stageSettingOps(old, new props, varsKey string) ([]agtypes.PatchOperation, error) {
	var ops []agtypes.PatchOperation
	was, now := old.stringMap(varsKey), new.stringMap(varsKey)
	for k := range was {
		if _, ok := now[k]; !ok {
			ops = append(ops, removeOp("/variables/"+escapePath(k)))
		}
	}
	for k, v := range now {
		if cur, ok := was[k]; !ok || cur != v {
			ops = append(ops, replaceOp("/variables/"+escapePath(k), v))
		}
	}
	entries := func(p props) (map[string]props, error) {
		out := map[string]props{}
		for i, ms := range p.list("MethodSettings") {
			resource, verb := ms.string("ResourcePath"), ms.string("HttpMethod")
			if resource == "" || verb == "" {
				return nil, fmt.Errorf("MethodSettings[%d]: ResourcePath and HttpMethod are required", i)
			}
			out["/"+strings.TrimPrefix(resource, "/")+"/"+verb] = ms
		}
		return out, nil
	}
	before, err := entries(old)
	if err != nil {
		return nil, err
	}
	after, err := entries(new)
	if err != nil {
		return nil, err
	}
	for key, ms := range before {
		if next, ok := after[key]; !ok || !same(map[string]any(next), map[string]any(ms)) {
			ops = append(ops, removeOp(key))
		}
	}
	for key, ms := range after {
		if prev, ok := before[key]; ok && same(map[string]any(prev), map[string]any(ms)) {
			continue
		}
		more, err := methodSettingOps(key, without(ms, "ResourcePath", "HttpMethod"))
		if err != nil {
			return nil, fmt.Errorf("MethodSettings %s: %v", key, err)
		}
		ops = append(ops, more...)
	}
	if !same(old["AccessLogSetting"], new["AccessLogSetting"]) {
		if new["AccessLogSetting"] == nil {
			ops = append(ops, removeOp("/accessLogSettings"))
		} else {
			more, err := accessLogOps(new)
			if err != nil {
				return nil, err
			}
			ops = append(ops, more...)
		}
	}
	return ops, nil
}

// patchStage sends ops to the stage, less the removals of method settings
// it does not have: an update rolled back after its UpdateStage failed
// asks to remove entries that were never made, which the API refuses.
func (s *SDK) patchStage(ctx context.Context, api, name *string, ops []agtypes.PatchOperation) error {
	for _, op := range ops {
		if !isSettingRemoval(op) {
			continue
		}
		st, err := s.APIGW.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api, StageName: name})
		if err != nil {
			return err
		}
		ops = slices.DeleteFunc(slices.Clone(ops), func(op agtypes.PatchOperation) bool {
			_, have := st.MethodSettings[settingKey(aws.ToString(op.Path))]
			return isSettingRemoval(op) && !have
		})
		break
	}
	if len(ops) == 0 {
		return nil
	}
	_, err := s.APIGW.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api, StageName: name, PatchOperations: ops})
	return err
}

// isSettingRemoval reports whether op removes a method setting entry,
// /{resourcePath}/{httpMethod}.
func isSettingRemoval(op agtypes.PatchOperation) bool {
	path := aws.ToString(op.Path)
	return op.Op == agtypes.OpRemove && path != "/accessLogSettings" && !strings.HasPrefix(path, "/variables/")
}

// settingKey is the key of a stage's methodSettings that the patch path
// /{resourcePath}/{httpMethod} names: /~1pets/GET is pets/GET, /*/* is
// */*.
func settingKey(path string) string {
	i := strings.LastIndex(path, "/")
	if i < 0 {
		return path
	}
	resource := strings.ReplaceAll(strings.ReplaceAll(path[:i], "~1", "/"), "~0", "~")
	return strings.TrimPrefix(strings.TrimPrefix(resource, "/"), "/") + path[i:]
}
