package ssm

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Parameter types, data types and tiers.
const (
	typeString = "String"
	typeList   = "StringList"
	typeSecure = "SecureString"

	dataText        = "text"
	dataImage       = "aws:ec2:image"
	dataIntegration = "aws:ssm:integration"

	tierStandard    = "Standard"
	tierAdvanced    = "Advanced"
	tierIntelligent = "Intelligent-Tiering"
)

// Limits, as AWS documents them.
const (
	maxNameLen        = 2048
	maxDepth          = 15
	maxStandardValue  = 4096
	maxAdvancedValue  = 8192
	maxDescriptionLen = 1024
	maxPatternLen     = 1024
	maxNames          = 10 // GetParameters, DeleteParameters
	maxTags           = 50
	defaultKeyID      = "alias/aws/ssm"
)

// nameChars are the characters a parameter name may hold.
var nameChars = regexp.MustCompile(`^[a-zA-Z0-9_.\-/]+$`)

// checkName validates a name PutParameter would create. Reading accepts
// any name: one that could not be created is simply not found.
func checkName(name string) error {
	if name == "" {
		return constraint(name, "name", "have length greater than or equal to 1")
	}
	if utf8.RuneCountInString(name) > maxNameLen {
		return constraint(name, "name", "have length less than or equal to 2048")
	}
	if !nameChars.MatchString(name) {
		return badName()
	}
	first := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return badName()
	}
	if strings.Contains(name, "/") {
		if !strings.HasPrefix(name, "/") {
			return validation("Parameter name must be a fully qualified name: a name in a hierarchy begins with a forward slash (/).")
		}
		if strings.Contains(name, "//") || strings.HasSuffix(name, "/") {
			return badName()
		}
		if strings.Count(name, "/") > maxDepth {
			return tooDeep()
		}
	}
	return nil
}

// PutParameterInput is PutParameter's input.
type PutParameterInput struct {
	Name           *string `json:"Name"`
	Value          *string `json:"Value"`
	Type           string  `json:"Type"`
	Description    *string `json:"Description"`
	KeyID          *string `json:"KeyId"`
	Overwrite      *bool   `json:"Overwrite"`
	AllowedPattern *string `json:"AllowedPattern"`
	Tags           []Tag   `json:"Tags"`
	Tier           string  `json:"Tier"`
	Policies       *string `json:"Policies"`
	DataType       *string `json:"DataType"`
}

// PutParameterOutput is PutParameter's output.
type PutParameterOutput struct {
	Version int64  `json:"Version"`
	Tier    string `json:"Tier"`
}

// PutParameter creates a parameter, or with Overwrite writes its next
// version. What the new version leaves out (type, description, pattern,
// data type, key, tier) it keeps from the one before.
func (s *Service) PutParameter(ctx context.Context, in *PutParameterInput) (*PutParameterOutput, error) {
	if in.Name == nil {
		return nil, constraint(nil, "name", "not be null")
	}
	if in.Value == nil {
		return nil, constraint(nil, "value", "not be null")
	}
	name := strings.TrimSpace(*in.Name)
	if err := checkName(name); err != nil {
		return nil, err
	}
	if *in.Value == "" {
		return nil, constraint("", "value", "have length greater than or equal to 1")
	}
	if in.Type != "" && in.Type != typeString && in.Type != typeList && in.Type != typeSecure {
		return nil, constraint(in.Type, "type", "satisfy enum value set: [SecureString, StringList, String]")
	}
	if in.Tier != "" && in.Tier != tierStandard && in.Tier != tierAdvanced && in.Tier != tierIntelligent {
		return nil, constraint(in.Tier, "tier", "satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]")
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > maxDescriptionLen {
		return nil, constraint(*in.Description, "description", "have length less than or equal to 1024")
	}
	if in.AllowedPattern != nil && utf8.RuneCountInString(*in.AllowedPattern) > maxPatternLen {
		return nil, constraint(*in.AllowedPattern, "allowedPattern", "have length less than or equal to 1024")
	}
	if in.Policies != nil && *in.Policies != "" && *in.Policies != "[]" {
		return nil, validation("gatehouse does not apply parameter policies (Policies).")
	}
	overwrite := in.Overwrite != nil && *in.Overwrite
	if overwrite && len(in.Tags) > 0 {
		return nil, validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, " +
			"please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	tags, err := tagsIn(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	m := api.MetaFrom(ctx)
	var out PutParameterOutput
	err = s.update(ctx, func(tx model.Tx) error {
		old, exists, err := model.Get[model.Parameter](tx, model.ParameterKey(name))
		if err != nil {
			return err
		}
		if exists && !overwrite {
			return alreadyExists()
		}
		p := &model.Parameter{Name: name, DataType: dataText, Tier: tierStandard, Tags: tags}
		if exists {
			// A write keeps the name as first created, and everything
			// the new version does not say.
			q := *old
			p = &q
		} else if in.Type == "" {
			return validation("A parameter type is required when you create a parameter.")
		}
		if in.Type != "" {
			p.Type = in.Type
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		if in.AllowedPattern != nil {
			p.AllowedPattern = *in.AllowedPattern
		}
		if in.DataType != nil {
			p.DataType = *in.DataType
		}
		if err := checkData(p.Type, p.DataType, *in.Value); err != nil {
			return err
		}
		switch {
		case in.KeyID != nil && p.Type != typeSecure:
			return validation("KeyId is valid for SecureString parameters only, not for %s.", p.Type)
		case in.KeyID != nil:
			p.KeyID = *in.KeyID
		case p.Type == typeSecure && p.KeyID == "":
			p.KeyID = defaultKeyID
		case p.Type != typeSecure:
			p.KeyID = ""
		}
		if p.AllowedPattern != "" {
			re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
			if err != nil {
				return invalidPattern(p.AllowedPattern, err)
			}
			if !re.MatchString(*in.Value) {
				return patternMismatch(p.AllowedPattern)
			}
		}
		tier, err := chooseTier(p.Tier, in.Tier, *in.Value)
		if err != nil {
			return err
		}
		p.Tier = tier
		p.Value = *in.Value
		p.Version++
		p.LastModifiedDate = s.now()
		p.LastModifiedUser = "arn:aws:iam::" + m.Account + ":root"
		out = PutParameterOutput{Version: p.Version, Tier: p.Tier}
		return model.Put(tx, p)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkData validates a data type and what it asks of the value.
func checkData(typ, dataType, value string) error {
	switch dataType {
	case dataText, dataIntegration:
		return nil
	case dataImage:
		if typ != typeString {
			return validation("The data type %s is valid for String parameters only.", dataImage)
		}
		if !amiID.MatchString(value) {
			return validation("The parameter value %s is not a valid AMI ID: data type %s takes ami- and 8 or 17 hexadecimal digits.", value, dataImage)
		}
		return nil
	}
	return validation("The following data type is not supported: %s (Data type names are all lowercase.)", dataType)
}

var amiID = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// chooseTier is the tier a new version is stored in. Intelligent-Tiering
// picks Standard unless the value needs Advanced; an advanced parameter
// never goes back to Standard.
func chooseTier(cur, asked, value string) (string, error) {
	n := utf8.RuneCountInString(value)
	if n > maxAdvancedValue {
		return "", constraint(value, "value", "have length less than or equal to 8192")
	}
	tier := asked
	if tier == "" {
		tier = cur
	}
	if tier == "" {
		tier = tierStandard
	}
	if tier == tierIntelligent {
		tier = tierStandard
		if n > maxStandardValue || cur == tierAdvanced {
			tier = tierAdvanced
		}
	}
	if cur == tierAdvanced && tier == tierStandard {
		return "", validation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter " +
			"from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the " +
			"advanced parameter and recreate it as a standard parameter.")
	}
	if tier == tierStandard && n > maxStandardValue {
		return "", validation("Standard tier parameters support a maximum parameter value of 4096 characters. " +
			"To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.")
	}
	return tier, nil
}

// GetParameterInput is GetParameter's input.
type GetParameterInput struct {
	Name           *string `json:"Name"`
	WithDecryption *bool   `json:"WithDecryption"`
}

// GetParameterOutput is GetParameter's output.
type GetParameterOutput struct {
	Parameter Parameter `json:"Parameter"`
}

// GetParameter reads one parameter by name or ARN, optionally with a
// version selector ("name:3"), which must name the latest version: only
// that one is kept.
func (s *Service) GetParameter(ctx context.Context, in *GetParameterInput) (*GetParameterOutput, error) {
	if in.Name == nil {
		return nil, constraint(nil, "name", "not be null")
	}
	if *in.Name == "" {
		return nil, constraint("", "name", "have length greater than or equal to 1")
	}
	var out GetParameterOutput
	err := s.view(ctx, func(tx model.Tx) error {
		p, selector, err := s.lookup(ctx, tx, *in.Name)
		if err != nil {
			return err
		}
		out.Parameter = parameterOut(ctx, p, in.WithDecryption != nil && *in.WithDecryption)
		out.Parameter.Selector = selector
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// lookup finds the parameter ref names: a name or an ARN, with an optional
// ":version" selector. A label selector names nothing, since gatehouse
// keeps no labels.
func (s *Service) lookup(ctx context.Context, tx model.Tx, ref string) (*model.Parameter, string, error) {
	name, selector := ref, ""
	if i := strings.LastIndexByte(ref, ':'); i >= 0 && !strings.HasPrefix(ref[i:], ":parameter/") {
		name, selector = ref[:i], ref[i:]
	}
	name = nameOf(ctx, name)
	if name == "" {
		return nil, "", notFound()
	}
	p, ok, err := model.Get[model.Parameter](tx, model.ParameterKey(name))
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", notFound()
	}
	if selector != "" {
		v := selector[1:]
		if v == "" || strings.Trim(v, "0123456789") != "" {
			return nil, "", notFound()
		}
		if strings.TrimLeft(v, "0") != itoa64(p.Version) {
			return nil, "", versionNotFound(p.Name, v)
		}
	}
	return p, selector, nil
}

func itoa64(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// GetParametersInput is GetParameters' input.
type GetParametersInput struct {
	Names          []string `json:"Names"`
	WithDecryption *bool    `json:"WithDecryption"`
}

// GetParametersOutput is GetParameters' output.
type GetParametersOutput struct {
	Parameters        []Parameter `json:"Parameters"`
	InvalidParameters []string    `json:"InvalidParameters"`
}

// GetParameters reads up to ten parameters; the names that name nothing
// come back in InvalidParameters, in the order asked.
func (s *Service) GetParameters(ctx context.Context, in *GetParametersInput) (*GetParametersOutput, error) {
	if err := checkNames(in.Names); err != nil {
		return nil, err
	}
	out := GetParametersOutput{Parameters: []Parameter{}, InvalidParameters: []string{}}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	err := s.view(ctx, func(tx model.Tx) error {
		seen := map[string]bool{}
		for _, ref := range in.Names {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			p, selector, err := s.lookup(ctx, tx, ref)
			if e := api.AsError(err); e != nil && !e.Server {
				// Not found, or not that version: the answer lists it.
				out.InvalidParameters = append(out.InvalidParameters, ref)
				continue
			} else if e != nil {
				return err
			}
			o := parameterOut(ctx, p, decrypt)
			o.Selector = selector
			out.Parameters = append(out.Parameters, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkNames is the constraint GetParameters and DeleteParameters put on
// their list of names.
func checkNames(names []string) error {
	switch {
	case names == nil:
		return constraint(nil, "names", "not be null")
	case len(names) == 0:
		return constraint(names, "names", "have length greater than or equal to 1")
	case len(names) > maxNames:
		return constraint(names, "names", "have length less than or equal to 10")
	}
	return nil
}

// GetParametersByPathInput is GetParametersByPath's input.
type GetParametersByPathInput struct {
	Path             *string        `json:"Path"`
	Recursive        *bool          `json:"Recursive"`
	ParameterFilters []StringFilter `json:"ParameterFilters"`
	WithDecryption   *bool          `json:"WithDecryption"`
	MaxResults       *int32         `json:"MaxResults"`
	NextToken        *string        `json:"NextToken"`
}

// GetParametersByPathOutput is GetParametersByPath's output.
type GetParametersByPathOutput struct {
	Parameters []Parameter `json:"Parameters"`
	NextToken  *string     `json:"NextToken,omitempty"`
}

// GetParametersByPath reads the parameters one level under a path, or
// every level with Recursive, ten to a page unless asked for fewer.
func (s *Service) GetParametersByPath(ctx context.Context, in *GetParametersByPathInput) (*GetParametersByPathOutput, error) {
	if in.Path == nil {
		return nil, constraint(nil, "path", "not be null")
	}
	path := *in.Path
	if !strings.HasPrefix(path, "/") || !nameChars.MatchString(path) || strings.Contains(path, "//") {
		return nil, validation("The parameter path %s is not valid: a path begins with a forward slash (/) and holds only a-zA-Z0-9_.-/.", path)
	}
	if strings.Count(strings.TrimSuffix(path, "/"), "/") > maxDepth {
		return nil, tooDeep()
	}
	filters, err := compileFilters(in.ParameterFilters, byPathKeys)
	if err != nil {
		return nil, err
	}
	recursive := in.Recursive != nil && *in.Recursive
	prefix := strings.TrimSuffix(path, "/") + "/"
	var matched []*model.Parameter
	err = s.view(ctx, func(tx model.Tx) error {
		all, err := model.List[model.Parameter](tx)
		if err != nil {
			return err
		}
		for _, p := range all {
			if underPath(p.Name, prefix, recursive) && filters.match(p) {
				matched = append(matched, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortByName(matched)
	items, next, err := page(matched, in.MaxResults, in.NextToken, 10)
	if err != nil {
		return nil, err
	}
	out := &GetParametersByPathOutput{Parameters: []Parameter{}, NextToken: next}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	for _, p := range items {
		out.Parameters = append(out.Parameters, parameterOut(ctx, p, decrypt))
	}
	return out, nil
}

// underPath reports whether name is under prefix (a path ending in "/"):
// one level down, or any number with recursive.
func underPath(name, prefix string, recursive bool) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	return ok && rest != "" && (recursive || !strings.Contains(rest, "/"))
}

func sortByName(ps []*model.Parameter) {
	slices.SortFunc(ps, func(a, b *model.Parameter) int { return strings.Compare(a.Name, b.Name) })
}

// DeleteParameterInput is DeleteParameter's input.
type DeleteParameterInput struct {
	Name *string `json:"Name"`
}

// DeleteParameter deletes a parameter and every version of it.
func (s *Service) DeleteParameter(ctx context.Context, in *DeleteParameterInput) (*Empty, error) {
	if in.Name == nil {
		return nil, constraint(nil, "name", "not be null")
	}
	err := s.update(ctx, func(tx model.Tx) error {
		name := nameOf(ctx, *in.Name)
		p, ok, err := model.Get[model.Parameter](tx, model.ParameterKey(name))
		if err != nil {
			return err
		}
		if !ok || name == "" {
			return notFound()
		}
		return model.Delete(tx, p)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteParametersInput is DeleteParameters' input.
type DeleteParametersInput struct {
	Names []string `json:"Names"`
}

// DeleteParametersOutput is DeleteParameters' output.
type DeleteParametersOutput struct {
	DeletedParameters []string `json:"DeletedParameters"`
	InvalidParameters []string `json:"InvalidParameters"`
}

// DeleteParameters deletes up to ten parameters in one transaction; the
// names that name nothing come back in InvalidParameters.
func (s *Service) DeleteParameters(ctx context.Context, in *DeleteParametersInput) (*DeleteParametersOutput, error) {
	if err := checkNames(in.Names); err != nil {
		return nil, err
	}
	out := DeleteParametersOutput{DeletedParameters: []string{}, InvalidParameters: []string{}}
	err := s.update(ctx, func(tx model.Tx) error {
		for _, ref := range in.Names {
			name := nameOf(ctx, ref)
			p, ok, err := model.Get[model.Parameter](tx, model.ParameterKey(name))
			if err != nil {
				return err
			}
			if !ok || name == "" {
				if !slices.Contains(out.InvalidParameters, ref) {
					out.InvalidParameters = append(out.InvalidParameters, ref)
				}
				continue
			}
			if err := model.Delete(tx, p); err != nil {
				return err
			}
			out.DeletedParameters = append(out.DeletedParameters, ref)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DescribeParametersInput is DescribeParameters' input.
type DescribeParametersInput struct {
	Filters          []LegacyFilter `json:"Filters"`
	ParameterFilters []StringFilter `json:"ParameterFilters"`
	MaxResults       *int32         `json:"MaxResults"`
	NextToken        *string        `json:"NextToken"`
	Shared           *bool          `json:"Shared"`
}

// DescribeParametersOutput is DescribeParameters' output.
type DescribeParametersOutput struct {
	Parameters []ParameterMetadata `json:"Parameters"`
	NextToken  *string             `json:"NextToken,omitempty"`
}

// DescribeParameters lists parameters without their values, fifty to a
// page unless asked for fewer, in name order.
func (s *Service) DescribeParameters(ctx context.Context, in *DescribeParametersInput) (*DescribeParametersOutput, error) {
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, validation("You can use either Filters or ParameterFilters in a single request.")
	}
	pf := in.ParameterFilters
	for _, f := range in.Filters {
		if f.Key != "Name" && f.Key != "Type" && f.Key != "KeyId" {
			return nil, constraint(f.Key, "filters.1.member.key", "satisfy enum value set: [Name, Type, KeyId]")
		}
		// The old filters compare for equality, one of several values.
		key := f.Key
		pf = append(pf, StringFilter{Key: &key, Values: f.Values})
	}
	filters, err := compileFilters(pf, describeKeys)
	if err != nil {
		return nil, err
	}
	var matched []*model.Parameter
	err = s.view(ctx, func(tx model.Tx) error {
		all, err := model.List[model.Parameter](tx)
		if err != nil {
			return err
		}
		for _, p := range all {
			if filters.match(p) {
				matched = append(matched, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortByName(matched)
	items, next, err := page(matched, in.MaxResults, in.NextToken, 50)
	if err != nil {
		return nil, err
	}
	out := &DescribeParametersOutput{Parameters: []ParameterMetadata{}, NextToken: next}
	for _, p := range items {
		out.Parameters = append(out.Parameters, metadataOut(ctx, p))
	}
	return out, nil
}
