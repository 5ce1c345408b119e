package stack

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Created is what a Provisioner reports of a new resource: the value of
// Ref and of each attribute, as CloudFormation defines them for its type.
type Created struct {
	Ref   string
	Attrs map[string]any
}

// Provisioner creates one resource of a type with resolved properties.
// Properties hold no intrinsic functions any more.
type Provisioner interface {
	Create(ctx context.Context, stackName, logicalID, typ string, props map[string]any) (Created, error)
	// Region answers AWS::Region and Fn::GetAZs.
	Region() string
	// AccountID answers AWS::AccountId.
	AccountID() string
	// Zones answers Fn::GetAZs: the region's availability zones.
	Zones(ctx context.Context) ([]string, error)
}

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
}

// Deploy checks the template, then creates its resources in order. A
// failed creation stops the deployment; what was created stays, as it does
// when a stack is created with rollback disabled.
func Deploy(ctx context.Context, t *Template, p Provisioner, opt Options) (*Result, error) {
	ordered, err := Check(t)
	if err != nil {
		return nil, err
	}
	if opt.StackName == "" {
		opt.StackName = "gatehouse"
	}
	e := &env{ctx: ctx, p: p, stack: opt.StackName, params: map[string]any{}, made: map[string]Created{}}
	declared := map[string]bool{}
	for _, prm := range t.Parameters {
		declared[prm.Name] = true
		v, ok := opt.Parameters[prm.Name]
		switch {
		case ok:
			e.params[prm.Name] = paramValue(prm.Type, v)
		case prm.Default != nil:
			e.params[prm.Name] = paramValue(prm.Type, fmt.Sprint(prm.Default))
		default:
			return nil, t.errAt(prm.Line, "parameter %s has no default and no value was given", prm.Name)
		}
	}
	for k := range opt.Parameters {
		if !declared[k] {
			return nil, fmt.Errorf("%s: no parameter %s in the template", t.File, k)
		}
	}
	for _, r := range ordered {
		v, err := e.eval(r.Properties)
		if err != nil {
			return nil, t.errAt(r.Line, "resource %s: %v", r.Name, err)
		}
		props, _ := v.(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		c, err := p.Create(ctx, opt.StackName, r.Name, r.Type, props)
		if err != nil {
			return nil, t.errAt(r.Line, "resource %s (%s): %v", r.Name, r.Type, err)
		}
		e.made[r.Name] = c
		if opt.Progress != nil {
			opt.Progress(r, c)
		}
	}
	res := &Result{Resources: e.made}
	for _, o := range t.Outputs {
		v, err := e.eval(o.Value)
		if err != nil {
			return nil, t.errAt(o.Line, "output %s: %v", o.Name, err)
		}
		s, err := String(v)
		if err != nil {
			return nil, t.errAt(o.Line, "output %s: %v", o.Name, err)
		}
		res.Outputs = append(res.Outputs, OutputValue{Name: o.Name, Description: o.Description, Value: s})
	}
	return res, nil
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
	ctx    context.Context
	p      Provisioner
	stack  string
	params map[string]any
	made   map[string]Created
}

func (e *env) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return e.p.Region(), nil
	case "AWS::AccountId":
		return e.p.AccountID(), nil
	case "AWS::StackName":
		return e.stack, nil
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/gatehouse", e.p.Region(), e.p.AccountID(), e.stack), nil
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
		zones, err := e.p.Zones(e.ctx)
		if err != nil {
			return nil, fmt.Errorf("Fn::GetAZs: %v", err)
		}
		var out []any
		for _, z := range zones {
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
