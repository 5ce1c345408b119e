package lambda

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// AliasRoutingConfiguration sends a share of an alias's invocations to
// other versions.
type AliasRoutingConfiguration struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

// AliasConfiguration is an alias as Lambda reports it.
type AliasConfiguration struct {
	AliasArn        string                     `json:"AliasArn"`
	Name            string                     `json:"Name"`
	FunctionVersion string                     `json:"FunctionVersion"`
	Description     string                     `json:"Description"`
	RoutingConfig   *AliasRoutingConfiguration `json:"RoutingConfig,omitempty"`
	RevisionId      string                     `json:"RevisionId"`
}

func aliasConfiguration(a *model.FunctionAlias) *AliasConfiguration {
	out := &AliasConfiguration{AliasArn: a.ARN, Name: a.Name, FunctionVersion: a.FunctionVersion,
		Description: a.Description, RevisionId: a.RevisionID}
	if len(a.Weights) > 0 {
		out.RoutingConfig = &AliasRoutingConfiguration{AdditionalVersionWeights: a.Weights}
	}
	return out
}

// An alias's name is not all digits (that is a version) and not $LATEST.
const aliasPattern = `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`

var aliasRE = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)

const versionPattern = `(\$LATEST|[0-9]+)`

func checkAliasName(v *validation, name string) {
	switch {
	case len(name) > 128:
		v.length(name, "name", 128)
	case !aliasRE.MatchString(name) || isVersion(name):
		v.pattern(name, "name", aliasPattern)
	}
}

func checkVersionMember(v *validation, version string) {
	if version != "$LATEST" && !isVersion(version) {
		v.pattern(version, "functionVersion", versionPattern)
	}
}

// CreateAliasInput is CreateAlias's request.
type CreateAliasInput struct {
	FunctionName    string                     `path:"FunctionName" json:"-"`
	Name            string                     `json:"Name"`
	FunctionVersion string                     `json:"FunctionVersion"`
	Description     string                     `json:"Description"`
	RoutingConfig   *AliasRoutingConfiguration `json:"RoutingConfig"`
}

// CreateAlias names a version of a function.
func (s *Service) CreateAlias(ctx context.Context, in *CreateAliasInput) (*AliasConfiguration, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	var v validation
	checkAliasName(&v, in.Name)
	checkVersionMember(&v, in.FunctionVersion)
	if len(in.Description) > 256 {
		v.length(in.Description, "description", 256)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if t.qualifier != "" {
		return nil, invalidParameter("Function name cannot be qualified for CreateAlias.")
	}
	var out *AliasConfiguration
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		a := &model.FunctionAlias{Function: f.Name, Name: in.Name, ARN: f.ARN + ":" + in.Name,
			FunctionVersion: in.FunctionVersion, Description: in.Description, RevisionID: api.NewRequestID()}
		if _, exists, err := model.Get[model.FunctionAlias](tx, a.Key()); err != nil || exists {
			if exists {
				return conflict("Alias already exists: %s", a.ARN)
			}
			return err
		}
		if err := checkAliasTarget(ctx, tx, f, a, in.RoutingConfig); err != nil {
			return err
		}
		out = aliasConfiguration(a)
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkAliasTarget checks that the alias's version exists and that its
// routing names other published versions with weights that sum to at
// most 1, and sets them.
func checkAliasTarget(ctx context.Context, tx model.Tx, f *model.Function, a *model.FunctionAlias, rc *AliasRoutingConfiguration) error {
	if _, _, err := configOf(ctx, tx, f, target{name: f.Name, qualifier: a.FunctionVersion}); err != nil {
		return err
	}
	if rc == nil {
		return nil
	}
	if len(rc.AdditionalVersionWeights) > 1 {
		return invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	sum := 0.0
	for version, w := range rc.AdditionalVersionWeights {
		if !isVersion(version) || a.FunctionVersion == "$LATEST" {
			return invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if version == a.FunctionVersion {
			return invalidParameter("Invalid function version %s. Function version %s is already included in routing configuration.", version, version)
		}
		if w < 0 || w > 1 {
			var v validation
			v.add("Value '%v' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]", w)
			return v.err()
		}
		if _, _, err := configOf(ctx, tx, f, target{name: f.Name, qualifier: version}); err != nil {
			return err
		}
		sum += w
	}
	if sum > 1 {
		return invalidParameter("Sum of additional version weights cannot be greater than 1")
	}
	a.Weights = rc.AdditionalVersionWeights
	if len(a.Weights) == 0 {
		a.Weights = nil
	}
	return nil
}

// AliasInput names an alias.
type AliasInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Name         string `path:"Name" json:"-"`
}

// getAlias reads an alias, or answers Lambda's not found.
func getAlias(ctx context.Context, tx model.Tx, functionName, name string) (*model.Function, *model.FunctionAlias, error) {
	t, err := resolve(ctx, functionName, "")
	if err != nil {
		return nil, nil, err
	}
	f, err := getFunction(ctx, tx, t)
	if err != nil {
		return nil, nil, err
	}
	a, ok, err := model.Get[model.FunctionAlias](tx, f.Name+"/"+name)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, resourceNotFound("Alias not found: %s:%s", f.ARN, name)
	}
	return f, a, nil
}

// GetAlias reports an alias.
func (s *Service) GetAlias(ctx context.Context, in *AliasInput) (*AliasConfiguration, error) {
	var out *AliasConfiguration
	err := s.view(ctx, func(tx model.Tx) error {
		_, a, err := getAlias(ctx, tx, in.FunctionName, in.Name)
		if err == nil {
			out = aliasConfiguration(a)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateAliasInput is UpdateAlias's request.
type UpdateAliasInput struct {
	FunctionName    string                     `path:"FunctionName" json:"-"`
	Name            string                     `path:"Name" json:"-"`
	FunctionVersion *string                    `json:"FunctionVersion"`
	Description     *string                    `json:"Description"`
	RoutingConfig   *AliasRoutingConfiguration `json:"RoutingConfig"`
	RevisionId      string                     `json:"RevisionId"`
}

// UpdateAlias points an alias elsewhere or redescribes it.
func (s *Service) UpdateAlias(ctx context.Context, in *UpdateAliasInput) (*AliasConfiguration, error) {
	var v validation
	if in.FunctionVersion != nil {
		checkVersionMember(&v, *in.FunctionVersion)
	}
	if in.Description != nil && len(*in.Description) > 256 {
		v.length(*in.Description, "description", 256)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *AliasConfiguration
	err := s.update(ctx, func(tx model.Tx) error {
		f, a, err := getAlias(ctx, tx, in.FunctionName, in.Name)
		if err != nil {
			return err
		}
		if in.RevisionId != "" && in.RevisionId != a.RevisionID {
			return preconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
		}
		if in.FunctionVersion != nil {
			a.FunctionVersion = *in.FunctionVersion
		}
		if in.Description != nil {
			a.Description = *in.Description
		}
		rc := in.RoutingConfig
		if rc == nil && len(a.Weights) > 0 {
			rc = &AliasRoutingConfiguration{AdditionalVersionWeights: a.Weights}
		}
		if err := checkAliasTarget(ctx, tx, f, a, rc); err != nil {
			return err
		}
		a.RevisionID = api.NewRequestID()
		out = aliasConfiguration(a)
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteAlias deletes an alias, with the permissions added for it.
func (s *Service) DeleteAlias(ctx context.Context, in *AliasInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		f, a, err := getAlias(ctx, tx, in.FunctionName, in.Name)
		if err != nil {
			return err
		}
		kept := slices.DeleteFunc(slices.Clone(f.Policy), func(st model.PermissionStatement) bool { return st.Qualifier == a.Name })
		if len(kept) != len(f.Policy) {
			f.Policy = kept
			f.PolicyRevision = api.NewRequestID()
			if err := model.Put(tx, f); err != nil {
				return err
			}
		}
		if err := deleteConfigs(tx, f.Name, a.Name); err != nil {
			return err
		}
		return model.Delete(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListAliasesInput pages through a function's aliases.
type ListAliasesInput struct {
	FunctionName    string `path:"FunctionName" json:"-"`
	FunctionVersion string `querystring:"FunctionVersion" json:"-"`
	Marker          string `querystring:"Marker" json:"-"`
	MaxItems        *int   `querystring:"MaxItems" json:"-"`
}

// ListAliasesOutput is one page of aliases.
type ListAliasesOutput struct {
	NextMarker string                `json:"NextMarker,omitempty"`
	Aliases    []*AliasConfiguration `json:"Aliases"`
}

// ListAliases lists a function's aliases in name order, those of one
// version when FunctionVersion is given.
func (s *Service) ListAliases(ctx context.Context, in *ListAliasesInput) (*ListAliasesOutput, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	var aliases []*model.FunctionAlias
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		aliases, err = model.ListPrefix[model.FunctionAlias](tx, f.Name+"/")
		return err
	})
	if err != nil {
		return nil, err
	}
	if in.FunctionVersion != "" {
		aliases = slices.DeleteFunc(aliases, func(a *model.FunctionAlias) bool { return a.FunctionVersion != in.FunctionVersion })
	}
	slices.SortFunc(aliases, func(a, b *model.FunctionAlias) int { return strings.Compare(a.Name, b.Name) })
	pg, next, err := page(aliases, func(a *model.FunctionAlias) string { return a.Name }, in.MaxItems, in.Marker, 50)
	if err != nil {
		return nil, err
	}
	out := &ListAliasesOutput{NextMarker: next, Aliases: make([]*AliasConfiguration, len(pg))}
	for i, a := range pg {
		out.Aliases[i] = aliasConfiguration(a)
	}
	return out, nil
}
