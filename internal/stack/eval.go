package stack

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

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
	// produced counts the bytes functions have built, which a template
	// may not push past maxProduced.
	produced int
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
	case "AWS::NotificationARNs":
		out := make([]any, 0, len(e.in.NotificationARNs))
		for _, a := range e.in.NotificationARNs {
			out = append(out, a)
		}
		return out, nil
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
		// An attribute that is a readable property: the value the
		// resource was made or last updated with.
		v, ok = property(c.Props, attr)
	}
	if !ok {
		return nil, evalErr("Template error: resource %s does not support attribute type %s in Fn::GetAtt", name, attr)
	}
	return v, nil
}

// maxProduced bounds what one evaluation builds. Strings can grow faster
// than the template: a Fn::Join of many references to one long value.
const maxProduced = 16 << 20

// grow accounts for n more bytes built.
func (e *env) grow(n int) error {
	if e.produced += n; e.produced > maxProduced {
		return evalErr("Template error: the template's functions build more than %d bytes", maxProduced)
	}
	return nil
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
	strict, ok := strictFns[fn]
	if !ok {
		return nil, evalErr("Template format error: Unrecognized function %s (gatehouse evaluates %s)", fn, strings.Join(functions, ", "))
	}
	a, err := e.eval(arg)
	if err != nil {
		return nil, err
	}
	if hasUnknown(a) {
		return unknown{}, nil
	}
	return strict(e, a)
}

// strictFns are the functions that read their argument only once it is
// resolved.
var strictFns = map[string]func(e *env, a any) (any, error){
	"Fn::Join":        (*env).join,
	"Fn::Select":      (*env).selectFn,
	"Fn::Split":       (*env).split,
	"Fn::GetAZs":      (*env).getAZs,
	"Fn::Base64":      (*env).base64Fn,
	"Fn::Cidr":        (*env).cidrFn,
	"Fn::ImportValue": (*env).importValue,
}

// join answers Fn::Join.
func (e *env) join(a any) (any, error) {
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
	size := len(sep) * len(items)
	for _, x := range items {
		s, err := scalarString(x)
		if err != nil {
			return nil, evalErr(joinUsage)
		}
		ss = append(ss, s)
		size += len(s)
	}
	if err := e.grow(size); err != nil {
		return nil, err
	}
	return strings.Join(ss, sep), nil
}

// selectFn answers Fn::Select.
func (e *env) selectFn(a any) (any, error) {
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
}

// split answers Fn::Split.
func (e *env) split(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 2 {
		return nil, evalErr("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
	}
	sep, err1 := String(l[0])
	s, err2 := String(l[1])
	if err1 != nil || err2 != nil || sep == "" {
		return nil, evalErr("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
	}
	if err := e.grow(16 * (strings.Count(s, sep) + 1)); err != nil {
		return nil, err
	}
	var out []any
	for _, x := range strings.Split(s, sep) {
		out = append(out, x)
	}
	return out, nil
}

// getAZs answers Fn::GetAZs: the region's zones, whichever region is named.
func (e *env) getAZs(a any) (any, error) {
	out := make([]any, 0, len(e.in.Zones))
	for _, z := range e.in.Zones {
		out = append(out, z)
	}
	return out, nil
}

// base64Fn answers Fn::Base64.
func (e *env) base64Fn(a any) (any, error) {
	s, err := String(a)
	if err != nil {
		return nil, evalErr("Template error: every Fn::Base64 object must contain a String")
	}
	if err := e.grow(base64.StdEncoding.EncodedLen(len(s))); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// cidrFn answers Fn::Cidr.
func (e *env) cidrFn(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 3 {
		return nil, evalErr("Template error: every Fn::Cidr object requires three parameters, the ip block, the count of subnets and the number of subnet bits")
	}
	var ss [3]string
	for i, x := range l {
		var err error
		if ss[i], err = String(x); err != nil {
			return nil, evalErr("Template error: every Fn::Cidr object requires three parameters, the ip block, the count of subnets and the number of subnet bits")
		}
	}
	return cidr(ss[0], ss[1], ss[2])
}

// importValue answers Fn::ImportValue from the region's exports.
func (e *env) importValue(a any) (any, error) {
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
			if err := e.grow(len(p.text)); err != nil {
				return nil, err
			}
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
		s, err := scalarString(v)
		if err != nil {
			return nil, evalErr("Template error: variable %s in Fn::Sub expression does not resolve to a string", p.ref.name)
		}
		if err := e.grow(len(s)); err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// scalarString is String for a place that takes one value, not a list.
func scalarString(v any) (string, error) {
	switch v.(type) {
	case []any, []string:
		return "", fmt.Errorf("want a string, got a list")
	}
	return String(v)
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

// unknown stands for a value only a created resource can give. A dry run
// evaluates every property with it, so a missing mapping or export, or a
// bad Fn::Cidr or Fn::Select on parameters, is found before anything is
// created; a function of an unknown value is unknown.
type unknown struct{}

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
					if err := e.grow(len(val)); err != nil && missing == nil {
						missing = err
					}
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
