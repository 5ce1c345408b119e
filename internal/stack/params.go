package stack

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ParameterValue is one parameter as the stack resolved it.
type ParameterValue struct {
	Name string
	// Value is what was given, or the default: for an
	// AWS::SSM::Parameter::Value<...> parameter, the SSM parameter's name.
	Value string
	// ResolvedValue is the SSM parameter's value; empty for other types.
	ResolvedValue string
	NoEcho        bool
	// Default reports that Value is the template's default.
	Default bool
}

// awsTypes are the AWS-specific parameter types; each also comes as a
// List<...>. Their values are ids and names CloudFormation would check
// exist in the account, which gatehouse does not.
var awsTypes = []string{
	"AWS::EC2::AvailabilityZone::Name", "AWS::EC2::Image::Id", "AWS::EC2::Instance::Id",
	"AWS::EC2::KeyPair::KeyName", "AWS::EC2::SecurityGroup::GroupName", "AWS::EC2::SecurityGroup::Id",
	"AWS::EC2::Subnet::Id", "AWS::EC2::Volume::Id", "AWS::EC2::VPC::Id", "AWS::Route53::HostedZone::Id",
}

const ssmPrefix = "AWS::SSM::Parameter::Value<"

// knownParamType reports whether CloudFormation knows a parameter type.
func knownParamType(typ string) bool {
	if inner, ok := strings.CutPrefix(typ, ssmPrefix); ok {
		inner, ok = strings.CutSuffix(inner, ">")
		return ok && (inner == "String" || inner == "List<String>" || inner == "CommaDelimitedList" ||
			(!strings.HasPrefix(inner, "AWS::SSM::") && knownParamType(inner)))
	}
	switch typ {
	case "String", "Number", "List<Number>", "CommaDelimitedList", "AWS::SSM::Parameter::Name":
		return true
	}
	if inner, ok := strings.CutPrefix(typ, "List<"); ok {
		inner, ok = strings.CutSuffix(inner, ">")
		return ok && slices.Contains(awsTypes, inner)
	}
	return slices.Contains(awsTypes, typ)
}

// isList reports whether a parameter type's value is a list.
func isList(typ string) bool {
	typ = strings.TrimSuffix(strings.TrimPrefix(typ, ssmPrefix), ">")
	return strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList"
}

// resolveParameters gives every parameter its value, checks it against
// the declaration as CloudFormation does, and resolves SSM-typed ones.
func resolveParameters(t *Template, in Inputs) (map[string]any, []ParameterValue, error) {
	var extra []string
	for _, k := range sortedKeys(in.Parameters) {
		if !slices.ContainsFunc(t.Parameters, func(p *Parameter) bool { return p.Name == k }) {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		return nil, nil, &ValidationError{File: t.File, Message: fmt.Sprintf("Parameters: [%s] do not exist in the template", strings.Join(extra, ", "))}
	}
	var missing, unfetched []string
	params := map[string]any{}
	var values []ParameterValue
	for _, p := range t.Parameters {
		pv := ParameterValue{Name: p.Name, NoEcho: p.NoEcho}
		if v, ok := in.Parameters[p.Name]; ok {
			pv.Value = v
		} else if d, ok := p.DefaultString(); ok {
			pv.Value, pv.Default = d, true
		} else {
			missing = append(missing, p.Name)
			continue
		}
		value := pv.Value
		if strings.HasPrefix(p.Type, ssmPrefix) {
			var ok bool
			if in.SSM != nil {
				value, ok = in.SSM(pv.Value)
			}
			if !ok {
				unfetched = append(unfetched, pv.Value)
				continue
			}
			pv.ResolvedValue = value
		}
		if err := checkParameter(t, p, value); err != nil {
			return nil, nil, err
		}
		params[p.Name] = paramValue(p.Type, value)
		values = append(values, pv)
	}
	if len(missing) > 0 {
		return nil, nil, &ValidationError{File: t.File, Message: fmt.Sprintf("Parameters: [%s] must have values", strings.Join(missing, ", "))}
	}
	if len(unfetched) > 0 {
		return nil, nil, &ValidationError{File: t.File, Message: fmt.Sprintf("Unable to fetch parameters [%s] from parameter store for this account.", strings.Join(unfetched, ","))}
	}
	return params, values, nil
}

// checkParameter checks a value against its declaration's constraints. A
// list's constraints hold for each member.
func checkParameter(t *Template, p *Parameter, value string) error {
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if p.ConstraintDescription != "" {
			msg = fmt.Sprintf("Parameter %s failed to satisfy constraint: %s", p.Name, p.ConstraintDescription)
		}
		return t.errAt(p.Line, "%s", msg)
	}
	members := []string{value}
	if isList(p.Type) {
		members = strings.Split(value, ",")
		for i := range members {
			members[i] = strings.TrimSpace(members[i])
		}
	}
	numeric := p.Type == "Number" || p.Type == "List<Number>"
	var pattern *regexp.Regexp
	if p.AllowedPattern != "" {
		// AllowedPattern matches the whole value. A pattern Go's regexp
		// cannot compile (Java's lookarounds) is not checked.
		pattern, _ = regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
	}
	if len(p.AllowedValues) > 0 && !isList(p.Type) && !slices.Contains(p.AllowedValues, value) {
		return fail("Parameter '%s' must be one of AllowedValues", p.Name)
	}
	for _, m := range members {
		if isList(p.Type) && len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, m) {
			return fail("Parameter '%s' must be one of AllowedValues", p.Name)
		}
		if numeric {
			f, err := strconv.ParseFloat(m, 64)
			if err != nil {
				return fail("Parameter '%s' must be a number", p.Name)
			}
			if p.MinValue != nil && f < *p.MinValue {
				return fail("Parameter '%s' must be a number not less than %s", p.Name, num(*p.MinValue))
			}
			if p.MaxValue != nil && f > *p.MaxValue {
				return fail("Parameter '%s' must be a number not greater than %s", p.Name, num(*p.MaxValue))
			}
			continue
		}
		if pattern != nil && !pattern.MatchString(m) {
			return fail("Parameter '%s' must match pattern %s", p.Name, p.AllowedPattern)
		}
	}
	if !numeric {
		n := len([]rune(value))
		if p.MinLength != nil && n < *p.MinLength {
			return fail("Parameter '%s' must contain at least %d characters", p.Name, *p.MinLength)
		}
		if p.MaxLength != nil && n > *p.MaxLength {
			return fail("Parameter '%s' must contain at most %d characters", p.Name, *p.MaxLength)
		}
	}
	return nil
}

// num prints a bound as the template would have written it.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// paramValue splits list parameters, which Ref answers with a list.
func paramValue(typ, v string) any {
	if isList(typ) {
		var out []any
		for _, s := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(s))
		}
		return out
	}
	return v
}
