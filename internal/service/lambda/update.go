package lambda

import (
	"context"

	"gatehouse/internal/model"
)

// UpdateFunctionCodeInput is UpdateFunctionCode's request.
type UpdateFunctionCodeInput struct {
	FunctionName    string   `path:"FunctionName" json:"-"`
	ZipFile         []byte   `json:"ZipFile"`
	S3Bucket        string   `json:"S3Bucket"`
	S3Key           string   `json:"S3Key"`
	S3ObjectVersion string   `json:"S3ObjectVersion"`
	ImageUri        string   `json:"ImageUri"`
	Publish         bool     `json:"Publish"`
	DryRun          bool     `json:"DryRun"`
	RevisionId      string   `json:"RevisionId"`
	Architectures   []string `json:"Architectures"`
}

// UpdateFunctionCode replaces $LATEST's package. The package is stored
// first; the function goes InProgress until the engine has it.
func (s *Service) UpdateFunctionCode(ctx context.Context, in *UpdateFunctionCodeInput) (*FunctionConfiguration, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	var v validation
	checkArchitectures(&v, in.Architectures)
	if err := v.err(); err != nil {
		return nil, err
	}
	if t.qualifier != "" {
		return nil, invalidParameter("Function name cannot be qualified for UpdateFunctionCode.")
	}
	// Checked before the package is stored, so a refused call leaves
	// nothing; checked again in the transaction, which decides.
	if err := s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		return checkUpdatable(f, in.RevisionId)
	}); err != nil {
		return nil, err
	}
	pkg, err := s.putCode("UpdateFunctionCode", &FunctionCode{ZipFile: in.ZipFile, S3Bucket: in.S3Bucket,
		S3Key: in.S3Key, S3ObjectVersion: in.S3ObjectVersion, ImageUri: in.ImageUri})
	if err != nil {
		return nil, err
	}
	var out *FunctionConfiguration
	err = s.updateFunction(ctx, t, in.RevisionId, in.DryRun, func(f *model.Function) error {
		c := &f.Config
		c.CodeID, c.CodeSha256, c.CodeSize = pkg.ID, pkg.Sha256, pkg.Size
		if len(in.Architectures) == 1 {
			c.Architectures = in.Architectures
		}
		return nil
	}, in.Publish, &out)
	return out, err
}

// UpdateFunctionConfigurationInput is UpdateFunctionConfiguration's
// request.
type UpdateFunctionConfigurationInput struct {
	FunctionName     string            `path:"FunctionName" json:"-"`
	Role             *string           `json:"Role"`
	Runtime          *string           `json:"Runtime"`
	Handler          *string           `json:"Handler"`
	Description      *string           `json:"Description"`
	Timeout          *int              `json:"Timeout"`
	MemorySize       *int              `json:"MemorySize"`
	Environment      *Environment      `json:"Environment"`
	EphemeralStorage *EphemeralStorage `json:"EphemeralStorage"`
	RevisionId       string            `json:"RevisionId"`
	unsupported
}

// UpdateFunctionConfiguration changes $LATEST's settings; the function
// goes InProgress until the engine has them.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, in *UpdateFunctionConfigurationInput) (*FunctionConfiguration, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	st := settings{Role: in.Role, Runtime: in.Runtime, Handler: in.Handler, Description: in.Description,
		Timeout: in.Timeout, MemorySize: in.MemorySize, Environment: in.Environment, EphemeralStorage: in.EphemeralStorage}
	var v validation
	st.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if t.qualifier != "" {
		return nil, invalidParameter("Function name cannot be qualified for UpdateFunctionConfiguration.")
	}
	if err := in.unsupported.check(); err != nil {
		return nil, err
	}
	var out *FunctionConfiguration
	err = s.updateFunction(ctx, t, in.RevisionId, false, func(f *model.Function) error {
		return st.apply(&f.Config)
	}, false, &out)
	return out, err
}

// updateFunction changes $LATEST with change in one transaction, marks it
// InProgress, and publishes it when asked; dryRun checks and answers
// without writing.
func (s *Service) updateFunction(ctx context.Context, t target, revision string, dryRun bool,
	change func(*model.Function) error, publishToo bool, out **FunctionConfiguration) error {
	return s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		if err := checkUpdatable(f, revision); err != nil {
			return err
		}
		if err := change(f); err != nil {
			return err
		}
		if dryRun {
			*out = configuration(tx.Region, f.Name, f.ARN, f.Config)
			return nil
		}
		s.updated(&f.Config)
		*out = configuration(tx.Region, f.Name, f.ARN, f.Config)
		if publishToo {
			v, err := publish(tx, f, "", f.Config.LastModified)
			if err != nil {
				return err
			}
			*out = configuration(tx.Region, f.Name, v.ARN, v.Config)
		}
		return model.Put(tx, f)
	})
}
