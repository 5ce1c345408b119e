package stack

import (
	"context"
	"fmt"
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

// Instance is a template with its inputs: parameters resolved, and the
// resources that exist under them in an order where each follows
// everything it refers to.
type Instance struct {
	Template  *Template
	Inputs    Inputs
	Params    map[string]any
	Resources []*Resource
	deps      map[string][]string
}

// Instantiate checks the template and resolves its parameters. Nothing it
// finds wrong has created anything yet.
func Instantiate(t *Template, in Inputs) (*Instance, error) {
	ordered, deps, err := check(t)
	if err != nil {
		return nil, err
	}
	i := &Instance{Template: t, Inputs: in, Params: map[string]any{}, Resources: ordered, deps: deps}
	declared := map[string]bool{}
	for _, prm := range t.Parameters {
		declared[prm.Name] = true
		v, ok := in.Parameters[prm.Name]
		switch {
		case ok:
			i.Params[prm.Name] = paramValue(prm.Type, v)
		case prm.Default != nil:
			i.Params[prm.Name] = paramValue(prm.Type, fmt.Sprint(prm.Default))
		default:
			return nil, t.errAt(prm.Line, "parameter %s has no default and no value was given", prm.Name)
		}
	}
	for k := range in.Parameters {
		if !declared[k] {
			return nil, fmt.Errorf("%s: no parameter %s in the template", t.File, k)
		}
	}
	return i, nil
}

// DependsOn names the resources r refers to or depends on directly.
func (i *Instance) DependsOn(name string) []string { return i.deps[name] }

// Properties resolves r's properties against the resources made so far.
func (i *Instance) Properties(r *Resource, made map[string]Created) (map[string]any, error) {
	v, err := i.env(made).eval(r.Properties)
	if err != nil {
		return nil, i.Template.errAt(r.Line, "resource %s: %v", r.Name, err)
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
		v, err := e.eval(o.Value)
		if err != nil {
			return nil, i.Template.errAt(o.Line, "output %s: %v", o.Name, err)
		}
		s, err := String(v)
		if err != nil {
			return nil, i.Template.errAt(o.Line, "output %s: %v", o.Name, err)
		}
		out = append(out, OutputValue{Name: o.Name, Description: o.Description, Value: s})
	}
	return out, nil
}

func (i *Instance) env(made map[string]Created) *env {
	return &env{in: i.Inputs, params: i.Params, made: made}
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
			return nil, t.errAt(r.Line, "resource %s (%s): %v", r.Name, r.Type, err)
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

// paramValue splits list parameters, which Ref answers with a list.
func paramValue(typ, v string) any {
	if strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList" {
		var out []any
		for _, s := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(s))
		}
		return out
	}
	return v
}

// noValue marks AWS::NoValue: the property holding it is dropped.
type noValue struct{}

type env struct {
	in     Inputs
	params map[string]any
	made   map[string]Created
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
	return nil, fmt.Errorf("Ref to %s, which is not created yet", name)
}

func (e *env) getAtt(name, attr string) (any, error) {
	c, ok := e.made[name]
	if !ok {
		return nil, fmt.Errorf("GetAtt of %s, which is not created yet", name)
	}
	v, ok := c.Attrs[attr]
	if !ok {
		return nil, fmt.Errorf("%s has no value for attribute %s", name, attr)
	}
	return v, nil
}

// eval resolves every intrinsic function in v.
func (e *env) eval(v any) (any, error) {
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
		for k, x := range v {
			r, err := e.eval(x)
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
		return e.ref(arg.(string))
	case "Fn::GetAtt":
		name, attr, err := getAttArgs(arg)
		if err != nil {
			return nil, err
		}
		return e.getAtt(name, attr)
	case "Fn::Sub":
		return e.sub(arg)
	}
	a, err := e.eval(arg)
	if err != nil {
		return nil, err
	}
	switch fn {
	case "Fn::Join":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("Fn::Join takes [delimiter, [values]]")
		}
		sep, err := String(l[0])
		if err != nil {
			return nil, fmt.Errorf("Fn::Join: %v", err)
		}
		items, ok := l[1].([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join takes [delimiter, [values]]")
		}
		var ss []string
		for _, x := range items {
			s, err := String(x)
			if err != nil {
				return nil, fmt.Errorf("Fn::Join: %v", err)
			}
			ss = append(ss, s)
		}
		return strings.Join(ss, sep), nil
	case "Fn::Select":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("Fn::Select takes [index, [values]]")
		}
		is, err := String(l[0])
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		items, ok := l[1].([]any)
		if err != nil || !ok || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("Fn::Select: index %s out of a list of %d", is, len(items))
		}
		return items[i], nil
	case "Fn::Split":
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("Fn::Split takes [delimiter, string]")
		}
		sep, err1 := String(l[0])
		s, err2 := String(l[1])
		if err1 != nil || err2 != nil || sep == "" {
			return nil, fmt.Errorf("Fn::Split takes [delimiter, string]")
		}
		var out []any
		for _, x := range strings.Split(s, sep) {
			out = append(out, x)
		}
		return out, nil
	case "Fn::GetAZs":
		var out []any
		for _, z := range e.in.Zones {
			out = append(out, z)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported function %s", fn)
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
		s, err := String(v)
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub ${%s}: %v", p.ref.name, err)
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
