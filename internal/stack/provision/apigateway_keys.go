package provision

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/stack"
)

// API keys, usage plans and the keys on them. Their properties are the
// API's members but for UsagePlanName (the plan's name), StageKeys as
// objects and tags as a list.

func init() {
	creators["AWS::ApiGateway::ApiKey"] = createAPIKey
	creators["AWS::ApiGateway::UsagePlan"] = createUsagePlan
	creators["AWS::ApiGateway::UsagePlanKey"] = createUsagePlanKey
	updaters["AWS::ApiGateway::ApiKey"] = updateAPIKey
	updaters["AWS::ApiGateway::UsagePlan"] = updateUsagePlan
	updaters["AWS::ApiGateway::UsagePlanKey"] = updateUsagePlanKey
	deleters["AWS::ApiGateway::ApiKey"] = deleteAPIKey
	deleters["AWS::ApiGateway::UsagePlan"] = deleteUsagePlan
	deleters["AWS::ApiGateway::UsagePlanKey"] = deleteUsagePlanKey
}

// createAPIKey names a key CloudFormation's way when the template does
// not; like CloudFormation it leaves the key disabled unless Enabled says
// otherwise.
func createAPIKey(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateApiKeyInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(physicalName(t))
	}
	in.Tags = tagsOf(t, p)
	out, err := s.APIGW.CreateApiKey(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"APIKeyId": id}}, nil
}

func updateAPIKey(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch k {
		case "Tags":
		case "Description":
			ops = append(ops, replaceOp("/description", new.string(k)))
		case "CustomerId":
			ops = append(ops, replaceOp("/customerId", new.string(k)))
		case "Enabled":
			ops = append(ops, replaceOp("/enabled", strconv.FormatBool(new.string(k) == "true")))
		case "StageKeys":
			was, now := stageKeys(old), stageKeys(new)
			for _, sk := range was {
				if !slices.Contains(now, sk) {
					ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpRemove, Path: aws.String("/stages"), Value: aws.String(sk)})
				}
			}
			for _, sk := range now {
				if !slices.Contains(was, sk) {
					ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpAdd, Path: aws.String("/stages"), Value: aws.String(sk)})
				}
			}
		default:
			return cur, cannotChange(k)
		}
	}
	if len(ops) > 0 {
		if _, err := s.APIGW.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: aws.String(cur.Ref), PatchOperations: ops}); err != nil {
			return cur, err
		}
	}
	return cur, s.retagV1(ctx, "/apikeys/"+cur.Ref, t, new)
}

// stageKeys are StageKeys as the API patches them: "restApiId/stageName".
func stageKeys(p props) []string {
	var out []string
	for _, sk := range p.list("StageKeys") {
		out = append(out, sk.string("RestApiId")+"/"+sk.string("StageName"))
	}
	return out
}

func deleteAPIKey(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	_, err := s.APIGW.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: aws.String(cur.Ref)})
	return ignoreGone(err)
}

// planInput reads a usage plan's properties.
func planInput(t stack.Target, p props) (*apigateway.CreateUsagePlanInput, error) {
	var in apigateway.CreateUsagePlanInput
	if err := decode(without(p, "Tags", "UsagePlanName"), &in); err != nil {
		return nil, err
	}
	in.Name = p.str("UsagePlanName")
	if in.Name == nil {
		in.Name = aws.String(physicalName(t))
	}
	return &in, nil
}

func createUsagePlan(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	in, err := planInput(t, p)
	if err != nil {
		return stack.Created{}, err
	}
	in.Tags = tagsOf(t, p)
	out, err := s.APIGW.CreateUsagePlan(ctx, in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id}}, nil
}

// updateUsagePlan patches what changed, in one call so the plan is
// checked whole: a stage whose method throttles changed is taken off and
// put back with its new ones.
func updateUsagePlan(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	was, err := planInput(t, old)
	if err != nil {
		return cur, err
	}
	now, err := planInput(t, new)
	if err != nil {
		return cur, err
	}
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch k {
		case "Tags":
		case "UsagePlanName":
			ops = append(ops, replaceOp("/name", aws.ToString(now.Name)))
		case "Description":
			ops = append(ops, replaceOp("/description", new.string(k)))
		case "Throttle":
			if now.Throttle == nil {
				ops = append(ops, removeOp("/throttle"))
				continue
			}
			ops = append(ops, replaceOp("/throttle/rateLimit", formatRate(now.Throttle.RateLimit)),
				replaceOp("/throttle/burstLimit", strconv.Itoa(int(now.Throttle.BurstLimit))))
		case "Quota":
			if now.Quota == nil {
				ops = append(ops, removeOp("/quota"))
				continue
			}
			ops = append(ops, replaceOp("/quota/limit", strconv.Itoa(int(now.Quota.Limit))),
				replaceOp("/quota/offset", strconv.Itoa(int(now.Quota.Offset))),
				replaceOp("/quota/period", string(now.Quota.Period)))
		case "ApiStages":
			ops = append(ops, apiStageOps(was.ApiStages, now.ApiStages)...)
		default:
			return cur, cannotChange(k)
		}
	}
	if len(ops) > 0 {
		if _, err := s.APIGW.UpdateUsagePlan(ctx, &apigateway.UpdateUsagePlanInput{UsagePlanId: aws.String(cur.Ref), PatchOperations: ops}); err != nil {
			return cur, err
		}
	}
	return cur, s.retagV1(ctx, "/usageplans/"+cur.Ref, t, new)
}

func formatRate(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// apiStageOps takes off the stages gone or changed and adds the new or
// changed ones with their method throttles.
func apiStageOps(was, now []agtypes.ApiStage) []agtypes.PatchOperation {
	key := func(st agtypes.ApiStage) string { return aws.ToString(st.ApiId) + ":" + aws.ToString(st.Stage) }
	find := func(list []agtypes.ApiStage, k string) *agtypes.ApiStage {
		for i := range list {
			if key(list[i]) == k {
				return &list[i]
			}
		}
		return nil
	}
	same := func(a, b *agtypes.ApiStage) bool {
		return a != nil && b != nil && maps.EqualFunc(a.Throttle, b.Throttle, func(x, y agtypes.ThrottleSettings) bool { return reflect.DeepEqual(x, y) })
	}
	var ops []agtypes.PatchOperation
	for _, st := range was {
		if k := key(st); !same(&st, find(now, k)) {
			ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpRemove, Path: aws.String("/apiStages"), Value: aws.String(k)})
		}
	}
	for _, st := range now {
		k := key(st)
		if same(&st, find(was, k)) {
			continue
		}
		ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpAdd, Path: aws.String("/apiStages"), Value: aws.String(k)})
		for _, m := range slices.Sorted(maps.Keys(st.Throttle)) {
			th := st.Throttle[m]
			base := "/apiStages/" + k + "/throttle/" + escapePath(strings.TrimPrefix(m, "/"))
			ops = append(ops, replaceOp(base+"/rateLimit", formatRate(th.RateLimit)), replaceOp(base+"/burstLimit", strconv.Itoa(int(th.BurstLimit))))
		}
	}
	return ops
}

// deleteUsagePlan takes the plan's stages off first, as CloudFormation
// does: API Gateway deletes no plan that still covers a stage. The keys
// on it leave it with it.
func deleteUsagePlan(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	id := aws.String(cur.Ref)
	plan, err := s.APIGW.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: id})
	if err != nil {
		return ignoreGone(err)
	}
	var ops []agtypes.PatchOperation
	for _, st := range plan.ApiStages {
		ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpRemove, Path: aws.String("/apiStages"),
			Value: aws.String(aws.ToString(st.ApiId) + ":" + aws.ToString(st.Stage))})
	}
	if len(ops) > 0 {
		if _, err := s.APIGW.UpdateUsagePlan(ctx, &apigateway.UpdateUsagePlanInput{UsagePlanId: id, PatchOperations: ops}); err != nil {
			return ignoreGone(err)
		}
	}
	_, err = s.APIGW.DeleteUsagePlan(ctx, &apigateway.DeleteUsagePlanInput{UsagePlanId: id})
	return ignoreGone(err)
}

// createUsagePlanKey's physical id is "keyId:usagePlanId", naming both.
func createUsagePlanKey(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateUsagePlanKeyInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	if _, err := s.APIGW.CreateUsagePlanKey(ctx, &in); err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(in.KeyId) + ":" + aws.ToString(in.UsagePlanId)
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id}}, nil
}

// updateUsagePlanKey changes nothing: every property is create-only, so a
// change replaces the resource.
func updateUsagePlanKey(_ context.Context, _ *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if changed := changedKeys(old, new); len(changed) > 0 {
		return cur, cannotChange(changed[0])
	}
	return cur, nil
}

func deleteUsagePlanKey(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	keyID, planID, ok := strings.Cut(cur.Ref, ":")
	if !ok {
		return fmt.Errorf("usage plan key %q is not keyId:usagePlanId", cur.Ref)
	}
	_, err := s.APIGW.DeleteUsagePlanKey(ctx, &apigateway.DeleteUsagePlanKeyInput{UsagePlanId: &planID, KeyId: &keyID})
	return ignoreGone(err)
}
