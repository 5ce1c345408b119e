package stack

import (
	"fmt"
	"slices"
	"strings"
)

// conditionFns are the functions a condition is built of; Condition names
// another condition. Rules may also use the rule functions.
var conditionFns = []string{"Fn::And", "Fn::Equals", "Fn::Not", "Fn::Or", "Condition"}

var ruleFns = []string{"Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn"}

// checkConditions checks the Conditions section: each condition is a
// boolean function of parameters, mappings and other conditions, and no
// condition depends on itself.
func checkConditions(t *Template, params map[string]bool) []error {
	declared := map[string]bool{}
	for _, c := range t.Conditions {
		declared[c.Name] = true
	}
	var errs []error
	uses := map[string][]string{}
	for _, c := range t.Conditions {
		cc := &condChecker{t: t, params: params, declared: declared}
		if err := cc.check(c.Value); err != nil {
			errs = append(errs, t.at(c.Line, err))
			continue
		}
		uses[c.Name] = cc.uses
	}
	if len(errs) > 0 {
		return errs
	}
	// A condition that reaches itself through Condition references: a
	// depth-first walk that meets a condition it is still inside of.
	const inside, done = 1, 2
	state := map[string]int{}
	var loop string
	var visit func(n string) bool
	visit = func(n string) bool {
		switch state[n] {
		case inside:
			loop = n
			return true
		case done:
			return false
		}
		state[n] = inside
		for _, m := range uses[n] {
			if visit(m) {
				return true
			}
		}
		state[n] = done
		return false
	}
	for _, c := range t.Conditions {
		if visit(c.Name) {
			line := c.Line
			for _, d := range t.Conditions {
				if d.Name == loop {
					line = d.Line
				}
			}
			return []error{t.templateErr(line, "Circular dependency between conditions: [%s]", loop)}
		}
	}
	return nil
}

// checkRules checks each rule's condition and assertions.
func checkRules(t *Template, params map[string]bool) []error {
	var errs []error
	for _, r := range t.Rules {
		cc := &condChecker{t: t, params: params, rules: true}
		if r.Condition != nil {
			if err := cc.check(r.Condition); err != nil {
				errs = append(errs, t.at(r.Line, err))
			}
		}
		for _, a := range r.Assertions {
			if err := cc.check(a.Assert); err != nil {
				errs = append(errs, t.at(r.Line, err))
			}
		}
	}
	return errs
}

// condChecker checks one condition or rule expression.
type condChecker struct {
	t        *Template
	params   map[string]bool
	declared map[string]bool
	rules    bool
	uses     []string
}

func (c *condChecker) check(v any) error {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return evalErr("Template format error: Conditions can only be boolean operations on parameters and other conditions")
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, ok := arg.(string)
			if c.rules {
				return evalErr("Template format error: a rule cannot use the condition %v", arg)
			}
			if !ok {
				return evalErr("Template format error: Every Condition member must be a string.")
			}
			if !c.declared[name] {
				return evalErr("Template format error: Unresolved condition dependency %s in the Conditions block of the template", name)
			}
			c.uses = append(c.uses, name)
			return nil
		case "Fn::Not", "Fn::And", "Fn::Or":
			l, ok := arg.([]any)
			switch {
			case !ok:
				return evalErr("Template error: %s requires a list argument", fn)
			case fn == "Fn::Not" && len(l) != 1:
				return evalErr("Template error: Fn::Not requires a list argument with one function token")
			case fn != "Fn::Not" && (len(l) < 2 || len(l) > 10):
				return evalErr("Template error: %s requires a list argument with between 2 and 10 conditions", fn)
			}
			for _, x := range l {
				if err := c.check(x); err != nil {
					return err
				}
			}
			return nil
		case "Fn::Equals", "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn":
			if fn != "Fn::Equals" && !c.rules {
				break
			}
			l, ok := arg.([]any)
			if !ok || len(l) != 2 {
				return evalErr("Template error: %s requires a list argument with two elements", fn)
			}
			return c.operands(l)
		}
		allowed := conditionFns
		if c.rules {
			allowed = append(slices.Clone(conditionFns[:4]), ruleFns...)
		}
		return evalErr("Template format error: Unrecognized function %s in a condition (one of %s)", fn, strings.Join(allowed, ", "))
	}
	return nil
}

// operands checks the values a comparison reads: they may read parameters
// and mappings, never resources.
func (c *condChecker) operands(l []any) error {
	w := &walker{}
	if err := w.walk(rulesOnly(l, c.rules)); err != nil {
		return err
	}
	var bad names
	for _, r := range w.refs {
		if r.attr == "" && (c.params[r.name] || (pseudo[r.name] && r.name != "AWS::NoValue")) {
			continue
		}
		bad.add(r.name)
	}
	if len(bad.list) > 0 {
		block := "Conditions"
		if c.rules {
			block = "Rules"
		}
		return evalErr("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the %s block of the template", strings.Join(bad.list, ", "), block)
	}
	if len(w.ifConds) > 0 {
		return evalErr("Template error: Fn::If cannot be used in a condition")
	}
	return nil
}

// rulesOnly hides the rule value functions (Fn::RefAll, Fn::ValueOf...)
// from the walker, which knows only the functions of properties.
func rulesOnly(v any, rules bool) any {
	if !rules {
		return v
	}
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = rulesOnly(x, rules)
		}
		return out
	case map[string]any:
		if fn, _, ok := intrinsic(v); ok && (fn == "Fn::RefAll" || fn == "Fn::ValueOf" || fn == "Fn::ValueOfAll") {
			return ""
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = rulesOnly(x, rules)
		}
		return out
	}
	return v
}

// conditions evaluates every condition once.
func (e *env) conditions(t *Template) (map[string]bool, error) {
	e.conds = map[string]bool{}
	e.condExprs = map[string]any{}
	for _, c := range t.Conditions {
		e.condExprs[c.Name] = c.Value
	}
	for _, c := range t.Conditions {
		if _, err := e.condition(c.Name); err != nil {
			return nil, t.at(c.Line, err)
		}
	}
	return e.conds, nil
}

// condition evaluates a named condition, remembering its value.
func (e *env) condition(name string) (bool, error) {
	if v, ok := e.conds[name]; ok {
		return v, nil
	}
	expr, ok := e.condExprs[name]
	if !ok {
		return false, evalErr("Template format error: Unresolved condition dependency %s in the Conditions block of the template", name)
	}
	if e.evaluating[name] {
		return false, evalErr("Template error: Circular dependency between conditions: [%s]", name)
	}
	if e.evaluating == nil {
		e.evaluating = map[string]bool{}
	}
	e.evaluating[name] = true
	v, err := e.truth(expr)
	delete(e.evaluating, name)
	if err != nil {
		return false, err
	}
	e.conds[name] = v
	return v, nil
}

// truth evaluates a condition or assertion.
func (e *env) truth(v any) (bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false, evalErr("Template format error: Conditions can only be boolean operations on parameters and other conditions")
	}
	for fn, arg := range m {
		if fn == "Condition" {
			name, ok := arg.(string)
			if !ok {
				return false, evalErr("Template format error: Every Condition member must be a string.")
			}
			return e.condition(name)
		}
		l, ok := arg.([]any)
		if !ok {
			return false, evalErr("Template error: %s requires a list argument", fn)
		}
		switch fn {
		case "Fn::Not":
			if len(l) != 1 {
				return false, evalErr("Template error: Fn::Not requires a list argument with one function token")
			}
			b, err := e.truth(l[0])
			return !b, err
		case "Fn::And", "Fn::Or":
			if len(l) < 2 {
				return false, evalErr("Template error: %s requires a list argument with between 2 and 10 conditions", fn)
			}
			// Every operand is evaluated, so a mistake in any is found
			// whatever the others say.
			and, or := true, false
			for _, x := range l {
				b, err := e.truth(x)
				if err != nil {
					return false, err
				}
				and, or = and && b, or || b
			}
			if fn == "Fn::And" {
				return and, nil
			}
			return or, nil
		}
		if len(l) != 2 {
			return false, evalErr("Template error: %s requires a list argument with two elements", fn)
		}
		a, err := e.eval(l[0])
		if err != nil {
			return false, err
		}
		b, err := e.eval(l[1])
		if err != nil {
			return false, err
		}
		switch fn {
		case "Fn::Equals":
			return same(a, b), nil
		case "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn":
			if !e.rules {
				break
			}
			list, ok := a.([]any)
			if !ok {
				list = []any{a}
			}
			switch fn {
			case "Fn::Contains":
				return slices.ContainsFunc(list, func(x any) bool { return same(x, b) }), nil
			case "Fn::EachMemberEquals":
				for _, x := range list {
					if !same(x, b) {
						return false, nil
					}
				}
				return true, nil
			default:
				in, ok := b.([]any)
				if !ok {
					in = []any{b}
				}
				set := map[string]bool{}
				for _, y := range in {
					set[sameKey(y)] = true
				}
				for _, x := range list {
					if !set[sameKey(x)] {
						return false, nil
					}
				}
				return true, nil
			}
		}
		return false, evalErr("Template format error: Unrecognized function %s in a condition", fn)
	}
	return false, nil
}

// same compares two resolved values as CloudFormation does: by their
// string forms, a list never equal to a string.
func same(a, b any) bool { return sameKey(a) == sameKey(b) }

// sameKey is the form same compares.
func sameKey(v any) string {
	s, err := String(v)
	if err != nil {
		s = fmt.Sprint(v)
	}
	if _, list := v.([]any); list {
		return "list:" + s
	}
	return "value:" + s
}

// checkAssertions evaluates the template's rules; a failing assertion
// refuses the template with its AssertDescription.
func (e *env) checkAssertions(t *Template) error {
	re := *e
	re.rules = true
	for _, r := range t.Rules {
		if r.Condition != nil {
			ok, err := re.truth(r.Condition)
			if err != nil {
				return t.at(r.Line, err)
			}
			if !ok {
				continue
			}
		}
		for _, a := range r.Assertions {
			ok, err := re.truth(a.Assert)
			if err != nil {
				return t.at(r.Line, err)
			}
			if !ok {
				msg := a.Description
				if msg == "" {
					msg = fmt.Sprintf("Template error: Rule %s failed an assertion", r.Name)
				}
				return t.errAt(r.Line, "%s", msg)
			}
		}
	}
	return nil
}
