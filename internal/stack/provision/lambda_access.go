package provision

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/stack"
)

// What points at a function: statements of its resource policy, its
// published versions and its aliases. None of them takes tags, so one a
// crash left unrecorded is not found by the stack engine; each goes with
// its function.

func init() {
	// Every property of a permission is create-only: a change replaces
	// the statement.
	creators["AWS::Lambda::Permission"] = createPermission
	updaters["AWS::Lambda::Permission"] = nothingUpdatable
	deleters["AWS::Lambda::Permission"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
		_, err := s.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: p.str("FunctionName"), StatementId: &cur.Ref})
		if gone(err) {
			return nil
		}
		return err
	}
	// A statement id is at most 100 characters.
	nameLimits["AWS::Lambda::Permission"] = 100

	// Every property of a version CloudFormation can set is create-only:
	// a change publishes a new version and deletes the old one (unless
	// UpdateReplacePolicy keeps it).
	creators["AWS::Lambda::Version"] = createVersion
	updaters["AWS::Lambda::Version"] = nothingUpdatable
	deleters["AWS::Lambda::Version"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
		version, _ := cur.Attrs["Version"].(string)
		if version == "" {
			return nil
		}
		_, err := s.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: p.str("FunctionName"), Qualifier: &version})
		if gone(err) {
			return nil
		}
		return err
	}

	creators["AWS::Lambda::Alias"] = createAlias
	updaters["AWS::Lambda::Alias"] = updateAlias
	deleters["AWS::Lambda::Alias"] = func(ctx context.Context, s *SDK, _ stack.Target, _ stack.Created, p props) error {
		_, err := s.Lambda.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: p.str("FunctionName"), Name: p.str("Name")})
		if gone(err) {
			return nil
		}
		return err
	}
}

// createPermission adds a statement to the function's policy. Its id is
// generated as CloudFormation generates names ({stack}-{logical id}-
// {random}); Ref and the Id attribute are that statement id.
func createPermission(ctx context.Context, s *SDK, _ stack.Target, sid string, p props) (stack.Created, error) {
	in := &lambda.AddPermissionInput{
		FunctionName: p.str("FunctionName"), StatementId: &sid, Action: p.str("Action"), Principal: p.str("Principal"),
		SourceArn: p.str("SourceArn"), SourceAccount: p.str("SourceAccount"), EventSourceToken: p.str("EventSourceToken"),
		PrincipalOrgID: p.str("PrincipalOrgID"), FunctionUrlAuthType: lambdatypes.FunctionUrlAuthType(p.string("FunctionUrlAuthType")),
	}
	if _, err := s.Lambda.AddPermission(ctx, in); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: sid, Attrs: map[string]any{"Id": sid}}, nil
}

// createVersion publishes the function's current code and configuration.
// Ref and FunctionArn are the version's ARN. A version is Pending for a
// moment as a new function is; CloudFormation waits until it is not.
func createVersion(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.Lambda.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: p.str("FunctionName"),
		Description: p.str("Description"), CodeSha256: p.str("CodeSha256")})
	if err != nil {
		return stack.Created{}, err
	}
	version, arn := aws.ToString(out.Version), aws.ToString(out.FunctionArn)
	made := stack.Created{Ref: arn, Attrs: map[string]any{"Version": version, "FunctionArn": arn}}
	err = s.poll(ctx, "waiting for version "+arn, func() (bool, error) {
		c, err := s.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: p.str("FunctionName"), Qualifier: &version})
		if err != nil {
			return false, err
		}
		if c.State == lambdatypes.StateFailed {
			return false, fmt.Errorf("version %s failed: %s: %s", arn, c.StateReasonCode, aws.ToString(c.StateReason))
		}
		return c.State != lambdatypes.StatePending, nil
	})
	return made, err
}

// createAlias names a version. Ref and AliasArn are the alias's ARN.
func createAlias(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	routing, err := aliasRouting(p)
	if err != nil {
		return stack.Created{}, err
	}
	out, err := s.Lambda.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: p.str("FunctionName"), Name: p.str("Name"),
		FunctionVersion: p.str("FunctionVersion"), Description: p.str("Description"), RoutingConfig: routing})
	if err != nil {
		return stack.Created{}, err
	}
	arn := aws.ToString(out.AliasArn)
	return stack.Created{Ref: arn, Attrs: map[string]any{"AliasArn": arn}}, nil
}

// updateAlias points the alias elsewhere in place; a description or
// routing the template dropped is cleared.
func updateAlias(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _, new props) (stack.Created, error) {
	routing, err := aliasRouting(new)
	if err != nil {
		return stack.Created{}, err
	}
	if routing == nil {
		routing = &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}}
	}
	desc := new.str("Description")
	if desc == nil {
		desc = aws.String("")
	}
	out, err := s.Lambda.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: new.str("FunctionName"), Name: new.str("Name"),
		FunctionVersion: new.str("FunctionVersion"), Description: desc, RoutingConfig: routing})
	if err != nil {
		return stack.Created{}, err
	}
	arn := aws.ToString(out.AliasArn)
	return stack.Created{Ref: arn, Attrs: map[string]any{"AliasArn": arn}}, nil
}

// aliasRouting turns CloudFormation's list of {FunctionVersion,
// FunctionWeight} into the API's map of version to weight.
func aliasRouting(p props) (*lambdatypes.AliasRoutingConfiguration, error) {
	rc, ok := p["RoutingConfig"].(map[string]any)
	if !ok {
		return nil, nil
	}
	weights := map[string]float64{}
	for _, w := range props(rc).list("AdditionalVersionWeights") {
		f, err := strconv.ParseFloat(w.string("FunctionWeight"), 64)
		if err != nil {
			return nil, fmt.Errorf("RoutingConfig.AdditionalVersionWeights: FunctionWeight: want a number, got %q", w.string("FunctionWeight"))
		}
		weights[w.string("FunctionVersion")] = f
	}
	return &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: weights}, nil
}
