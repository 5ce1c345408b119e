package stack

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// TypeSpec is what CloudFormation's resource specification says of one
// resource type: the properties a template may set and the attributes
// Fn::GetAtt may read.
type TypeSpec struct {
	Attributes []string
	Properties map[string]PropSpec
}

// PropSpec is one documented property of a resource type.
type PropSpec struct {
	Required bool `json:",omitempty"`
	// CreateOnly properties cannot change in place: a new value replaces
	// the resource.
	CreateOnly bool `json:",omitempty"`
	// Conditional properties hold a create-only member: a new value
	// replaces the resource when that member changes (AWS's change sets
	// say Replacement: Conditional).
	Conditional bool `json:",omitempty"`
	Shape
}

// Shape is what CloudFormation documents of a value and the names inside
// it.
type Shape struct {
	// Unsupported, when set, says why gatehouse refuses a property
	// CloudFormation documents; the template is refused naming it.
	Unsupported string `json:"-"`
	// Members, when not nil, are all the names an object value may have.
	Members map[string]*Shape `json:",omitempty"`
	// Items, when not nil, is the shape of each element of a list value.
	Items *Shape `json:",omitempty"`
	// Values, when not nil, is the shape of each value of an object
	// whose keys are the template's own (status codes, parameter names).
	Values *Shape `json:",omitempty"`
}

// specJSON is generated from CloudFormation's registry schemas; see
// specgen/gen.py for the one command that regenerates it.
//
//go:embed spec.json
var specJSON []byte

// Specs holds the specification of every resource type gatehouse deploys:
// spec.json, with the properties unsupported_*.go refuse.
var Specs = loadSpecs(specJSON, unsupportedEC2, unsupportedELBv2, unsupportedServiceDiscovery,
	unsupportedAPIGateway, unsupportedAPIGatewayV2, unsupportedCDK, unsupportedSSM, unsupportedLambda)

// loadSpecs reads the generated specification and marks the refused
// properties: a top-level name, or a path to a member inside one
// ("StageDescription/CanarySetting", lists passed through). A refusal
// naming a type or property the specification does not document is a
// mistake in this package, so it panics.
func loadSpecs(data []byte, refused ...map[string]map[string]string) map[string]*TypeSpec {
	var specs map[string]*TypeSpec
	if err := json.Unmarshal(data, &specs); err != nil {
		panic("stack: spec.json: " + err.Error())
	}
	for _, byType := range refused {
		for typ, props := range byType {
			spec, ok := specs[typ]
			if !ok {
				panic("stack: unsupported property of undocumented type " + typ)
			}
			for name, why := range props {
				top, inner, _ := strings.Cut(name, "/")
				p, ok := spec.Properties[top]
				if !ok {
					panic(fmt.Sprintf("stack: unsupported property %s is not documented for %s", name, typ))
				}
				if inner == "" {
					p.Unsupported = why
					spec.Properties[top] = p
					continue
				}
				s := &p.Shape
				for _, member := range strings.Split(inner, "/") {
					for s.Items != nil {
						s = s.Items
					}
					if s = s.Members[member]; s == nil {
						panic(fmt.Sprintf("stack: unsupported property %s is not documented for %s", name, typ))
					}
				}
				s.Unsupported = why
			}
		}
	}
	return specs
}

// Types lists the resource types Deploy knows, with the attributes
// Fn::GetAtt may read from each. Check refuses any other type or attribute
// before anything is created.
var Types = func() map[string][]string {
	out := map[string][]string{}
	for typ, spec := range Specs {
		out[typ] = spec.Attributes
	}
	return out
}()

// checkProperties reports the properties of r that its type does not
// document, that gatehouse refuses, or that are required and missing.
// Values are not looked at, as an intrinsic function may stand for any of
// them, except that a required property set to Ref AWS::NoValue is
// missing.
func checkProperties(t *Template, r *Resource) []error {
	spec, ok := Specs[r.Type]
	if !ok {
		return nil // Check reports the type
	}
	var errs []error
	what := "resource " + r.Name
	for _, name := range slices.Sorted(maps.Keys(r.Properties)) {
		p, ok := spec.Properties[name]
		switch {
		case !ok:
			errs = append(errs, t.errAt(r.Line, "%s: Encountered unsupported property %s", what, name))
		case p.Unsupported != "":
			errs = append(errs, t.errAt(r.Line, "%s: property %s of %s is not supported by gatehouse: %s", what, name, r.Type, p.Unsupported))
		default:
			for _, msg := range p.check(r.Type, "/"+name, r.Properties[name], nil) {
				errs = append(errs, t.errAt(r.Line, "%s: %s", what, msg))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(spec.Properties)) {
		if spec.Properties[name].Required && !present(r.Properties, name) {
			errs = append(errs, t.errAt(r.Line, "%s: Properties validation failed for resource %s with message: #: required key [%s] not found", what, r.Name, name))
		}
	}
	return errs
}

// present reports whether props sets name to something other than
// AWS::NoValue.
func present(props map[string]any, name string) bool {
	v, ok := props[name]
	if m, isMap := v.(map[string]any); isMap && len(m) == 1 && m["Ref"] == "AWS::NoValue" {
		return false
	}
	return ok
}

// check reports the names in v, at path, that s does not document, in
// AWS's words. Intrinsic functions are not looked into: what they
// produce is known only when the stack is deployed.
func (s *Shape) check(typ, path string, v any, msgs []string) []string {
	switch v := v.(type) {
	case map[string]any:
		if _, _, ok := intrinsic(v); ok {
			return msgs
		}
		if s.Values != nil {
			for _, k := range slices.Sorted(maps.Keys(v)) {
				msgs = s.Values.check(typ, path+"/"+k, v[k], msgs)
			}
		}
		if s.Members == nil {
			return msgs
		}
		var unknown []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			m, ok := s.Members[k]
			switch {
			case !ok:
				unknown = append(unknown, k)
			case m.Unsupported != "":
				msgs = append(msgs, fmt.Sprintf("property %s of %s is not supported by gatehouse: %s", strings.TrimPrefix(path+"/"+k, "/"), typ, m.Unsupported))
			default:
				msgs = m.check(typ, path+"/"+k, v[k], msgs)
			}
		}
		if len(unknown) > 0 {
			msgs = append(msgs, fmt.Sprintf("Property validation failure: [Encountered unsupported properties in {%s}: [%s]]", path, strings.Join(unknown, ", ")))
		}
	case []any:
		if s.Items != nil {
			for i, x := range v {
				msgs = s.Items.check(typ, fmt.Sprintf("%s/%d", path, i), x, msgs)
			}
		}
	}
	return msgs
}
