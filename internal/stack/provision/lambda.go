package provision

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/stack"
)

func init() {
	creators["AWS::Lambda::Function"] = createFunction
	updaters["AWS::Lambda::Function"] = updateFunction
	deleters["AWS::Lambda::Function"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		_, err := s.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &cur.Ref})
		if gone(err) {
			return nil
		}
		return err
	}
	// A function's name is at most 64 characters.
	nameLimits["AWS::Lambda::Function"] = 64
}

// functionConfigProps are the properties UpdateFunctionConfiguration
// changes; Code and Architectures go through UpdateFunctionCode, the rest
// through their own calls.
var functionConfigProps = []string{"Handler", "Runtime", "Role", "Description", "Timeout", "MemorySize", "Environment", "EphemeralStorage"}

// createFunction makes a function from its inline source and waits, as
// CloudFormation does, until Lambda reports it Active: a function still
// Pending cannot be invoked, so what depends on it must wait too.
func createFunction(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	if n := p.string("FunctionName"); n != "" {
		name = n
	}
	in, err := createFunctionInput(name, t, p)
	if err != nil {
		return stack.Created{}, err
	}
	_, err = s.Lambda.CreateFunction(ctx, in)
	if errorCode(err) == "ResourceConflictException" && ownFunction(ctx, s, t, name) {
		// This resource made it before a crash cut its creation short,
		// before the stack could record it: bring it to what the
		// template says.
		if err := s.functionSettled(ctx, name, false); err != nil {
			return stack.Created{}, err
		}
		return updateFunction(ctx, s, t, stack.Created{Ref: name}, nil, p)
	}
	if err != nil {
		return stack.Created{}, err
	}
	made := stack.Created{Ref: name}
	if err := s.functionSettled(ctx, name, false); err != nil {
		return made, err
	}
	if n, err := p.int32("ReservedConcurrentExecutions"); err != nil {
		return made, err
	} else if n != nil {
		if _, err := s.Lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: &name, ReservedConcurrentExecutions: n}); err != nil {
			return made, err
		}
	}
	return functionCreated(ctx, s, name)
}

func createFunctionInput(name string, t stack.Target, p props) (*lambda.CreateFunctionInput, error) {
	if pt := p.string("PackageType"); pt != "" && pt != string(lambdatypes.PackageTypeZip) {
		return nil, errors.New("PackageType: gatehouse runs zip packages only, not container images")
	}
	pkg, err := inlineCode(p)
	if err != nil {
		return nil, err
	}
	in := &lambda.CreateFunctionInput{
		FunctionName: &name, Role: p.str("Role"), Handler: p.str("Handler"), Runtime: lambdatypes.Runtime(p.string("Runtime")),
		Description: p.str("Description"), PackageType: lambdatypes.PackageTypeZip,
		Code: &lambdatypes.FunctionCode{ZipFile: pkg}, Tags: tagsOf(t, p),
	}
	if err := functionSettings(p, &in.Timeout, &in.MemorySize, &in.Environment, &in.EphemeralStorage); err != nil {
		return nil, err
	}
	for _, a := range p.strings("Architectures") {
		in.Architectures = append(in.Architectures, lambdatypes.Architecture(a))
	}
	return in, nil
}

// functionSettings reads the numbers and blocks CreateFunction and
// UpdateFunctionConfiguration share.
func functionSettings(p props, timeout, memory **int32, env **lambdatypes.Environment, storage **lambdatypes.EphemeralStorage) error {
	var err error
	if *timeout, err = p.int32("Timeout"); err != nil {
		return err
	}
	if *memory, err = p.int32("MemorySize"); err != nil {
		return err
	}
	if e, ok := p["Environment"].(map[string]any); ok {
		*env = &lambdatypes.Environment{Variables: props(e).stringMap("Variables")}
	}
	if e, ok := p["EphemeralStorage"].(map[string]any); ok {
		size, err := props(e).int32("Size")
		if err != nil {
			return fmt.Errorf("EphemeralStorage.%w", err)
		}
		*storage = &lambdatypes.EphemeralStorage{Size: size}
	}
	return nil
}

// zipEpoch stamps the one file of an inline package, so that the same
// source always makes the same package and the same CodeSha256: Lambda
// publishes no new version of code that has not changed.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// inlineCode is the deployment package CloudFormation makes of
// Code.ZipFile: the source in one file named index, with the extension of
// the runtime's language (index.js for every Node.js runtime, CommonJS,
// never index.mjs; index.py for Python), readable by all.
func inlineCode(p props) ([]byte, error) {
	code, _ := p["Code"].(map[string]any)
	src := props(code).str("ZipFile")
	if src == nil {
		return nil, errors.New("Code: gatehouse has no S3, so the function's source must be given inline as Code.ZipFile")
	}
	runtime := p.string("Runtime")
	var file string
	switch {
	case strings.HasPrefix(runtime, "nodejs"):
		file = "index.js"
	case strings.HasPrefix(runtime, "python"):
		file = "index.py"
	default:
		return nil, fmt.Errorf("ZipFile can only be used when Runtime is set to a Node.js or Python runtime, not %q", runtime)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: file, Method: zip.Deflate, Modified: zipEpoch}
	h.SetMode(0o644)
	f, err := w.CreateHeader(h)
	if err == nil {
		_, err = f.Write([]byte(*src))
	}
	if err == nil {
		err = w.Close()
	}
	return buf.Bytes(), err
}

// ownFunction reports whether the function name carries the tags
// CloudFormation gives t: the same stack and logical id.
func ownFunction(ctx context.Context, s *SDK, t stack.Target, name string) bool {
	out, err := s.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name})
	if err != nil || t.StackID == "" {
		return false
	}
	return out.Tags["aws:cloudformation:stack-id"] == t.StackID && out.Tags["aws:cloudformation:logical-id"] == t.LogicalID
}

// updateFunction changes a function in place: its configuration, then its
// code, each waited for until Lambda reports the update Successful (Lambda
// refuses the next change while one is InProgress), then its reserved
// concurrency and tags. old is nil when a crashed creation is taken up:
// then everything is set.
func updateFunction(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	name := cur.Ref
	changed := func(keys ...string) bool {
		if old == nil {
			return true
		}
		return slices.ContainsFunc(changedKeys(old, new), func(k string) bool { return slices.Contains(keys, k) })
	}
	if pt := new.string("PackageType"); pt != "" && pt != string(lambdatypes.PackageTypeZip) {
		return stack.Created{}, errors.New("PackageType: gatehouse runs zip packages only, not container images")
	}
	// The inline package's file name follows the runtime, so a new
	// runtime may mean a new package.
	pkg, err := inlineCode(new)
	if err != nil {
		return stack.Created{}, err
	}
	codeChanged := changed("Code", "Architectures")
	if !codeChanged && changed("Runtime") {
		was, _ := inlineCode(old)
		codeChanged = !bytes.Equal(was, pkg)
	}
	if changed(functionConfigProps...) {
		in := &lambda.UpdateFunctionConfigurationInput{FunctionName: &name, Role: new.str("Role"), Handler: new.str("Handler"),
			Runtime: lambdatypes.Runtime(new.string("Runtime")), Description: new.str("Description")}
		if err := functionSettings(new, &in.Timeout, &in.MemorySize, &in.Environment, &in.EphemeralStorage); err != nil {
			return stack.Created{}, err
		}
		// What the template no longer sets goes back to Lambda's
		// default, as on a function made without it.
		if in.Description == nil {
			in.Description = aws.String("")
		}
		if in.Timeout == nil {
			in.Timeout = aws.Int32(3)
		}
		if in.MemorySize == nil {
			in.MemorySize = aws.Int32(128)
		}
		if in.Environment == nil {
			in.Environment = &lambdatypes.Environment{Variables: map[string]string{}}
		}
		if in.EphemeralStorage == nil {
			in.EphemeralStorage = &lambdatypes.EphemeralStorage{Size: aws.Int32(512)}
		}
		if _, err := s.Lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
			return stack.Created{}, err
		}
		if err := s.functionSettled(ctx, name, true); err != nil {
			return stack.Created{}, err
		}
	}
	if codeChanged {
		in := &lambda.UpdateFunctionCodeInput{FunctionName: &name, ZipFile: pkg, Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureX8664}}
		if a := new.strings("Architectures"); len(a) > 0 {
			in.Architectures = []lambdatypes.Architecture{lambdatypes.Architecture(a[0])}
		}
		if _, err := s.Lambda.UpdateFunctionCode(ctx, in); err != nil {
			return stack.Created{}, err
		}
		if err := s.functionSettled(ctx, name, true); err != nil {
			return stack.Created{}, err
		}
	}
	if changed("ReservedConcurrentExecutions") {
		n, err := new.int32("ReservedConcurrentExecutions")
		if err != nil {
			return stack.Created{}, err
		}
		if n != nil {
			_, err = s.Lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: &name, ReservedConcurrentExecutions: n})
		} else {
			_, err = s.Lambda.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: &name})
		}
		if err != nil {
			return stack.Created{}, err
		}
	}
	if err := retagFunction(ctx, s, name, t, new); err != nil {
		return stack.Created{}, err
	}
	return functionCreated(ctx, s, name)
}

// functionSettled waits until Lambda has finished with the function: a
// new one is no longer Pending (CloudFormation's create waits for
// Active), an updated one's LastUpdateStatus is no longer InProgress.
// Failed ends the wait with Lambda's reason, as CloudFormation reports it.
func (s *SDK) functionSettled(ctx context.Context, name string, update bool) error {
	return s.poll(ctx, "waiting for function "+name, func() (bool, error) {
		out, err := s.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name})
		if err != nil {
			return false, err
		}
		c := out.Configuration
		if update {
			switch c.LastUpdateStatus {
			case lambdatypes.LastUpdateStatusFailed:
				return false, fmt.Errorf("function %s update failed: %s: %s", name, c.LastUpdateStatusReasonCode, aws.ToString(c.LastUpdateStatusReason))
			case lambdatypes.LastUpdateStatusInProgress:
				return false, nil
			}
			return true, nil
		}
		switch c.State {
		case lambdatypes.StateFailed:
			return false, fmt.Errorf("function %s failed to become active: %s: %s", name, c.StateReasonCode, aws.ToString(c.StateReason))
		case lambdatypes.StatePending:
			return false, nil
		}
		return true, nil
	})
}

// retagFunction brings a function's tags to what t and p say.
func retagFunction(ctx context.Context, s *SDK, name string, t stack.Target, p props) error {
	got, err := s.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name})
	if err != nil {
		return err
	}
	arn := got.Configuration.FunctionArn
	set, drop := tagDiff(got.Tags, tagsOf(t, p))
	if len(drop) > 0 {
		if _, err := s.Lambda.UntagResource(ctx, &lambda.UntagResourceInput{Resource: arn, TagKeys: drop}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	if len(set) > 0 {
		if _, err := s.Lambda.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: maps.Clone(set)}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	return nil
}

// functionCreated is Ref (the name) and Arn, read back from Lambda.
func functionCreated(ctx context.Context, s *SDK, name string) (stack.Created, error) {
	out, err := s.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name})
	if err != nil {
		return stack.Created{Ref: name}, err
	}
	return stack.Created{Ref: name, Attrs: map[string]any{"Arn": aws.ToString(out.Configuration.FunctionArn)}}, nil
}
