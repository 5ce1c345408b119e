package vtl

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/mapping/jsonpath"
	"gatehouse/internal/vtl/parse"
)

// state is one evaluation: variables set by #set and #foreach, the output
// and what $input computed once for this request.
type state struct {
	in    *Input
	vars  map[string]any
	out   strings.Builder
	steps int

	body       any // $input's body parsed as JSON, once
	bodyErr    error
	bodyParsed bool
	params     *Map
	paths      map[string]*jsonpath.Path // the template's literal JSONPaths

	// ctx holds the $context.responseOverride and .requestOverride trees
	// that #set builds.
	ctx *Map
}

type flow uint8

const (
	next flow = iota
	brk
	stop
)

func (s *state) step() error {
	s.steps++
	if s.steps > maxSteps {
		return errors.New("template took too many steps")
	}
	return nil
}

func (s *state) write(out *strings.Builder, str string) error {
	if out.Len()+len(str) > maxOutput {
		return errTooLarge
	}
	out.WriteString(str)
	return nil
}

func (s *state) run(nodes []parse.Node) (flow, error) {
	return s.render(&s.out, nodes)
}

func (s *state) render(out *strings.Builder, nodes []parse.Node) (flow, error) {
	for _, n := range nodes {
		if err := s.step(); err != nil {
			return stop, err
		}
		switch n := n.(type) {
		case *parse.Text:
			if err := s.write(out, n.Text); err != nil {
				return stop, err
			}
		case *parse.Ref:
			if err := s.renderRef(out, n); err != nil {
				return stop, err
			}
		case *parse.Set:
			if err := s.set(n); err != nil {
				return stop, err
			}
		case *parse.If:
			f, err := s.ifNode(out, n)
			if err != nil || f != next {
				return f, err
			}
		case *parse.Foreach:
			f, err := s.foreach(out, n)
			if err != nil || f != next {
				return f, err
			}
		case *parse.Break:
			return brk, nil
		case *parse.Stop:
			return stop, nil
		}
	}
	return next, nil
}

func (s *state) renderRef(out *strings.Builder, n *parse.Ref) error {
	v, err := s.ref(n.Ref)
	if err != nil {
		return err
	}
	if v == nil {
		if n.Escapes > 0 {
			if err := s.write(out, strings.Repeat(`\`, n.Escapes)); err != nil {
				return err
			}
		}
		if n.Silent && n.Escapes == 0 {
			return nil
		}
		return s.write(out, n.Raw)
	}
	if n.Escapes > 0 {
		if err := s.write(out, strings.Repeat(`\`, n.Escapes/2)); err != nil {
			return err
		}
		if n.Escapes%2 == 1 {
			return s.write(out, n.Raw)
		}
	}
	text, err := str(v)
	if err != nil {
		return err
	}
	return s.write(out, text)
}

func (s *state) ifNode(out *strings.Builder, n *parse.If) (flow, error) {
	for i, c := range n.Conds {
		v, err := s.eval(c)
		if err != nil {
			return stop, err
		}
		if truthy(v) {
			return s.render(out, n.Bodies[i])
		}
	}
	if n.Else != nil {
		return s.render(out, n.Else)
	}
	return next, nil
}

// loop is $foreach inside a #foreach.
type loop struct {
	index, n int
	parent   any
}

func (s *state) foreach(out *strings.Builder, n *parse.Foreach) (flow, error) {
	v, err := s.eval(n.Iter)
	if err != nil {
		return stop, err
	}
	items, err := iterate(v)
	if err != nil {
		return stop, err
	}
	if len(items) == 0 {
		return next, nil
	}
	if s.vars == nil {
		s.vars = make(map[string]any)
	}
	oldVar, hadVar := s.vars[n.Var]
	oldLoop, hadLoop := s.vars["foreach"]
	oldCount, hadCount := s.vars["velocityCount"]
	defer func() {
		restore(s.vars, n.Var, oldVar, hadVar)
		restore(s.vars, "foreach", oldLoop, hadLoop)
		restore(s.vars, "velocityCount", oldCount, hadCount)
	}()
	l := &loop{n: len(items), parent: oldLoop}
	s.vars["foreach"] = l
	for i, it := range items {
		if i >= maxIterations {
			return stop, fmt.Errorf("#foreach over more than %d items", maxIterations)
		}
		l.index = i
		s.vars[n.Var] = it
		s.vars["velocityCount"] = int64(i + 1)
		f, err := s.render(out, n.Body)
		if err != nil || f == stop {
			return f, err
		}
		if f == brk {
			break
		}
	}
	return next, nil
}

func restore(vars map[string]any, k string, v any, had bool) {
	if had {
		vars[k] = v
	} else {
		delete(vars, k)
	}
}

// iterate lists what #foreach walks: a list's items, a map's values, a
// range's numbers.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case *List:
		return x.Items, nil
	case []any:
		return x, nil
	case *Map:
		return slices.Clone(x.Vals), nil
	case map[string]any:
		keys := sortedKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = x[k]
		}
		return out, nil
	case map[string]string:
		keys := sortedKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = x[k]
		}
		return out, nil
	}
	return nil, nil
}

func (s *state) set(n *parse.Set) error {
	v, err := s.eval(n.Value)
	if err != nil {
		return err
	}
	if v == nil {
		// Velocity 1.7 leaves the target as it was when the value is null.
		return nil
	}
	t := n.Target
	if len(t.Parts) == 0 {
		if s.vars == nil {
			s.vars = make(map[string]any)
		}
		s.vars[t.Name] = v
		return nil
	}
	var obj any
	parts := t.Parts
	if _, isVar := s.vars[t.Name]; !isVar && t.Name == "context" {
		// $context's override trees are built by #set, as on AWS.
		if parts[0].Kind != parse.Property || (parts[0].Name != "responseOverride" && parts[0].Name != "requestOverride") {
			return nil
		}
		if s.ctx == nil {
			s.ctx = newMap(2)
		}
		obj = s.ctx
		for _, p := range parts[:len(parts)-1] {
			key, err := s.key(p)
			if err != nil {
				return err
			}
			m := obj.(*Map)
			child, ok := m.Get(key)
			cm, isMap := child.(*Map)
			if !ok || !isMap {
				cm = newMap(2)
				m.Put(key, cm)
			}
			obj = cm
		}
	} else {
		obj = s.root(t.Name)
		for i := range parts[:len(parts)-1] {
			if obj, err = s.part(obj, &parts[i]); err != nil || obj == nil {
				return err
			}
		}
	}
	last := parts[len(parts)-1]
	if last.Kind == parse.Method {
		return nil
	}
	switch o := obj.(type) {
	case *Map:
		key, err := s.key(last)
		if err != nil {
			return err
		}
		if len(o.Keys) >= maxItems {
			return errors.New("map too large")
		}
		o.Put(key, v)
	case *List:
		if last.Kind != parse.Index {
			return nil
		}
		iv, err := s.eval(last.Index)
		if err != nil {
			return err
		}
		if i, ok := toInt(iv); ok && i >= 0 && i < len(o.Items) {
			o.Items[i] = v
		}
	}
	return nil
}

// key is the map key a property or index part names.
func (s *state) key(p parse.Part) (string, error) {
	if p.Kind == parse.Index {
		v, err := s.eval(p.Index)
		if err != nil {
			return "", err
		}
		return str(v)
	}
	return p.Name, nil
}

func (s *state) root(name string) any {
	if v, ok := s.vars[name]; ok {
		return v
	}
	switch name {
	case "input":
		return inputObj{}
	case "util":
		return utilObj{}
	case "context":
		return contextObj{}
	case "stageVariables":
		if s.in.StageVariables == nil {
			return map[string]string{}
		}
		return s.in.StageVariables
	}
	return nil
}

func (s *state) ref(r *parse.RefExpr) (any, error) {
	v := s.root(r.Name)
	for i := range r.Parts {
		if v == nil {
			return nil, nil
		}
		var err error
		if v, err = s.part(v, &r.Parts[i]); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (s *state) part(v any, p *parse.Part) (any, error) {
	switch p.Kind {
	case parse.Property:
		return s.property(v, p.Name)
	case parse.Method:
		args := make([]any, len(p.Args))
		for i, a := range p.Args {
			av, err := s.eval(a)
			if err != nil {
				return nil, err
			}
			args[i] = av
		}
		return s.call(v, p.Name, args)
	default:
		iv, err := s.eval(p.Index)
		if err != nil {
			return nil, err
		}
		return index(v, iv), nil
	}
}

func (s *state) eval(e parse.Expr) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *parse.RefExpr:
		return s.ref(e)
	case *parse.StringLit:
		if e.Interp == nil {
			return e.Value, nil
		}
		var b strings.Builder
		f, err := s.render(&b, e.Interp)
		if err != nil {
			return nil, err
		}
		if f == stop {
			return b.String(), nil
		}
		return b.String(), nil
	case *parse.IntLit:
		return e.Value, nil
	case *parse.FloatLit:
		return e.Value, nil
	case *parse.BoolLit:
		return e.Value, nil
	case *parse.NullLit:
		return nil, nil
	case *parse.ListLit:
		l := &List{Items: make([]any, 0, len(e.Items))}
		for _, it := range e.Items {
			v, err := s.eval(it)
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, v)
		}
		return l, nil
	case *parse.RangeLit:
		return s.rangeList(e)
	case *parse.MapLit:
		m := newMap(len(e.Keys))
		for i := range e.Keys {
			k, err := s.eval(e.Keys[i])
			if err != nil {
				return nil, err
			}
			v, err := s.eval(e.Values[i])
			if err != nil {
				return nil, err
			}
			ks, err := str(k)
			if err != nil {
				return nil, err
			}
			m.Put(ks, v)
		}
		return m, nil
	case *parse.Unary:
		x, err := s.eval(e.X)
		if err != nil {
			return nil, err
		}
		if e.Op == "!" {
			return !truthy(x), nil
		}
		return arith("-", int64(0), x)
	case *parse.Binary:
		return s.binary(e)
	}
	return nil, nil
}

func (s *state) binary(e *parse.Binary) (any, error) {
	l, err := s.eval(e.L)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "&&":
		if !truthy(l) {
			return false, nil
		}
		r, err := s.eval(e.R)
		return truthy(r), err
	case "||":
		if truthy(l) {
			return true, nil
		}
		r, err := s.eval(e.R)
		return truthy(r), err
	}
	r, err := s.eval(e.R)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "<", "<=", ">", ">=":
		c, ok := jsonpath.Compare(l, r)
		if !ok {
			return false, nil
		}
		switch e.Op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		}
		return c >= 0, nil
	}
	return arith(e.Op, l, r)
}

func (s *state) rangeList(e *parse.RangeLit) (any, error) {
	fv, err := s.eval(e.From)
	if err != nil {
		return nil, err
	}
	tv, err := s.eval(e.To)
	if err != nil {
		return nil, err
	}
	from, ok1 := rangeBound(fv)
	to, ok2 := rangeBound(tv)
	if !ok1 || !ok2 {
		return nil, nil
	}
	n := to - from
	if n < 0 {
		n = -n
	}
	if n >= maxItems {
		return nil, errors.New("range too large")
	}
	l := &List{Items: make([]any, 0, n+1)}
	step := int64(1)
	if to < from {
		step = -1
	}
	for i := from; ; i += step {
		l.Items = append(l.Items, i)
		if i == to {
			break
		}
	}
	return l, nil
}

func rangeBound(v any) (int64, bool) {
	if s, ok := v.(string); ok {
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return i, err == nil
	}
	i, ok := toInt(v)
	return int64(i), ok
}

// index is v[i] for lists (by position) and maps (by key).
func index(v, i any) any {
	switch x := v.(type) {
	case *List:
		if n, ok := toInt(i); ok {
			if n < 0 {
				n += len(x.Items)
			}
			if n >= 0 && n < len(x.Items) {
				return x.Items[n]
			}
		}
		return nil
	case *Map, map[string]any, map[string]string:
		k, err := str(i)
		if err != nil {
			return nil
		}
		r, _ := mapGet(x, k)
		return r
	}
	return nil
}

// overrides copies what #set put under $context.responseOverride and
// .requestOverride into the result.
func (s *state) overrides(res *Result) {
	if s.ctx == nil {
		return
	}
	if ro, ok := mapValue(s.ctx, "responseOverride").(*Map); ok {
		if v, ok := ro.Get("status"); ok {
			if n, ok := toInt(v); ok {
				res.Status = n
			} else if t, ok := v.(string); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
					res.Status = n
				}
			}
		}
		res.Headers = stringMap(mapValue(ro, "header"))
	}
	if ro, ok := mapValue(s.ctx, "requestOverride").(*Map); ok {
		res.RequestHeaders = stringMap(mapValue(ro, "header"))
		res.RequestQuery = stringMap(mapValue(ro, "querystring"))
		res.RequestPath = stringMap(mapValue(ro, "path"))
	}
}

func mapValue(m *Map, k string) any {
	v, _ := m.Get(k)
	return v
}

func stringMap(v any) map[string]string {
	m, ok := v.(*Map)
	if !ok || len(m.Keys) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.Keys))
	for i, k := range m.Keys {
		if s, err := str(m.Vals[i]); err == nil {
			out[k] = s
		}
	}
	return out
}
