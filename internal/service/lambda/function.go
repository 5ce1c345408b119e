package lambda

import (
	"context"
	"errors"
	"net/url"
	"os"
	"slices"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/model"
)

// Lambda's states and the reasons it gives while a function is being made
// or changed. The engine moves a function on from these.
const (
	statePending     = "Pending"
	stateActive      = "Active"
	updateInProgress = "InProgress"
	creatingReason   = "The function is being created."
	creatingCode     = "Creating"
)

// maxZipped is the largest package a request may carry (50 MB).
const maxZipped = 50 << 20

// FunctionCode is a deployment package as CreateFunction takes it.
type FunctionCode struct {
	ZipFile         []byte `json:"ZipFile"`
	S3Bucket        string `json:"S3Bucket"`
	S3Key           string `json:"S3Key"`
	S3ObjectVersion string `json:"S3ObjectVersion"`
	ImageUri        string `json:"ImageUri"`
}

// Members gatehouse refuses rather than ignore, each with what it would
// need.
type unsupported struct {
	VpcConfig *struct {
		SubnetIds        []string `json:"SubnetIds"`
		SecurityGroupIds []string `json:"SecurityGroupIds"`
	} `json:"VpcConfig"`
	DeadLetterConfig *struct {
		TargetArn string `json:"TargetArn"`
	} `json:"DeadLetterConfig"`
	KMSKeyArn            string   `json:"KMSKeyArn"`
	Layers               []string `json:"Layers"`
	FileSystemConfigs    []any    `json:"FileSystemConfigs"`
	CodeSigningConfigArn string   `json:"CodeSigningConfigArn"`
	ImageConfig          *struct {
		Command    []string `json:"Command"`
		EntryPoint []string `json:"EntryPoint"`
	} `json:"ImageConfig"`
	TracingConfig *TracingConfig `json:"TracingConfig"`
	SnapStart     *struct {
		ApplyOn string `json:"ApplyOn"`
	} `json:"SnapStart"`
}

// check refuses what gatehouse cannot do, saying so.
func (u *unsupported) check() error {
	switch {
	case u.VpcConfig != nil && (len(u.VpcConfig.SubnetIds) > 0 || len(u.VpcConfig.SecurityGroupIds) > 0):
		return invalidParameter("gatehouse does not attach functions to a VPC: VpcConfig must be empty.")
	case u.DeadLetterConfig != nil && u.DeadLetterConfig.TargetArn != "":
		return invalidParameter("gatehouse has no SQS or SNS for a dead-letter queue: DeadLetterConfig is not supported.")
	case u.KMSKeyArn != "":
		return invalidParameter("gatehouse has no KMS: KMSKeyArn is not supported.")
	case len(u.Layers) > 0:
		return invalidParameter("gatehouse does not support layers.")
	case len(u.FileSystemConfigs) > 0:
		return invalidParameter("gatehouse has no EFS: FileSystemConfigs is not supported.")
	case u.CodeSigningConfigArn != "":
		return invalidParameter("gatehouse does not support code signing.")
	case u.ImageConfig != nil && (len(u.ImageConfig.Command) > 0 || len(u.ImageConfig.EntryPoint) > 0):
		return invalidParameter("gatehouse has no ECR: container image functions are not supported.")
	case u.TracingConfig != nil && u.TracingConfig.Mode == "Active":
		return invalidParameter("gatehouse has no X-Ray: TracingConfig Mode must be PassThrough.")
	case u.SnapStart != nil && u.SnapStart.ApplyOn != "" && u.SnapStart.ApplyOn != "None":
		return invalidParameter("gatehouse does not support SnapStart.")
	}
	return nil
}

// CreateFunctionInput is CreateFunction's request.
type CreateFunctionInput struct {
	FunctionName     string            `json:"FunctionName"`
	Runtime          *string           `json:"Runtime"`
	Role             *string           `json:"Role"`
	Handler          *string           `json:"Handler"`
	Description      *string           `json:"Description"`
	Timeout          *int              `json:"Timeout"`
	MemorySize       *int              `json:"MemorySize"`
	Publish          bool              `json:"Publish"`
	Code             *FunctionCode     `json:"Code"`
	Environment      *Environment      `json:"Environment"`
	PackageType      string            `json:"PackageType"`
	Architectures    []string          `json:"Architectures"`
	EphemeralStorage *EphemeralStorage `json:"EphemeralStorage"`
	Tags             map[string]string `json:"Tags"`
	unsupported
}

// CreateFunction stores the package, then writes the function Pending;
// the engine makes it Active.
func (s *Service) CreateFunction(ctx context.Context, in *CreateFunctionInput) (*FunctionConfiguration, error) {
	st := settings{Role: in.Role, Runtime: in.Runtime, Handler: in.Handler, Description: in.Description,
		Timeout: in.Timeout, MemorySize: in.MemorySize, Environment: in.Environment, EphemeralStorage: in.EphemeralStorage}
	var v validation
	ref, ok := invoke.ParseFunction(in.FunctionName)
	if !ok || !functionNameRE.MatchString(in.FunctionName) || ref.Qualifier != "" || len(ref.Name) > 64 {
		v.pattern(in.FunctionName, "functionName", functionNamePattern)
	}
	if in.Role == nil {
		v.add("Value null at 'role' failed to satisfy constraint: Member must not be null")
	}
	if in.Code == nil {
		v.add("Value null at 'code' failed to satisfy constraint: Member must not be null")
	}
	st.validate(&v)
	checkArchitectures(&v, in.Architectures)
	if in.PackageType != "" && in.PackageType != "Zip" && in.PackageType != "Image" {
		v.add("Value '%s' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Image, Zip]", in.PackageType)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	m := api.MetaFrom(ctx)
	if ref.Account != "" && ref.Account != m.Account || ref.Region != "" && ref.Region != m.Region {
		return nil, invalidParameter("The function ARN names another account or region than the request's.")
	}
	if in.PackageType == "Image" || in.Code.ImageUri != "" {
		return nil, invalidParameter("gatehouse has no ECR: container image functions are not supported; upload a .zip file archive in Code.ZipFile.")
	}
	if err := in.unsupported.check(); err != nil {
		return nil, err
	}
	if err := checkTags(ctx, in.Tags); err != nil {
		return nil, err
	}
	now := s.now()
	c := model.FunctionConfig{Version: "$LATEST", Timeout: 3, MemorySize: 128, EphemeralStorage: 512,
		Architectures: []string{"x86_64"}, PackageType: "Zip", LastModified: now, RevisionID: api.NewRequestID(),
		State: statePending, StateReason: creatingReason, StateReasonCode: creatingCode}
	if len(in.Architectures) == 1 {
		c.Architectures = in.Architectures
	}
	if err := st.apply(&c); err != nil {
		return nil, err
	}
	if in.Runtime == nil {
		return nil, invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	pkg, err := s.putCode("CreateFunction", in.Code)
	if err != nil {
		return nil, err
	}
	c.CodeID, c.CodeSha256, c.CodeSize = pkg.ID, pkg.Sha256, pkg.Size
	f := &model.Function{Name: ref.Name, ARN: invoke.FunctionARN(m.Region, m.Account, ref.Name, ""), Config: c}
	if len(in.Tags) > 0 {
		f.Tags = in.Tags
	}
	out := configuration(m.Region, f.Name, f.ARN, c)
	err = s.update(ctx, func(tx model.Tx) error {
		if _, exists, err := model.Get[model.Function](tx, f.Name); err != nil || exists {
			if exists {
				return conflict("Function already exist: %s", f.Name)
			}
			return err
		}
		if in.Publish {
			v, err := publish(tx, f, "", now)
			if err != nil {
				return err
			}
			out = configuration(m.Region, f.Name, v.ARN, v.Config)
		}
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putCode checks and stores a package given inline. The code is in the
// store before any record names it; a package no record names is
// harmless.
func (s *Service) putCode(op string, fc *FunctionCode) (code.Code, error) {
	switch {
	case fc.ImageUri != "":
		return code.Code{}, invalidParameter("gatehouse has no ECR: container image functions are not supported; upload a .zip file archive in ZipFile.")
	case fc.S3Bucket != "" || fc.S3Key != "":
		return code.Code{}, invalidParameter("gatehouse has no S3: upload the .zip file archive in ZipFile rather than naming S3Bucket and S3Key.")
	case len(fc.ZipFile) == 0:
		return code.Code{}, invalidParameter("Please provide a source for function code.")
	case len(fc.ZipFile) > maxZipped:
		return code.Code{}, packageTooLarge(op)
	}
	pkg, err := s.cfg.Code.Put(fc.ZipFile)
	var bad *code.InvalidError
	if errors.As(err, &bad) {
		return code.Code{}, invalidParameter("%s", bad.Message)
	}
	return pkg, err
}

// GetFunctionInput names a function, version or alias.
type GetFunctionInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Qualifier    string `querystring:"Qualifier" json:"-"`
}

// GetFunctionOutput is GetFunction's answer.
type GetFunctionOutput struct {
	Configuration *FunctionConfiguration `json:"Configuration"`
	Code          *FunctionCodeLocation  `json:"Code"`
	Tags          map[string]string      `json:"Tags,omitempty"`
	Concurrency   *Concurrency           `json:"Concurrency,omitempty"`
}

// GetFunction reports a function's (or a version's) configuration, where
// its package can be downloaded, its tags and its reserved concurrency.
func (s *Service) GetFunction(ctx context.Context, in *GetFunctionInput) (*GetFunctionOutput, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	var out GetFunctionOutput
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		c, arn, err := configOf(ctx, tx, f, t)
		if err != nil {
			return err
		}
		out.Configuration = configuration(tx.Region, f.Name, arn, c)
		out.Code = &FunctionCodeLocation{RepositoryType: "S3", Location: s.codeLocation(f.Name, c.CodeID)}
		out.Tags = f.Tags
		if out.Tags == nil {
			out.Tags = map[string]string{}
		}
		if f.ReservedConcurrency != nil && t.qualifier == "" {
			out.Concurrency = &Concurrency{ReservedConcurrentExecutions: f.ReservedConcurrency}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// codeLocation is the URL GetFunctionCodePackage serves the package at.
func (s *Service) codeLocation(name, id string) string {
	base := ""
	if s.cfg.Endpoint != nil {
		base = s.cfg.Endpoint()
	}
	return base + "/2015-03-31/functions/" + url.PathEscape(name) + "/code?package=" + id
}

// GetFunctionCodePackageInput names a function and one of its packages.
type GetFunctionCodePackageInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Package      string `querystring:"package" json:"-"`
}

// CodePackage is a deployment package, answered as the zip it is.
type CodePackage struct{ body []byte }

func (p *CodePackage) Payload() ([]byte, string) { return p.body, "application/zip" }

// GetFunctionCodePackage serves a package of a function's $LATEST or of
// one of its versions as it was uploaded: GetFunction's Code.Location,
// where AWS has a presigned S3 URL.
func (s *Service) GetFunctionCodePackage(ctx context.Context, in *GetFunctionCodePackageInput) (*CodePackage, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		if f.Config.CodeID == in.Package && in.Package != "" {
			return nil
		}
		versions, err := model.ListPrefix[model.FunctionVersion](tx, f.Name+"/")
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(versions, func(v *model.FunctionVersion) bool { return v.Config.CodeID == in.Package }) {
			return resourceNotFound("The resource you requested does not exist.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	body, err := os.ReadFile(s.cfg.Code.ZipPath(in.Package))
	if err != nil {
		return nil, err
	}
	return &CodePackage{body: body}, nil
}

// GetFunctionConfiguration reports a version's configuration.
func (s *Service) GetFunctionConfiguration(ctx context.Context, in *GetFunctionInput) (*FunctionConfiguration, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	var out *FunctionConfiguration
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		c, arn, err := configOf(ctx, tx, f, t)
		out = configuration(tx.Region, f.Name, arn, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListFunctionsInput pages through functions.
type ListFunctionsInput struct {
	FunctionVersion string `querystring:"FunctionVersion" json:"-"`
	Marker          string `querystring:"Marker" json:"-"`
	MaxItems        *int   `querystring:"MaxItems" json:"-"`
	MasterRegion    string `querystring:"MasterRegion" json:"-"`
}

// ListFunctionsOutput is one page of functions.
type ListFunctionsOutput struct {
	NextMarker string                   `json:"NextMarker,omitempty"`
	Functions  []*FunctionConfiguration `json:"Functions"`
}

// ListFunctions lists functions' $LATEST, in name order, and with
// FunctionVersion ALL their published versions after each.
func (s *Service) ListFunctions(ctx context.Context, in *ListFunctionsInput) (*ListFunctionsOutput, error) {
	if in.FunctionVersion != "" && in.FunctionVersion != "ALL" {
		var v validation
		v.add("Value '%s' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]", in.FunctionVersion)
		return nil, v.err()
	}
	if in.MasterRegion != "" {
		return nil, invalidParameter("gatehouse has no Lambda@Edge replicas: MasterRegion is not supported.")
	}
	type item struct {
		key  string
		conf *FunctionConfiguration
	}
	var items []item
	err := s.view(ctx, func(tx model.Tx) error {
		fns, err := model.List[model.Function](tx)
		if err != nil {
			return err
		}
		for _, f := range fns {
			items = append(items, item{f.Name + "\x00", configuration(tx.Region, f.Name, f.ARN, f.Config)})
			if in.FunctionVersion != "ALL" {
				continue
			}
			vs, err := model.ListPrefix[model.FunctionVersion](tx, f.Name+"/")
			if err != nil {
				return err
			}
			for _, v := range vs {
				items = append(items, item{f.Name + "\x00" + versionKey(v.Config.Version), configuration(tx.Region, f.Name, v.ARN, v.Config)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
	pg, next, err := page(items, func(it item) string { return it.key }, in.MaxItems, in.Marker, 50)
	if err != nil {
		return nil, err
	}
	out := &ListFunctionsOutput{NextMarker: next, Functions: make([]*FunctionConfiguration, len(pg))}
	for i, it := range pg {
		out.Functions[i] = it.conf
	}
	return out, nil
}

// DeleteFunctionInput names a function, or one of its versions.
type DeleteFunctionInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Qualifier    string `querystring:"Qualifier" json:"-"`
}

// DeleteFunction deletes a function with its versions, aliases and queued
// events, or one published version that no alias points to.
func (s *Service) DeleteFunction(ctx context.Context, in *DeleteFunctionInput) (*Empty, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		switch {
		case t.qualifier == "$LATEST":
			return invalidParameter("$LATEST version cannot be deleted without deleting the function.")
		case t.qualifier != "" && !isVersion(t.qualifier):
			return invalidParameter("Deletion of aliases is not supported.")
		case t.qualifier != "":
			return deleteVersion(ctx, tx, f, t)
		}
		return deleteAll(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// deleteVersion removes one published version, which no alias may name.
func deleteVersion(ctx context.Context, tx model.Tx, f *model.Function, t target) error {
	v, ok, err := model.Get[model.FunctionVersion](tx, f.Name+"/"+t.qualifier)
	if err != nil {
		return err
	}
	if !ok {
		return notFound(t.arn(ctx))
	}
	aliases, err := model.ListPrefix[model.FunctionAlias](tx, f.Name+"/")
	if err != nil {
		return err
	}
	var names []string
	for _, a := range aliases {
		if a.FunctionVersion == t.qualifier || a.Weights[t.qualifier] > 0 {
			names = append(names, a.Name)
		}
	}
	if len(names) > 0 {
		return conflict("Unable to delete version because the following aliases reference it: [%s]", strings.Join(names, ", "))
	}
	// The version's own policy and event invoke config go with it.
	if err := deleteConfigs(tx, f.Name, t.qualifier); err != nil {
		return err
	}
	kept := slices.DeleteFunc(slices.Clone(f.Policy), func(st model.PermissionStatement) bool { return st.Qualifier == t.qualifier })
	if len(kept) != len(f.Policy) {
		f.Policy = kept
		f.PolicyRevision = api.NewRequestID()
		if err := model.Put(tx, f); err != nil {
			return err
		}
	}
	return model.Delete(tx, v)
}

// deleteAll removes a function and all that hangs on it.
func deleteAll(tx model.Tx, f *model.Function) error {
	prefix := f.Name + "/"
	versions, err := model.ListPrefix[model.FunctionVersion](tx, prefix)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if err := model.Delete(tx, v); err != nil {
			return err
		}
	}
	aliases, err := model.ListPrefix[model.FunctionAlias](tx, prefix)
	if err != nil {
		return err
	}
	for _, a := range aliases {
		if err := model.Delete(tx, a); err != nil {
			return err
		}
	}
	if err := deleteConfigs(tx, f.Name, ""); err != nil {
		return err
	}
	events, err := model.ListPrefix[model.FunctionEvent](tx, prefix)
	if err != nil {
		return err
	}
	for _, e := range events {
		if err := model.Delete(tx, e); err != nil {
			return err
		}
	}
	return model.Delete(tx, f)
}

// checkUpdatable refuses a change while the function is being made or
// changed, as Lambda does, and a RevisionId that is not the current one.
func checkUpdatable(f *model.Function, revision string) error {
	if f.Config.State == statePending {
		return conflict("The operation cannot be performed at this time. The function is currently in the following state: %s", f.Config.State)
	}
	if f.Config.LastUpdateStatus == updateInProgress {
		return conflict("The operation cannot be performed at this time. An update is in progress for resource: %s", f.ARN)
	}
	if revision != "" && revision != f.Config.RevisionID {
		return preconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return nil
}

// updated marks $LATEST as changing: the engine takes it from InProgress
// to Successful.
func (s *Service) updated(c *model.FunctionConfig) {
	c.LastModified = s.now()
	c.RevisionID = api.NewRequestID()
	c.LastUpdateStatus = updateInProgress
	c.LastUpdateStatusReason = creatingReason
	c.LastUpdateStatusReasonCode = creatingCode
}
