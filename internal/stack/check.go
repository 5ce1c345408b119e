package stack

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ref is one reference found in a value: a Ref (attr empty) or a GetAtt.
type ref struct{ name, attr string }

// Check reports every unsupported type and bad reference in the template,
// each naming its resource (or output) and line, and returns the resources
// in an order where each follows everything it refers to.
func Check(t *Template) ([]*Resource, error) {
	ordered, _, err := check(t)
	return ordered, err
}

// check is Check that also returns each resource's direct dependencies.
func check(t *Template) ([]*Resource, map[string][]string, error) {
	byName := map[string]*Resource{}
	for _, r := range t.Resources {
		byName[r.Name] = r
	}
	params := map[string]bool{}
	for _, p := range t.Parameters {
		params[p.Name] = true
	}
	var errs []error
	deps := map[string][]string{}
	checkRefs := func(what string, line int, refs []ref, err error) []string {
		if err != nil {
			errs = append(errs, t.errAt(line, "%s: %v", what, err))
			return nil
		}
		var names []string
		for _, x := range refs {
			if x.attr == "" && (params[x.name] || pseudo[x.name]) {
				continue
			}
			target, ok := byName[x.name]
			switch {
			case !ok && x.attr == "":
				errs = append(errs, t.errAt(line, "%s: Ref to %s, which is neither a parameter nor a resource", what, x.name))
			case !ok:
				errs = append(errs, t.errAt(line, "%s: GetAtt of %s.%s: no resource %s", what, x.name, x.attr, x.name))
			case x.attr != "" && !slices.Contains(Types[target.Type], x.attr):
				if _, known := Types[target.Type]; known {
					errs = append(errs, t.errAt(line, "%s: %s (%s) has no attribute %s", what, x.name, target.Type, x.attr))
				}
			default:
				names = append(names, x.name)
			}
		}
		return names
	}
	for _, r := range t.Resources {
		what := "resource " + r.Name
		if _, ok := Types[r.Type]; !ok {
			errs = append(errs, t.errAt(r.Line, "%s: unsupported resource type %s", what, r.Type))
		}
		refs, err := findRefs(r.Properties)
		names := checkRefs(what, r.Line, refs, err)
		for _, d := range r.DependsOn {
			if _, ok := byName[d]; !ok {
				errs = append(errs, t.errAt(r.Line, "%s: DependsOn %s, which is not a resource", what, d))
				continue
			}
			names = append(names, d)
		}
		for _, n := range names {
			if n == r.Name {
				errs = append(errs, t.errAt(r.Line, "%s refers to itself", what))
			} else if !slices.Contains(deps[r.Name], n) {
				deps[r.Name] = append(deps[r.Name], n)
			}
		}
	}
	for _, o := range t.Outputs {
		refs, err := findRefs(o.Value)
		checkRefs("output "+o.Name, o.Line, refs, err)
	}
	for _, p := range t.Parameters {
		if byName[p.Name] != nil {
			errs = append(errs, t.errAt(p.Line, "parameter %s has the name of a resource", p.Name))
		}
	}
	for _, r := range t.Resources {
		errs = append(errs, checkProperties(t, r)...)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	ordered, err := order(t, deps)
	return ordered, deps, err
}

// order sorts topologically, keeping the template's order among resources
// that do not depend on each other, so that a deployment is predictable.
func order(t *Template, deps map[string][]string) ([]*Resource, error) {
	done := map[string]bool{}
	var out []*Resource
	for len(out) < len(t.Resources) {
		progress := false
		for _, r := range t.Resources {
			if done[r.Name] {
				continue
			}
			ready := true
			for _, d := range deps[r.Name] {
				ready = ready && done[d]
			}
			if ready {
				done[r.Name] = true
				out = append(out, r)
				progress = true
				break
			}
		}
		if !progress {
			return nil, cycleError(t, deps, done)
		}
	}
	return out, nil
}

// cycleError names the resources of one cycle among those left, walking
// dependencies until a resource repeats.
func cycleError(t *Template, deps map[string][]string, done map[string]bool) error {
	lines := map[string]int{}
	for _, r := range t.Resources {
		lines[r.Name] = r.Line
	}
	var start string
	for _, r := range t.Resources {
		if !done[r.Name] {
			start = r.Name
			break
		}
	}
	seen := map[string]int{}
	var path []string
	for n := start; ; {
		if i, ok := seen[n]; ok {
			path = append(path[i:], n)
			break
		}
		seen[n] = len(path)
		path = append(path, n)
		for _, d := range deps[n] {
			if !done[d] {
				n = d
				break
			}
		}
	}
	return t.errAt(lines[path[0]], "resource %s: circular dependency: %s", path[0], strings.Join(path, " -> "))
}

// findRefs collects the references in a value, and reports malformed
// intrinsic functions.
func findRefs(v any) ([]ref, error) {
	var refs []ref
	var walk func(v any) error
	walk = func(v any) error {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				if err := walk(x); err != nil {
					return err
				}
			}
		case map[string]any:
			if fn, arg, ok := intrinsic(v); ok {
				switch fn {
				case "Ref":
					s, ok := arg.(string)
					if !ok {
						return fmt.Errorf("Ref takes a name")
					}
					refs = append(refs, ref{name: s})
					return nil
				case "Fn::GetAtt":
					name, attr, err := getAttArgs(arg)
					if err != nil {
						return err
					}
					refs = append(refs, ref{name, attr})
					return nil
				case "Fn::Sub":
					body, vars, err := subArgs(arg)
					if err != nil {
						return err
					}
					parts, err := parseSub(body)
					if err != nil {
						return err
					}
					for _, p := range parts {
						if p.ref == nil {
							continue
						}
						if _, local := vars[p.ref.name]; local && p.ref.attr == "" {
							continue
						}
						refs = append(refs, *p.ref)
					}
					return walk(mapValues(vars))
				}
				if !supportedFns[fn] {
					return fmt.Errorf("unsupported function %s", fn)
				}
				return walk(arg)
			}
			for _, x := range v {
				if err := walk(x); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk(v)
	return refs, err
}

// supportedFns are the functions besides Ref, GetAtt and Sub that Deploy
// evaluates; any other is refused before anything is created.
var supportedFns = map[string]bool{"Fn::Join": true, "Fn::Select": true, "Fn::Split": true, "Fn::GetAZs": true}

func mapValues(m map[string]any) []any {
	var out []any
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// intrinsic recognises a function call: a one-key map whose key is Ref or
// starts with Fn::.
func intrinsic(m map[string]any) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

func getAttArgs(arg any) (string, string, error) {
	switch a := arg.(type) {
	case string:
		if name, attr, ok := strings.Cut(a, "."); ok {
			return name, attr, nil
		}
	case []any:
		if len(a) == 2 {
			name, ok1 := a[0].(string)
			attr, ok2 := a[1].(string)
			if ok1 && ok2 {
				return name, attr, nil
			}
		}
	}
	return "", "", fmt.Errorf("Fn::GetAtt takes [Resource, Attribute]")
}

func subArgs(arg any) (string, map[string]any, error) {
	switch a := arg.(type) {
	case string:
		return a, nil, nil
	case []any:
		if len(a) == 2 {
			body, ok1 := a[0].(string)
			vars, ok2 := a[1].(map[string]any)
			if ok1 && ok2 {
				return body, vars, nil
			}
		}
	}
	return "", nil, fmt.Errorf("Fn::Sub takes a string or [string, {variables}]")
}

// subPart is a literal stretch of a Fn::Sub string or one ${} in it.
type subPart struct {
	text string
	ref  *ref
}

// parseSub splits a Fn::Sub string. ${!x} is the literal ${x}.
func parseSub(s string) ([]subPart, error) {
	var parts []subPart
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return append(parts, subPart{text: s}), nil
		}
		parts = append(parts, subPart{text: s[:i]})
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("Fn::Sub %q: ${ without a closing }", s)
		}
		inner := s[i+2 : i+end]
		s = s[i+end+1:]
		if lit, ok := strings.CutPrefix(inner, "!"); ok {
			parts = append(parts, subPart{text: "${" + lit + "}"})
			continue
		}
		inner = strings.TrimSpace(inner)
		if inner == "" || strings.ContainsAny(inner, " ${") {
			return nil, fmt.Errorf("Fn::Sub: bad variable ${%s}", inner)
		}
		r := ref{name: inner}
		// Pseudo parameters contain "::", not a dot, so the first dot
		// splits a GetAtt.
		if name, attr, ok := strings.Cut(inner, "."); ok {
			r = ref{name, attr}
			if name == "" || attr == "" {
				return nil, fmt.Errorf("Fn::Sub: bad variable ${%s}", inner)
			}
		}
		parts = append(parts, subPart{ref: &r})
	}
}
