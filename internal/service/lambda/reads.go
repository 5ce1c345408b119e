package lambda

import (
	"context"

	"gatehouse/internal/model"
)

// The reads Terraform's aws_lambda_function (and the console) make of
// features gatehouse does not have, answered as Lambda answers a function
// that does not use them.

// GetFunctionCodeSigningConfigOutput names a function's code signing
// configuration: none, as gatehouse has no code signing.
type GetFunctionCodeSigningConfigOutput struct {
	CodeSigningConfigArn string `json:"CodeSigningConfigArn"`
	FunctionName         string `json:"FunctionName"`
}

// GetFunctionCodeSigningConfig reports that a function has no code
// signing configuration.
func (s *Service) GetFunctionCodeSigningConfig(ctx context.Context, in *FunctionInput) (*GetFunctionCodeSigningConfigOutput, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	var out *GetFunctionCodeSigningConfigOutput
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err == nil {
			out = &GetFunctionCodeSigningConfigOutput{FunctionName: f.Name}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetRuntimeManagementConfigOutput is how a function's runtime is
// updated: Auto, as gatehouse has one version of each runtime.
type GetRuntimeManagementConfigOutput struct {
	UpdateRuntimeOn string `json:"UpdateRuntimeOn"`
	FunctionArn     string `json:"FunctionArn"`
}

// GetRuntimeManagementConfig reports the Auto runtime update mode.
func (s *Service) GetRuntimeManagementConfig(ctx context.Context, in *GetFunctionInput) (*GetRuntimeManagementConfigOutput, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	var out *GetRuntimeManagementConfigOutput
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		_, arn, err := configOf(ctx, tx, f, t)
		out = &GetRuntimeManagementConfigOutput{UpdateRuntimeOn: "Auto", FunctionArn: arn}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
