package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/stack"
)

// A function's asynchronous invocation settings for one qualifier. Its
// FunctionName and Qualifier are create-only: a change puts the config
// for the new pair and deletes the old one. Ref is "FunctionName|Qualifier",
// the type's two-part identifier.

func init() {
	creators["AWS::Lambda::EventInvokeConfig"] = func(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
		if err := putEventInvokeConfig(ctx, s, p); err != nil {
			return stack.Created{}, err
		}
		return stack.Created{Ref: p.string("FunctionName") + "|" + p.string("Qualifier"), Attrs: map[string]any{}}, nil
	}
	// An update puts the template's settings whole, so a setting the
	// template no longer gives goes back to Lambda's default.
	updaters["AWS::Lambda::EventInvokeConfig"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _, new props) (stack.Created, error) {
		if err := putEventInvokeConfig(ctx, s, new); err != nil {
			return stack.Created{}, err
		}
		return cur, nil
	}
	deleters["AWS::Lambda::EventInvokeConfig"] = func(ctx context.Context, s *SDK, _ stack.Target, _ stack.Created, p props) error {
		_, err := s.Lambda.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{
			FunctionName: p.str("FunctionName"), Qualifier: p.str("Qualifier")})
		if gone(err) {
			return nil
		}
		return err
	}
}

func putEventInvokeConfig(ctx context.Context, s *SDK, p props) error {
	retries, err := p.int32("MaximumRetryAttempts")
	if err != nil {
		return err
	}
	age, err := p.int32("MaximumEventAgeInSeconds")
	if err != nil {
		return err
	}
	in := &lambda.PutFunctionEventInvokeConfigInput{FunctionName: p.str("FunctionName"), Qualifier: p.str("Qualifier"),
		MaximumRetryAttempts: retries, MaximumEventAgeInSeconds: age}
	if dc, ok := p["DestinationConfig"].(map[string]any); ok {
		in.DestinationConfig = &lambdatypes.DestinationConfig{}
		if d, ok := dc["OnSuccess"].(map[string]any); ok {
			in.DestinationConfig.OnSuccess = &lambdatypes.OnSuccess{Destination: props(d).str("Destination")}
		}
		if d, ok := dc["OnFailure"].(map[string]any); ok {
			in.DestinationConfig.OnFailure = &lambdatypes.OnFailure{Destination: props(d).str("Destination")}
		}
	}
	_, err = s.Lambda.PutFunctionEventInvokeConfig(ctx, in)
	return err
}
