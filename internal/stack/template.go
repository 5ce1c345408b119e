package stack

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed template. Property values are plain Go values
// (string, int, float64, bool, []any, map[string]any); an intrinsic
// function is a map with the one key of its long form ("Ref",
// "Fn::GetAtt", ...), whichever form the template used.
type Template struct {
	// File names the template in messages.
	File       string
	Parameters []*Parameter
	Resources  []*Resource
	Outputs    []*Output

	// values counts the values built so far: aliases can make a small
	// document expand without bound, or into itself.
	values int
}

// Limits on what a template's aliases may build. A CloudFormation template
// is at most 1 MB, far below either without aliases.
const (
	maxValues = 200_000
	maxDepth  = 100
)

// Parameter is a template parameter.
type Parameter struct {
	Name    string
	Type    string
	Default any // nil when there is none
	Line    int
}

// Resource is one entry of Resources.
type Resource struct {
	Name       string
	Type       string
	Properties map[string]any
	DependsOn  []string
	// Condition names the condition under which the resource exists.
	Condition string
	// DeletionPolicy and UpdateReplacePolicy are Delete (the default),
	// Retain or Snapshot: Retain keeps the resource when the stack
	// deletes or replaces it.
	DeletionPolicy      string
	UpdateReplacePolicy string
	Metadata            any
	Line                int
}

// Output is one entry of Outputs.
type Output struct {
	Name        string
	Description string
	Value       any
	// Export is the Export Name's unresolved value; nil exports nothing.
	Export    any
	Condition string
	Line      int
}

// shortForms maps each supported short-form tag to its long form.
var shortForms = map[string]string{
	"!Ref": "Ref", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!GetAZs": "Fn::GetAZs",
}

// Parse reads a template. JSON is YAML too, so one parser serves both and
// gives lines for both.
func Parse(file string, data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a template is a mapping with a Resources section", file)
	}
	t := &Template{File: file}
	root := doc.Content[0]
	var resources *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		var err error
		switch key.Value {
		case "Parameters":
			err = t.parseParameters(val)
		case "Resources":
			resources = val
		case "Outputs":
			err = t.parseOutputs(val)
		case "Transform":
			err = t.errAt(key.Line, "Transform (macros, SAM) is not supported")
		case "Conditions":
			if len(val.Content) > 0 {
				err = t.errAt(key.Line, "Conditions are not supported yet")
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if resources == nil || resources.Kind != yaml.MappingNode || len(resources.Content) == 0 {
		return nil, fmt.Errorf("%s: no Resources", file)
	}
	for i := 0; i+1 < len(resources.Content); i += 2 {
		key, val := resources.Content[i], resources.Content[i+1]
		r, err := t.parseResource(key, val)
		if err != nil {
			return nil, err
		}
		t.Resources = append(t.Resources, r)
	}
	return t, nil
}

func (t *Template) errAt(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", t.File, line, fmt.Sprintf(format, args...))
}

func (t *Template) parseParameters(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return t.errAt(n.Line, "Parameters must be a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		p := &Parameter{Name: key.Value, Type: "String", Line: key.Line}
		if val.Kind != yaml.MappingNode {
			return t.errAt(key.Line, "parameter %s must be a mapping", key.Value)
		}
		for j := 0; j+1 < len(val.Content); j += 2 {
			v, err := t.value(val.Content[j+1])
			if err != nil {
				return t.errAt(key.Line, "parameter %s: %v", p.Name, err)
			}
			switch val.Content[j].Value {
			case "Type":
				p.Type = fmt.Sprint(v)
			case "Default":
				p.Default = v
			}
		}
		t.Parameters = append(t.Parameters, p)
	}
	return nil
}

func (t *Template) parseOutputs(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return t.errAt(n.Line, "Outputs must be a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		v, err := t.value(val)
		if le, ok := err.(*lineError); ok {
			return t.errAt(le.line, "output %s: %s", key.Value, le.msg)
		} else if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return t.errAt(key.Line, "output %s must be a mapping with a Value", key.Value)
		}
		value, ok := m["Value"]
		if !ok {
			return t.errAt(key.Line, "output %s has no Value", key.Value)
		}
		desc, _ := m["Description"].(string)
		t.Outputs = append(t.Outputs, &Output{Name: key.Value, Description: desc, Value: value, Line: key.Line})
	}
	return nil
}

func (t *Template) parseResource(key, val *yaml.Node) (*Resource, error) {
	r := &Resource{Name: key.Value, Line: key.Line, Properties: map[string]any{}}
	v, err := t.value(val)
	if le, ok := err.(*lineError); ok {
		return nil, t.errAt(le.line, "resource %s: %s", r.Name, le.msg)
	} else if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, t.errAt(key.Line, "resource %s must be a mapping with a Type", r.Name)
	}
	r.Type, _ = m["Type"].(string)
	if r.Type == "" {
		return nil, t.errAt(key.Line, "resource %s has no Type", r.Name)
	}
	if p, ok := m["Properties"]; ok {
		if r.Properties, ok = p.(map[string]any); !ok {
			return nil, t.errAt(key.Line, "resource %s: Properties must be a mapping", r.Name)
		}
	}
	switch d := m["DependsOn"].(type) {
	case nil:
	case string:
		r.DependsOn = []string{d}
	case []any:
		for _, x := range d {
			s, ok := x.(string)
			if !ok {
				return nil, t.errAt(key.Line, "resource %s: DependsOn must name resources", r.Name)
			}
			r.DependsOn = append(r.DependsOn, s)
		}
	default:
		return nil, t.errAt(key.Line, "resource %s: DependsOn must name resources", r.Name)
	}
	if _, ok := m["Condition"]; ok {
		return nil, t.errAt(key.Line, "resource %s: Condition is not supported yet", r.Name)
	}
	return r, nil
}

// value turns a node into a plain value, rewriting short-form tags into
// their long forms.
func (t *Template) value(n *yaml.Node) (any, error) {
	return t.valueAt(n, 0)
}

func (t *Template) valueAt(n *yaml.Node, depth int) (any, error) {
	t.values++
	switch {
	case depth > maxDepth:
		return nil, &lineError{n.Line, fmt.Sprintf("values nest deeper than %d levels (an alias inside its own anchor?)", maxDepth)}
	case t.values > maxValues:
		return nil, &lineError{n.Line, fmt.Sprintf("aliases expand the template past %d values", maxValues)}
	}
	if n.Kind == yaml.AliasNode {
		return t.valueAt(n.Alias, depth+1)
	}
	if long, ok := shortForms[n.Tag]; ok {
		var arg any
		var err error
		if n.Kind == yaml.ScalarNode {
			arg = n.Value
		} else {
			// The tag belongs to the function, not to its argument.
			c := *n
			c.Tag = ""
			if arg, err = t.valueAt(&c, depth+1); err != nil {
				return nil, err
			}
		}
		if long == "Fn::GetAtt" {
			if s, ok := arg.(string); ok {
				name, attr, found := strings.Cut(s, ".")
				if !found {
					return nil, &lineError{n.Line, fmt.Sprintf("!GetAtt %s: want Resource.Attribute", s)}
				}
				arg = []any{name, attr}
			}
		}
		return map[string]any{long: arg}, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, &lineError{n.Line, fmt.Sprintf("unsupported tag %s", n.Tag)}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := t.valueAt(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := t.valueAt(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return nil, &lineError{n.Line, "unexpected node"}
}

// lineError is a mistake inside a value, which the caller names with the
// resource or output it belongs to.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!int":
		if i, err := strconv.Atoi(n.Value); err == nil {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case "!!null":
		return nil
	}
	return n.Value
}
