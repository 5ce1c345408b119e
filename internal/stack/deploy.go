package stack

import (
	"context"
	"fmt"
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
	// NotificationARNs answers AWS::NotificationARNs.
	NotificationARNs []string
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
	// A cycle is a mistake of the template whatever the conditions say,
	// as CloudFormation finds it before reading the parameters.
	if _, err := Check(t); err != nil {
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
	dry, err := i.dryRun()
	if err != nil {
		return nil, err
	}
	if err := i.checkAttributes(dry); err != nil {
		return nil, err
	}
	return i, nil
}

// dryRun evaluates every active resource's properties and every output
// with unknown values for what resources give, and returns each
// resource's properties so evaluated.
func (i *Instance) dryRun() (map[string]any, error) {
	e := i.env(nil)
	e.dry = true
	e.imports = map[string]bool{}
	defer func() { i.Imports = sortedKeys(e.imports) }()
	dry := map[string]any{}
	for _, r := range i.Resources {
		v, err := e.eval(r.Properties)
		if err == nil {
			_, err = e.dynamic(v)
		}
		if err != nil {
			return nil, i.Template.at(r.Line, err)
		}
		dry[r.Name] = v
	}
	for _, o := range i.Template.Outputs {
		if o.Condition != "" && !i.Conditions[o.Condition] {
			continue
		}
		if _, err := e.eval([]any{o.Value, o.Export}); err != nil {
			return nil, i.Template.at(o.Line, err)
		}
	}
	return dry, nil
}

// checkAttributes refuses a Fn::GetAtt, in what exists under the
// conditions, of an attribute the resource's creator does not give and
// its properties, as they resolve, do not set: a value none would have
// fails before anything is created rather than mid-deploy.
func (i *Instance) checkAttributes(dry map[string]any) error {
	types := map[string]string{}
	for _, r := range i.Resources {
		types[r.Name] = r.Type
	}
	check := func(line int, v any) error {
		w := &walker{conds: i.Conditions}
		if err := w.walk(v); err != nil {
			return i.Template.at(line, err)
		}
		for _, x := range w.refs {
			if typ, ok := types[x.name]; ok && x.attr != "" && !givenOrSet(typ, dry[x.name], x.attr) {
				return i.Template.at(line, attributeErr(x.name, typ, x.attr))
			}
		}
		return nil
	}
	for _, r := range i.Resources {
		if err := check(r.Line, r.Properties); err != nil {
			return err
		}
	}
	for _, o := range i.Template.Outputs {
		if o.Condition != "" && !i.Conditions[o.Condition] {
			continue
		}
		if err := check(o.Line, []any{o.Value, o.Export}); err != nil {
			return err
		}
	}
	return nil
}

// checkOutputs refuses an output that exists but names a resource that
// does not.
func (i *Instance) checkOutputs(active []*Resource) error {
	t := i.Template
	exists := map[string]bool{}
	for _, r := range active {
		exists[r.Name] = true
	}
	var unresolved names
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
			if exists[x.name] || i.Params[x.name] != nil || pseudo[x.name] {
				continue
			}
			unresolved.add(x.name)
			if line == 0 {
				line = o.Line
			}
		}
	}
	if len(unresolved.list) > 0 {
		return t.formatErr(line, "Unresolved resource dependencies [%s] in the Outputs block of the template", strings.Join(unresolved.list, ", "))
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
		c.Props = props
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
