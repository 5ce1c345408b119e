package stack

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Options are a deployment's inputs.
type Options struct {
	// StackName answers AWS::StackName and prefixes generated names.
	StackName string
	// Parameters override the template's defaults.
	Parameters map[string]string
	// Progress, when set, hears of each resource as it is created.
	Progress func(r *Resource, c Created)
}

// Result is a deployed stack.
type Result struct {
	Resources map[string]Created
	// Outputs in the template's order.
	Outputs []OutputValue
}

// OutputValue is one resolved output.
type OutputValue struct {
	Name, Description, Value string
	// ExportName is the output's Export Name, empty when it exports nothing.
	ExportName string
}

// Inputs are what a template is instantiated with.
type Inputs struct {
	StackName, StackID string
	Region, AccountID  string
	// Parameters are the values given; the others take their defaults.
	Parameters map[string]string
	// Zones answer Fn::GetAZs.
	Zones []string
	// Import answers Fn::ImportValue from the region's exports.
	Import func(name string) (string, bool)
	// SSM answers parameters of type AWS::SSM::Parameter::Value<...>.
	SSM func(name string) (string, bool)
}

// Instance is a template with its inputs: parameters resolved, conditions
// evaluated, and the resources that exist under them in an order where
// each follows everything it refers to.
type Instance struct {
	Template *Template
	Inputs   Inputs
	// Params are the values Ref answers for each parameter.
	Params map[string]any
	// Parameters are the parameters' values in the template's order, as
	// DescribeStacks reports them.
	Parameters []ParameterValue
	// Conditions are the value of every condition.
	Conditions map[string]bool
	// Resources are the resources whose condition holds, in order.
	Resources []*Resource
	// Imports are the export names the instance's Fn::ImportValue read,
	// sorted: an export another stack imports may not go away.
	Imports []string
	deps    map[string][]string
}

// Instantiate checks the template, resolves its parameters, evaluates its
// conditions and rules, and orders the resources that exist under them.
// Whatever it finds wrong is a *ValidationError with CloudFormation's text,
// and nothing has been created yet.
func Instantiate(t *Template, in Inputs) (*Instance, error) {
	if err := validate(t); err != nil {
		return nil, err
	}
	params, values, err := resolveParameters(t, in)
	if err != nil {
		return nil, err
	}
	i := &Instance{Template: t, Inputs: in, Params: params, Parameters: values}
	e := i.env(nil)
	if i.Conditions, err = e.conditions(t); err != nil {
		return nil, err
	}
	if err := e.checkAssertions(t); err != nil {
		return nil, err
	}
	var active []*Resource
	for _, r := range t.Resources {
		if r.Condition == "" || i.Conditions[r.Condition] {
			active = append(active, r)
		}
	}
	deps, err := dependencies(t, active, i.Conditions)
	if err != nil {
		return nil, err
	}
	if err := i.checkOutputs(active); err != nil {
		return nil, err
	}
	if i.Resources, err = order(t, active, deps); err != nil {
		return nil, err
	}
	i.deps = deps
	if err := i.dryRun(); err != nil {
		return nil, err
	}
	return i, nil
}

// unknown stands for a value only a created resource can give. A dry run
// evaluates every property with it, so a missing mapping or export, or a
// bad Fn::Cidr or Fn::Select on parameters, is found before anything is
// created; a function of an unknown value is unknown.
type unknown struct{}

// dryRun evaluates every active resource's properties and every output
// with unknown values for what resources give.
func (i *Instance) dryRun() error {
	e := i.env(nil)
	e.dry = true
	e.imports = map[string]bool{}
	defer func() { i.Imports = sortedKeys(e.imports) }()
	for _, r := range i.Resources {
		v, err := e.eval(r.Properties)
		if err == nil {
			_, err = e.dynamic(v)
		}
		if err != nil {
			return i.Template.at(r.Line, err)
		}
	}
	for _, o := range i.Template.Outputs {
		if o.Condition != "" && !i.Conditions[o.Condition] {
			continue
		}
		if _, err := e.eval([]any{o.Value, o.Export}); err != nil {
			return i.Template.at(o.Line, err)
		}
	}
	return nil
}

// ssmRef is a dynamic reference to a Parameter Store parameter, with an
// optional version.
var ssmRef = regexp.MustCompile(`\{\{resolve:ssm:([a-zA-Z0-9_.\-/]+)(?::(\d+))?\}\}`)

// dynamic replaces the {{resolve:ssm:NAME}} references in a resolved
// value's strings with the parameters' values, as CloudFormation does
// with property values. Other dynamic references are left as written.
func (e *env) dynamic(v any) (any, error) {
	switch v := v.(type) {
	case string:
		if !strings.Contains(v, "{{resolve:ssm:") {
			return v, nil
		}
		var missing error
		out := ssmRef.ReplaceAllStringFunc(v, func(m string) string {
			sub := ssmRef.FindStringSubmatch(m)
			name := sub[1]
			if sub[2] != "" {
				name += ":" + sub[2]
			}
			if e.in.SSM != nil {
				if val, ok := e.in.SSM(name); ok {
					return val
				}
			}
			if missing == nil {
				missing = evalErr("Parameters: [ssm:%s] cannot be found.", name)
			}
			return m
		})
		return out, missing
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			r, err := e.dynamic(x)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			r, err := e.dynamic(x)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

// hasUnknown reports whether a value holds an unknown anywhere.
func hasUnknown(v any) bool {
	switch v := v.(type) {
	case unknown:
		return true
	case []any:
		return slices.ContainsFunc(v, hasUnknown)
	case map[string]any:
		for _, x := range v {
			if hasUnknown(x) {
				return true
			}
		}
	}
	return false
}

// checkOutputs refuses an output that exists but names a resource that
// does not.
func (i *Instance) checkOutputs(active []*Resource) error {
	t := i.Template
	exists := map[string]bool{}
	for _, r := range active {
		exists[r.Name] = true
	}
	var unresolved []string
	line := 0
	for _, o := range i.Template.Outputs {
		if o.Condition != "" && !i.Conditions[o.Condition] {
			continue
		}
		w := &walker{conds: i.Conditions}
		if err := w.walk([]any{o.Value, o.Export}); err != nil {
			return t.at(o.Line, err)
		}
		for _, x := range w.refs {
			if exists[x.name] || i.Params[x.name] != nil || pseudo[x.name] || slices.Contains(unresolved, x.name) {
				continue
			}
			unresolved = append(unresolved, x.name)
			if line == 0 {
				line = o.Line
			}
		}
	}
	if len(unresolved) > 0 {
		return t.formatErr(line, "Unresolved resource dependencies [%s] in the Outputs block of the template", strings.Join(unresolved, ", "))
	}
	return nil
}

// DependsOn names the resources r refers to or depends on directly.
func (i *Instance) DependsOn(name string) []string { return i.deps[name] }

// Properties resolves r's properties against the resources made so far.
func (i *Instance) Properties(r *Resource, made map[string]Created) (map[string]any, error) {
	e := i.env(made)
	v, err := e.eval(r.Properties)
	if err == nil {
		v, err = e.dynamic(v)
	}
	if err != nil {
		return nil, i.Template.at(r.Line, err)
	}
	props, _ := v.(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	return props, nil
}

// Outputs resolves the template's outputs, in its order.
func (i *Instance) Outputs(made map[string]Created) ([]OutputValue, error) {
	e := i.env(made)
	var out []OutputValue
	for _, o := range i.Template.Outputs {
		if o.Condition != "" && !i.Conditions[o.Condition] {
			continue
		}
		v, err := e.eval(o.Value)
		if err != nil {
			return nil, i.Template.at(o.Line, err)
		}
		s, err := String(v)
		if err != nil {
			return nil, i.Template.at(o.Line, evalErr("Template format error: Output %s is malformed. Its Value must resolve to a string or a list of strings", o.Name))
		}
		ov := OutputValue{Name: o.Name, Description: o.Description, Value: s}
		if o.Export != nil {
			v, err := e.eval(o.Export)
			if err == nil {
				ov.ExportName, err = String(v)
			}
			if err != nil {
				return nil, i.Template.at(o.Line, err)
			}
		}
		out = append(out, ov)
	}
	return out, nil
}

func (i *Instance) env(made map[string]Created) *env {
	return &env{in: i.Inputs, params: i.Params, made: made, conds: i.Conditions, mappings: i.Template.Mappings, tmpl: i.Template}
}

// Deploy checks the template, then creates its resources in order. A
// failed creation stops the deployment; what was created stays, as it does
// when a stack is created with rollback disabled.
func Deploy(ctx context.Context, t *Template, p Provisioner, opt Options) (*Result, error) {
	if opt.StackName == "" {
		opt.StackName = "gatehouse"
	}
	in := Inputs{StackName: opt.StackName, Region: p.Region(), AccountID: p.AccountID(), Parameters: opt.Parameters}
	in.StackID = fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/gatehouse", in.Region, in.AccountID, in.StackName)
	if usesZones(t) {
		zones, err := p.Zones(ctx)
		if err != nil {
			return nil, fmt.Errorf("Fn::GetAZs: %v", err)
		}
		in.Zones = zones
	}
	inst, err := Instantiate(t, in)
	if err != nil {
		return nil, err
	}
	made := map[string]Created{}
	for _, r := range inst.Resources {
		props, err := inst.Properties(r, made)
		if err != nil {
			return nil, err
		}
		target := Target{StackName: in.StackName, StackID: in.StackID, LogicalID: r.Name, Type: r.Type}
		c, err := p.Create(ctx, target, props)
		if err != nil {
			// A failure to create is the service's, not the template's.
			return nil, fmt.Errorf("%s:%d: resource %s (%s): %w", t.File, r.Line, r.Name, r.Type, err)
		}
		made[r.Name] = c
		if opt.Progress != nil {
			opt.Progress(r, c)
		}
	}
	outs, err := inst.Outputs(made)
	if err != nil {
		return nil, err
	}
	return &Result{Resources: made, Outputs: outs}, nil
}

// usesZones reports whether the template calls Fn::GetAZs anywhere.
func usesZones(t *Template) bool {
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		case map[string]any:
			for k, x := range v {
				if k == "Fn::GetAZs" || walk(x) {
					return true
				}
			}
		}
		return false
	}
	for _, r := range t.Resources {
		if walk(r.Properties) {
			return true
		}
	}
	for _, o := range t.Outputs {
		if walk(o.Value) {
			return true
		}
	}
	return false
}

// noValue marks AWS::NoValue: the property holding it is dropped.
type noValue struct{}

// env evaluates values under an instance's inputs and what has been made.
type env struct {
	in       Inputs
	params   map[string]any
	made     map[string]Created
	mappings map[string]map[string]map[string]any
	tmpl     *Template
	// conds are the conditions' values; while they are being evaluated,
	// condExprs and evaluating find each and catch a loop.
	conds      map[string]bool
	condExprs  map[string]any
	evaluating map[string]bool
	// rules enables the functions only Rules may call.
	rules bool
	// dry answers resources' values with unknown, and notes in imports
	// the exports read.
	dry     bool
	imports map[string]bool
	depth   int
}

func (e *env) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return e.in.Region, nil
	case "AWS::AccountId":
		return e.in.AccountID, nil
	case "AWS::StackName":
		return e.in.StackName, nil
	case "AWS::StackId":
		return e.in.StackID, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if v, ok := e.params[name]; ok {
		return v, nil
	}
	if c, ok := e.made[name]; ok {
		return c.Ref, nil
	}
	if e.dry {
		return unknown{}, nil
	}
	return nil, evalErr("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", name)
}

func (e *env) getAtt(name, attr string) (any, error) {
	if e.dry {
		return unknown{}, nil
	}
	c, ok := e.made[name]
	if !ok {
		return nil, evalErr("Template error: instance of Fn::GetAtt references undefined resource %s", name)
	}
	v, ok := c.Attrs[attr]
	if !ok {
		return nil, evalErr("Template error: resource %s does not support attribute type %s in Fn::GetAtt", name, attr)
	}
	return v, nil
}

// eval resolves every intrinsic function in v.
func (e *env) eval(v any) (any, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > 4*maxDepth {
		return nil, evalErr("Template error: values nest too deeply")
	}
	switch v := v.(type) {
	case []any:
		out := make([]any, 0, len(v))
		for _, x := range v {
			r, err := e.eval(x)
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out = append(out, r)
			}
		}
		return out, nil
	case map[string]any:
		if fn, arg, ok := intrinsic(v); ok {
			return e.call(fn, arg)
		}
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			r, err := e.eval(v[k])
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out[k] = r
			}
		}
		return out, nil
	}
	return v, nil
}

func (e *env) call(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, evalErr("Template format error: Every Ref object must have a single String value.")
		}
		return e.ref(name)
	case "Fn::GetAtt":
		name, attr, err := getAttArgs(arg)
		if err != nil {
			return nil, err
		}
		return e.getAtt(name, attr)
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::If":
		cond, yes, no, err := ifArgs(arg)
		if err != nil {
			return nil, err
		}
		holds, ok := e.conds[cond]
		if !ok {
			return nil, evalErr("Template error: unresolved condition dependency %s in Fn::If", cond)
		}
		if holds {
			return e.eval(yes)
		}
		return e.eval(no)
	case "Fn::FindInMap":
		keys, def, err := findInMapArgs(arg)
		if err != nil {
			return nil, err
		}
		return e.findInMap(keys, def)
	case "Fn::RefAll":
		if e.rules {
			return e.refAll(arg)
		}
	case "Fn::ValueOf", "Fn::ValueOfAll":
		if e.rules {
			return nil, evalErr("Template error: %s reads attributes of resources in the account, which gatehouse does not look up", fn)
		}
	}
	if !slices.Contains(functions, fn) {
		return nil, evalErr("Template format error: Unrecognized function %s (gatehouse evaluates %s)", fn, strings.Join(functions, ", "))
	}
	a, err := e.eval(arg)
	if err != nil {
		return nil, err
	}
	if hasUnknown(a) {
		return unknown{}, nil
	}
	switch fn {
	case "Fn::Join":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, evalErr(joinUsage)
		}
		sep, err := String(l[0])
		items, ok := l[1].([]any)
		if err != nil || !ok {
			return nil, evalErr(joinUsage)
		}
		ss := make([]string, 0, len(items))
		for _, x := range items {
			s, err := String(x)
			if err != nil {
				return nil, evalErr(joinUsage)
			}
			ss = append(ss, s)
		}
		return strings.Join(ss, sep), nil
	case "Fn::Select":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, evalErr("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		is, err := String(l[0])
		if err != nil {
			return nil, evalErr("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		i, err := strconv.Atoi(is)
		items, ok := l[1].([]any)
		if err != nil || !ok || i < 0 {
			return nil, evalErr("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		if i >= len(items) {
			return nil, evalErr("Template error: Fn::Select cannot select nonexistent value at index %d", i)
		}
		return items[i], nil
	case "Fn::Split":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, evalErr("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
		sep, err1 := String(l[0])
		s, err2 := String(l[1])
		if err1 != nil || err2 != nil || sep == "" {
			return nil, evalErr("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
		var out []any
		for _, x := range strings.Split(s, sep) {
			out = append(out, x)
		}
		return out, nil
	case "Fn::GetAZs":
		out := make([]any, 0, len(e.in.Zones))
		for _, z := range e.in.Zones {
			out = append(out, z)
		}
		return out, nil
	case "Fn::Base64":
		s, err := String(a)
		if err != nil {
			return nil, evalErr("Template error: every Fn::Base64 object must contain a String")
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Cidr":
		l, ok := a.([]any)
		if !ok || len(l) != 3 {
			return nil, evalErr("Template error: every Fn::Cidr object requires three parameters, the ip block, the count of subnets and the number of subnet bits")
		}
		var ss [3]string
		for i, x := range l {
			if ss[i], err = String(x); err != nil {
				return nil, evalErr("Template error: every Fn::Cidr object requires three parameters, the ip block, the count of subnets and the number of subnet bits")
			}
		}
		return cidr(ss[0], ss[1], ss[2])
	case "Fn::ImportValue":
		name, err := String(a)
		if err != nil {
			return nil, evalErr("Template error: the attribute in Fn::ImportValue must be a string")
		}
		if e.in.Import != nil {
			if v, ok := e.in.Import(name); ok {
				if e.imports != nil {
					e.imports[name] = true
				}
				return v, nil
			}
		}
		return nil, evalErr("No export named %s found.", name)
	}
	return nil, evalErr("Template format error: Unrecognized function %s", fn)
}

// findInMap looks a value up in Mappings; each key may be computed.
func (e *env) findInMap(keys []any, def any) (any, error) {
	var ks [3]string
	for i, k := range keys {
		v, err := e.eval(k)
		if err != nil {
			return nil, err
		}
		if hasUnknown(v) {
			return unknown{}, nil
		}
		if ks[i], err = String(v); err != nil {
			return nil, evalErr("Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
		}
	}
	if v, ok := e.mappings[ks[0]][ks[1]][ks[2]]; ok {
		return v, nil
	}
	if def != nil {
		return e.eval(def)
	}
	if _, ok := e.mappings[ks[0]]; !ok {
		return nil, evalErr("Template error: Mapping named '%s' is not present in the 'Mappings' section of template", ks[0])
	}
	return nil, evalErr("Template error: Unable to get mapping for %s::%s::%s", ks[0], ks[1], ks[2])
}

// refAll answers Fn::RefAll: the values of every parameter of a type.
func (e *env) refAll(arg any) (any, error) {
	typ, ok := arg.(string)
	if !ok {
		return nil, evalErr("Template error: Fn::RefAll takes a parameter type")
	}
	out := []any{}
	if e.tmpl == nil {
		return out, nil
	}
	for _, p := range e.tmpl.Parameters {
		if p.Type != typ {
			continue
		}
		switch v := e.params[p.Name].(type) {
		case []any:
			out = append(out, v...)
		case nil:
		default:
			out = append(out, v)
		}
	}
	return out, nil
}

func (e *env) sub(arg any) (any, error) {
	body, vars, err := subArgs(arg)
	if err != nil {
		return nil, err
	}
	parts, err := parseSub(body)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, p := range parts {
		if p.ref == nil {
			b.WriteString(p.text)
			continue
		}
		var v any
		if local, ok := vars[p.ref.name]; ok && p.ref.attr == "" {
			v, err = e.eval(local)
		} else if p.ref.attr != "" {
			v, err = e.getAtt(p.ref.name, p.ref.attr)
		} else {
			v, err = e.ref(p.ref.name)
		}
		if err != nil {
			return nil, err
		}
		if hasUnknown(v) {
			return unknown{}, nil
		}
		s, err := String(v)
		if err != nil {
			return nil, evalErr("Template error: variable %s in Fn::Sub expression does not resolve to a string", p.ref.name)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// String renders a resolved value as CloudFormation does when a string is wanted.
func String(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int, int32, int64, float64, bool:
		return fmt.Sprint(v), nil
	case []string:
		return strings.Join(v, ","), nil
	case []any:
		var ss []string
		for _, x := range v {
			s, err := String(x)
			if err != nil {
				return "", err
			}
			ss = append(ss, s)
		}
		return strings.Join(ss, ","), nil
	}
	return "", fmt.Errorf("want a string, got %T", v)
}
