package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed template. Values are plain Go values (string, int,
// float64, bool, []any, map[string]any); an intrinsic function is a map
// with the one key of its long form ("Ref", "Fn::GetAtt", "Condition" in
// a condition, ...), whichever form the template used.
type Template struct {
	// File names the template in messages.
	File string
	// Version is AWSTemplateFormatVersion, empty when not given.
	Version     string
	Description string
	// Metadata is the template's Metadata section, kept as written.
	Metadata   any
	Parameters []*Parameter
	// Mappings are map name -> top-level key -> second-level key -> value.
	Mappings   map[string]map[string]map[string]any
	Conditions []*Condition
	Rules      []*Rule
	Resources  []*Resource
	Outputs    []*Output

	// values and bytes count the values and scalar bytes built so far:
	// aliases can make a small document expand without bound, or into
	// itself.
	values, bytes int
}

// Limits on what a template's aliases may build. A CloudFormation template
// is at most 1 MB, far below either without aliases.
const (
	// maxDescription is CloudFormation's limit on a template's Description.
	maxDescription = 1024

	maxValues = 200_000
	maxBytes  = 8 << 20
	maxDepth  = 100
)

// Parameter is a template parameter's declaration.
type Parameter struct {
	Name string
	Type string
	// Default is nil when there is none.
	Default     any
	Description string
	// NoEcho parameters are shown masked (*****) by the stack API.
	NoEcho                bool
	AllowedValues         []string
	AllowedPattern        string
	MinLength, MaxLength  *int
	MinValue, MaxValue    *float64
	ConstraintDescription string
	Line                  int
}

// DefaultString is the parameter's default as CloudFormation reports it,
// and whether there is one.
func (p *Parameter) DefaultString() (string, bool) {
	if p.Default == nil {
		return "", false
	}
	s, err := String(p.Default)
	if err != nil {
		return fmt.Sprint(p.Default), true
	}
	return s, true
}

// Condition is one entry of Conditions.
type Condition struct {
	Name  string
	Value any
	Line  int
}

// Rule is one entry of Rules: when Condition (nil: always) holds, every
// assertion must.
type Rule struct {
	Name       string
	Condition  any
	Assertions []Assertion
	Line       int
}

// Assertion is one of a rule's Assertions.
type Assertion struct {
	Assert      any
	Description string
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
	// Retain, Snapshot or RetainExceptOnCreate: Retain keeps the resource
	// when the stack deletes or replaces it.
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

// shortForms maps each short-form tag to its long form.
var shortForms = map[string]string{
	"!Ref": "Ref", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!GetAZs": "Fn::GetAZs",
	"!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And",
	"!Or": "Fn::Or", "!Condition": "Condition", "!FindInMap": "Fn::FindInMap",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!ImportValue": "Fn::ImportValue",
	"!Contains": "Fn::Contains", "!EachMemberEquals": "Fn::EachMemberEquals",
	"!EachMemberIn": "Fn::EachMemberIn", "!RefAll": "Fn::RefAll", "!ValueOf": "Fn::ValueOf",
	"!Transform": "Fn::Transform",
}

// sections are the top-level keys a template may have.
var sections = []string{"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters",
	"Rules", "Mappings", "Conditions", "Transform", "Resources", "Outputs", "Hooks"}

// yamlLine finds the line in yaml.v3's error text.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// Parse reads a template. JSON is YAML too, so one parser serves both and
// gives lines for both.
func Parse(file string, data []byte) (*Template, error) {
	t := &Template{File: file}
	// A template that starts with { is JSON, and must be JSON, not the
	// YAML that accepts more.
	if b := bytes.TrimSpace(data); len(b) > 0 && b[0] == '{' {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			line, col := jsonPosition(data, err)
			return nil, t.formatErr(line, "JSON not well-formed. (line %d, column %d)", line, col)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		if line > 0 {
			return nil, t.formatErr(line, "YAML not well-formed. (line %d)", line)
		}
		return nil, t.formatErr(0, "YAML not well-formed.")
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, t.formatErr(0, "At least one Resources member must be defined.")
	}
	root := doc.Content[0]
	var unknown []string
	var resources, outputs *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		var err error
		switch key.Value {
		case "Parameters":
			err = t.parseParameters(val)
		case "Resources":
			resources = val
		case "Outputs":
			outputs = val
		case "Conditions":
			err = t.parseConditions(val)
		case "Mappings":
			err = t.parseMappings(val)
		case "Rules":
			err = t.parseRules(val)
		case "Metadata":
			t.Metadata, err = t.plain(val, "Metadata")
		case "Description":
			t.Description = val.Value
		case "AWSTemplateFormatVersion":
			t.Version = val.Value
		case "Transform":
			err = t.errAt(key.Line, "Transform (macros, SAM) is not supported")
		default:
			if !slices.Contains(sections, key.Value) {
				unknown = append(unknown, key.Value)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if len(unknown) > 0 {
		return nil, t.formatErr(root.Line, "Invalid template property or properties [%s]", strings.Join(unknown, ", "))
	}
	if len(t.Description) > maxDescription {
		return nil, t.formatErr(0, "'Description' length is greater than %d.", maxDescription)
	}
	if resources == nil || resources.Kind != yaml.MappingNode || len(resources.Content) == 0 {
		return nil, t.formatErr(0, "At least one Resources member must be defined.")
	}
	for i := 0; i+1 < len(resources.Content); i += 2 {
		r, err := t.parseResource(resources.Content[i], resources.Content[i+1])
		if err != nil {
			return nil, err
		}
		t.Resources = append(t.Resources, r)
	}
	if outputs != nil {
		if err := t.parseOutputs(outputs); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// jsonPosition is the line and column, from 1, where a JSON decoding
// error was found.
func jsonPosition(data []byte, err error) (int, int) {
	offset := int64(len(data))
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = se.Offset
	case errors.As(err, &te):
		offset = te.Offset
	}
	offset = min(max(offset, 1), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n') - 1
	return line, max(col, 1)
}

// plain turns a node into a value, naming what it belongs to in errors.
func (t *Template) plain(n *yaml.Node, what string) (any, error) {
	v, err := t.value(n)
	if le, ok := err.(*lineError); ok {
		return nil, t.errAt(le.line, "%s: %s", what, le.msg)
	}
	return v, err
}

// entries is a mapping section's keys with their plain values.
func (t *Template) entries(n *yaml.Node, section string) ([]*yaml.Node, []any, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, t.formatErr(n.Line, "Every %s member must be an object", section)
	}
	var keys []*yaml.Node
	var vals []any
	for i := 0; i+1 < len(n.Content); i += 2 {
		v, err := t.plain(n.Content[i+1], n.Content[i].Value)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, n.Content[i])
		vals = append(vals, v)
	}
	return keys, vals, nil
}

func (t *Template) parseParameters(n *yaml.Node) error {
	keys, vals, err := t.entries(n, "Parameters")
	if err != nil {
		return err
	}
	for i, key := range keys {
		m, ok := vals[i].(map[string]any)
		if !ok {
			return t.formatErr(key.Line, "Every Parameters object must contain a Type member.")
		}
		p := &Parameter{Name: key.Value, Line: key.Line}
		if err := t.parameterFields(p, m); err != nil {
			return err
		}
		t.Parameters = append(t.Parameters, p)
	}
	return nil
}

// parameterFields fills a parameter's declaration from its mapping.
func (t *Template) parameterFields(p *Parameter, m map[string]any) error {
	typ, ok := m["Type"].(string)
	if !ok {
		return t.formatErr(p.Line, "Every Parameters object must contain a Type member.")
	}
	p.Type = typ
	for _, k := range sortedKeys(m) {
		v := m[k]
		bad := false
		switch k {
		case "Type":
		case "Default":
			p.Default = v
		case "Description":
			p.Description, bad = stringOf(v)
		case "ConstraintDescription":
			p.ConstraintDescription, bad = stringOf(v)
		case "AllowedPattern":
			p.AllowedPattern, bad = stringOf(v)
		case "NoEcho":
			s, _ := String(v)
			p.NoEcho = strings.EqualFold(s, "true")
		case "AllowedValues":
			l, ok := v.([]any)
			bad = !ok
			for _, x := range l {
				s, err := String(x)
				if err != nil {
					bad = true
				}
				p.AllowedValues = append(p.AllowedValues, s)
			}
		case "MinLength", "MaxLength":
			s, _ := String(v)
			n, err := strconv.Atoi(s)
			bad = err != nil
			if k == "MinLength" {
				p.MinLength = &n
			} else {
				p.MaxLength = &n
			}
		case "MinValue", "MaxValue":
			s, _ := String(v)
			f, err := strconv.ParseFloat(s, 64)
			bad = err != nil
			if k == "MinValue" {
				p.MinValue = &f
			} else {
				p.MaxValue = &f
			}
		default:
			return t.formatErr(p.Line, "Invalid template parameter property '%s'", k)
		}
		if bad {
			return t.formatErr(p.Line, "Invalid value for parameter property '%s' of parameter %s", k, p.Name)
		}
	}
	if !knownParamType(p.Type) {
		return t.formatErr(p.Line, "Unrecognized parameter type: %s", p.Type)
	}
	return nil
}

// stringOf reads a string attribute; the bool reports a non-string.
func stringOf(v any) (string, bool) {
	s, err := String(v)
	if _, list := v.([]any); list {
		return "", true
	}
	return s, err != nil
}

func (t *Template) parseConditions(n *yaml.Node) error {
	keys, vals, err := t.entries(n, "Conditions")
	if err != nil {
		return err
	}
	for i, key := range keys {
		t.Conditions = append(t.Conditions, &Condition{Name: key.Value, Value: vals[i], Line: key.Line})
	}
	return nil
}

func (t *Template) parseMappings(n *yaml.Node) error {
	keys, vals, err := t.entries(n, "Mappings")
	if err != nil {
		return err
	}
	t.Mappings = map[string]map[string]map[string]any{}
	for i, key := range keys {
		top, ok := vals[i].(map[string]any)
		if !ok {
			return t.formatErr(key.Line, "Every Mappings member %s must be a map", key.Value)
		}
		m := map[string]map[string]any{}
		for k, v := range top {
			second, ok := v.(map[string]any)
			if !ok {
				return t.formatErr(key.Line, "Every Mappings member %s must be a map", k)
			}
			for _, x := range second {
				switch x := x.(type) {
				case map[string]any:
					return t.formatErr(key.Line, "Every Mappings attribute must be a String or a List.")
				case []any:
					for _, y := range x {
						if _, ok := y.([]any); ok {
							return t.formatErr(key.Line, "Every Mappings attribute must be a String or a List.")
						}
					}
				}
			}
			m[k] = second
		}
		t.Mappings[key.Value] = m
	}
	return nil
}

func (t *Template) parseRules(n *yaml.Node) error {
	keys, vals, err := t.entries(n, "Rules")
	if err != nil {
		return err
	}
	for i, key := range keys {
		m, ok := vals[i].(map[string]any)
		as, ok2 := m["Assertions"].([]any)
		if !ok || !ok2 {
			return t.formatErr(key.Line, "Every Rules member %s must contain an Assertions list", key.Value)
		}
		r := &Rule{Name: key.Value, Condition: m["RuleCondition"], Line: key.Line}
		for _, a := range as {
			am, ok := a.(map[string]any)
			if !ok || am["Assert"] == nil {
				return t.formatErr(key.Line, "Every Assertions member of rule %s must contain an Assert", key.Value)
			}
			desc, _ := am["AssertDescription"].(string)
			r.Assertions = append(r.Assertions, Assertion{Assert: am["Assert"], Description: desc})
		}
		t.Rules = append(t.Rules, r)
	}
	return nil
}

func (t *Template) parseOutputs(n *yaml.Node) error {
	keys, vals, err := t.entries(n, "Outputs")
	if err != nil {
		return err
	}
	for i, key := range keys {
		m, ok := vals[i].(map[string]any)
		value, hasValue := m["Value"]
		if !ok || !hasValue {
			return t.formatErr(key.Line, "Every Outputs member must contain a Value object")
		}
		o := &Output{Name: key.Value, Value: value, Line: key.Line}
		for k, v := range m {
			switch k {
			case "Value":
			case "Description":
				o.Description, _ = String(v)
			case "Condition":
				s, ok := v.(string)
				if !ok {
					return t.formatErr(key.Line, "Every Condition member must be a string.")
				}
				o.Condition = s
			case "Export":
				e, ok := v.(map[string]any)
				if !ok || e["Name"] == nil || len(e) != 1 {
					return t.formatErr(key.Line, "Output %s is malformed. The Export member must contain a Name.", key.Value)
				}
				o.Export = e["Name"]
			default:
				return t.formatErr(key.Line, "Invalid outputs property : [%s]", k)
			}
		}
		t.Outputs = append(t.Outputs, o)
	}
	return nil
}

// resourceAttrs are the keys a resource may have besides Type.
var resourceAttrs = []string{"Properties", "DependsOn", "Condition", "DeletionPolicy",
	"UpdateReplacePolicy", "Metadata", "CreationPolicy", "UpdatePolicy", "Version"}

// policies are the values of DeletionPolicy and UpdateReplacePolicy.
var policies = []string{"Delete", "Retain", "Snapshot", "RetainExceptOnCreate"}

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
		return nil, t.formatErr(key.Line, "[/Resources/%s] Every Resources object must contain a Type member.", r.Name)
	}
	r.Type, _ = m["Type"].(string)
	if r.Type == "" {
		return nil, t.formatErr(key.Line, "[/Resources/%s] Every Resources object must contain a Type member.", r.Name)
	}
	for _, k := range sortedKeys(m) {
		if k != "Type" && !slices.Contains(resourceAttrs, k) {
			return nil, t.formatErr(key.Line, "Invalid template resource property '%s'", k)
		}
	}
	if p, ok := m["Properties"]; ok && p != nil {
		if r.Properties, ok = p.(map[string]any); !ok {
			return nil, t.formatErr(key.Line, "[/Resources/%s/Properties] Every Properties object must be a map", r.Name)
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
				return nil, t.formatErr(key.Line, "DependsOn must be a string or list of strings.")
			}
			r.DependsOn = append(r.DependsOn, s)
		}
	default:
		return nil, t.formatErr(key.Line, "DependsOn must be a string or list of strings.")
	}
	if c, ok := m["Condition"]; ok {
		if r.Condition, ok = c.(string); !ok {
			return nil, t.formatErr(key.Line, "Every Condition member must be a string.")
		}
	}
	for _, a := range []struct {
		name string
		to   *string
	}{{"DeletionPolicy", &r.DeletionPolicy}, {"UpdateReplacePolicy", &r.UpdateReplacePolicy}} {
		p, ok := m[a.name]
		if !ok {
			continue
		}
		s, _ := p.(string)
		if !slices.Contains(policies, s) {
			return nil, t.formatErr(key.Line, "Unrecognized %s %v for resource %s", a.name, p, r.Name)
		}
		*a.to = s
	}
	r.Metadata = m["Metadata"]
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
	if t.bytes += len(n.Value); t.bytes > maxBytes {
		return nil, &lineError{n.Line, fmt.Sprintf("aliases expand the template past %d bytes", maxBytes)}
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

// scalar is a scalar's value. A number is a number only when it reads
// back as written: CloudFormation keeps a template's text, so 1.10, 0123
// and 1e3 stay strings rather than becoming 1.1, 123 and 1000.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!int":
		if i, err := strconv.Atoi(n.Value); err == nil && strconv.Itoa(i) == n.Value {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == n.Value {
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
