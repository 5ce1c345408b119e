package vtl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeJSON parses a JSON document into the values templates use:
// objects as *Map (keeping key order), arrays as *List, integers as int64
// and other numbers as float64.
func decodeJSON(data []byte) (any, error) {
	d := &decoder{data: data}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos != len(d.data) {
		return nil, d.errorf("unexpected data after the JSON value")
	}
	return v, nil
}

type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", d.pos, fmt.Sprintf(format, args...))
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxValueDepth*5 {
		return nil, d.errorf("nested too deeply")
	}
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		d.pos++
		m := newMap(4)
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return m, nil
		}
		for {
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return nil, d.errorf("expected a string key")
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return nil, d.errorf("expected ':'")
			}
			d.pos++
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m.put(k, v)
			d.space()
			if d.pos < len(d.data) && d.data[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.pos < len(d.data) && d.data[d.pos] == '}' {
				d.pos++
				return m, nil
			}
			return nil, d.errorf("expected ',' or '}'")
		}
	case c == '[':
		d.pos++
		l := &List{}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return l, nil
		}
		for {
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
			d.space()
			if d.pos < len(d.data) && d.data[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.pos < len(d.data) && d.data[d.pos] == ']' {
				d.pos++
				return l, nil
			}
			return nil, d.errorf("expected ',' or ']'")
		}
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	for _, lit := range []struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(string(d.data[d.pos:min(len(d.data), d.pos+5)]), lit.text) {
			d.pos += len(lit.text)
			return lit.v, nil
		}
	}
	return nil, d.errorf("unexpected character %q", d.data[d.pos])
}

func (d *decoder) str() (string, error) {
	start := d.pos
	d.pos++
	escaped := false
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; {
		case c == '"':
			d.pos++
			raw := d.data[start:d.pos]
			if !escaped && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", d.errorf("bad string")
			}
			return s, nil
		case c == '\\':
			escaped = true
			d.pos += 2
		case c < 0x20:
			return "", d.errorf("control character in string")
		default:
			d.pos++
		}
	}
	return "", d.errorf("unterminated string")
}

func (d *decoder) number() (any, error) {
	start := d.pos
	isFloat := false
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c >= '0' && c <= '9' || c == '-' || c == '+' {
			d.pos++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
			d.pos++
			continue
		}
		break
	}
	text := string(d.data[start:d.pos])
	if !json.Valid(d.data[start:d.pos]) {
		return nil, d.errorf("bad number %q", text)
	}
	if !isFloat {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, d.errorf("bad number %q", text)
	}
	return f, nil
}

// appendJSON encodes v as compact JSON, objects' keys in their order.
func appendJSON(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return nil, errTooDeep
	}
	if len(b) > maxOutput {
		return nil, errTooLarge
	}
	var err error
	switch x := v.(type) {
	case nil:
		b = append(b, "null"...)
	case string:
		b = appendJSONString(b, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case int:
		b = strconv.AppendInt(b, int64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		}
	case bool:
		b = strconv.AppendBool(b, x)
	case *Map:
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, err = appendJSON(b, x.vals[i], depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	case *List:
		b = append(b, '[')
		for i, it := range x.items {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, it, depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	default:
		s, err := str(v)
		if err != nil {
			return nil, err
		}
		b = appendJSONString(b, s)
	}
	return b, nil
}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// A jsonPath is a compiled JSONPath expression, in the subset of Jayway's
// syntax API Gateway documents: $, .name, ['name'], [n], [a,b], [s:e],
// [*], .*, ..name and [?(@.x op value)] filters.
type jsonPath struct {
	steps    []pathStep
	definite bool // one result, not a list: no wildcard, scan, union, slice or filter
}

type stepKind uint8

const (
	stepName stepKind = iota
	stepIndex
	stepWild
	stepSlice
	stepFilter
)

type pathStep struct {
	kind   stepKind
	deep   bool // ".." before the step
	names  []string
	idx    []int
	lo, hi *int
	filter *filterExpr
}

type filterExpr struct {
	path  []pathStep // relative to @
	op    string     // "" tests existence
	value any
	and   *filterExpr
	or    *filterExpr
}

func compilePath(expr string) (*jsonPath, error) {
	p := &pathParser{s: strings.TrimSpace(expr)}
	if strings.HasPrefix(p.s, "$") {
		p.pos = 1
	} else if p.s != "" && p.s[0] != '.' && p.s[0] != '[' {
		// Jayway reads a bare "a.b" as "$.a.b".
		p.s = "$." + p.s
		p.pos = 1
	}
	steps, err := p.steps(false)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %w", expr, err)
	}
	jp := &jsonPath{steps: steps, definite: true}
	for _, st := range steps {
		if st.deep || st.kind == stepWild || st.kind == stepSlice || st.kind == stepFilter || len(st.names) > 1 || len(st.idx) > 1 {
			jp.definite = false
		}
	}
	return jp, nil
}

type pathParser struct {
	s   string
	pos int
}

func (p *pathParser) steps(inFilter bool) ([]pathStep, error) {
	var steps []pathStep
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if inFilter && (c == ' ' || c == ')' || c == '=' || c == '!' || c == '<' || c == '>' || c == '&' || c == '|') {
			break
		}
		switch c {
		case '.':
			deep := strings.HasPrefix(p.s[p.pos:], "..")
			if deep {
				p.pos += 2
			} else {
				p.pos++
			}
			if p.pos < len(p.s) && p.s[p.pos] == '[' {
				st, err := p.bracket()
				if err != nil {
					return nil, err
				}
				st.deep = deep
				steps = append(steps, st)
				continue
			}
			if p.pos < len(p.s) && p.s[p.pos] == '*' {
				p.pos++
				steps = append(steps, pathStep{kind: stepWild, deep: deep})
				continue
			}
			start := p.pos
			for p.pos < len(p.s) && !strings.ContainsRune(".[ )=!<>&|", rune(p.s[p.pos])) {
				p.pos++
			}
			if p.pos == start {
				return nil, errors.New("empty property name")
			}
			steps = append(steps, pathStep{kind: stepName, deep: deep, names: []string{p.s[start:p.pos]}})
		case '[':
			st, err := p.bracket()
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
		default:
			return nil, fmt.Errorf("unexpected %q", c)
		}
	}
	return steps, nil
}

func (p *pathParser) bracket() (pathStep, error) {
	p.pos++ // '['
	p.space()
	if p.pos >= len(p.s) {
		return pathStep{}, errors.New("unterminated '['")
	}
	var st pathStep
	switch c := p.s[p.pos]; {
	case c == '*':
		p.pos++
		st.kind = stepWild
	case c == '?':
		p.pos++
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != '(' {
			return st, errors.New("expected '(' after '?'")
		}
		p.pos++
		f, err := p.filterOr()
		if err != nil {
			return st, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return st, errors.New("expected ')'")
		}
		p.pos++
		st.kind, st.filter = stepFilter, f
	case c == '\'' || c == '"':
		st.kind = stepName
		for {
			name, err := p.quoted()
			if err != nil {
				return st, err
			}
			st.names = append(st.names, name)
			p.space()
			if p.pos < len(p.s) && p.s[p.pos] == ',' {
				p.pos++
				p.space()
				continue
			}
			break
		}
	default:
		lo, ok := p.int()
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == ':' {
			p.pos++
			p.space()
			st.kind = stepSlice
			if ok {
				st.lo = &lo
			}
			if hi, ok := p.int(); ok {
				st.hi = &hi
			}
			break
		}
		if !ok {
			return st, errors.New("expected an index, a name, '*' or a filter in '[ ]'")
		}
		st.kind, st.idx = stepIndex, []int{lo}
		for p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			p.space()
			i, ok := p.int()
			if !ok {
				return st, errors.New("expected an index")
			}
			st.idx = append(st.idx, i)
			p.space()
		}
	}
	p.space()
	if p.pos >= len(p.s) || p.s[p.pos] != ']' {
		return st, errors.New("expected ']'")
	}
	p.pos++
	return st, nil
}

func (p *pathParser) space() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *pathParser) int() (int, bool) {
	start := p.pos
	if p.pos < len(p.s) && p.s[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.Atoi(p.s[start:p.pos])
	if err != nil || n > maxItems || n < -maxItems {
		p.pos = start
		return 0, false
	}
	return n, true
}

func (p *pathParser) quoted() (string, error) {
	q := p.s[p.pos]
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", errors.New("unterminated quoted name")
	}
	name := p.s[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return name, nil
}

func (p *pathParser) filterOr() (*filterExpr, error) {
	f, err := p.filterAnd()
	if err != nil {
		return nil, err
	}
	p.space()
	if strings.HasPrefix(p.s[p.pos:], "||") {
		p.pos += 2
		if f.or, err = p.filterOr(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *pathParser) filterAnd() (*filterExpr, error) {
	p.space()
	if p.pos >= len(p.s) || p.s[p.pos] != '@' {
		return nil, errors.New("a filter starts with '@'")
	}
	p.pos++
	steps, err := p.steps(true)
	if err != nil {
		return nil, err
	}
	f := &filterExpr{path: steps}
	p.space()
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.s[p.pos:], op) {
			p.pos += len(op)
			p.space()
			f.op = op
			if f.value, err = p.literal(); err != nil {
				return nil, err
			}
			break
		}
	}
	p.space()
	if strings.HasPrefix(p.s[p.pos:], "&&") {
		p.pos += 2
		if f.and, err = p.filterAnd(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *pathParser) literal() (any, error) {
	if p.pos >= len(p.s) {
		return nil, errors.New("expected a value")
	}
	if c := p.s[p.pos]; c == '\'' || c == '"' {
		return p.quoted()
	}
	start := p.pos
	for p.pos < len(p.s) && !strings.ContainsRune(" )&|", rune(p.s[p.pos])) {
		p.pos++
	}
	text := p.s[start:p.pos]
	switch text {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return i, nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("bad value %q", text)
}

// eval applies the path to root. A definite path gives its one value, or
// found=false; any other path gives the list of what it matched.
func (jp *jsonPath) eval(root any) (v any, found bool) {
	nodes := applySteps([]any{root}, jp.steps)
	if jp.definite {
		if len(nodes) == 0 {
			return nil, false
		}
		return nodes[0], true
	}
	return &List{items: nodes}, true
}

func applySteps(nodes []any, steps []pathStep) []any {
	for _, st := range steps {
		var next []any
		for _, n := range nodes {
			if st.deep {
				next = scan(next, n, st, 0)
			} else {
				next = applyStep(next, n, st)
			}
			if len(next) > maxItems {
				return next[:maxItems]
			}
		}
		nodes = next
	}
	return nodes
}

// scan applies st to n and to everything below it, as ".." does.
func scan(out []any, n any, st pathStep, depth int) []any {
	if depth > maxValueDepth*5 || len(out) > maxItems {
		return out
	}
	out = applyStep(out, n, st)
	switch x := n.(type) {
	case *Map:
		for _, v := range x.vals {
			out = scan(out, v, st, depth+1)
		}
	case *List:
		for _, it := range x.items {
			out = scan(out, it, st, depth+1)
		}
	}
	return out
}

func applyStep(out []any, n any, st pathStep) []any {
	switch st.kind {
	case stepName:
		if m, ok := n.(*Map); ok {
			for _, name := range st.names {
				if v, ok := m.get(name); ok {
					out = append(out, v)
				}
			}
		}
	case stepIndex:
		if l, ok := n.(*List); ok {
			for _, i := range st.idx {
				if i < 0 {
					i += len(l.items)
				}
				if i >= 0 && i < len(l.items) {
					out = append(out, l.items[i])
				}
			}
		}
	case stepWild:
		switch x := n.(type) {
		case *Map:
			out = append(out, x.vals...)
		case *List:
			out = append(out, x.items...)
		}
	case stepSlice:
		if l, ok := n.(*List); ok {
			lo, hi := 0, len(l.items)
			if st.lo != nil {
				lo = *st.lo
			}
			if st.hi != nil {
				hi = *st.hi
			}
			if lo < 0 {
				lo = max(0, lo+len(l.items))
			}
			if hi < 0 {
				hi += len(l.items)
			}
			hi = min(hi, len(l.items))
			if lo < hi {
				out = append(out, l.items[lo:hi]...)
			}
		}
	case stepFilter:
		var items []any
		switch x := n.(type) {
		case *List:
			items = x.items
		case *Map:
			items = []any{x}
		}
		for _, it := range items {
			if st.filter.match(it) {
				out = append(out, it)
			}
		}
	}
	return out
}

func (f *filterExpr) match(n any) bool {
	ok := f.test(n) && (f.and == nil || f.and.match(n))
	return ok || (f.or != nil && f.or.match(n))
}

func (f *filterExpr) test(n any) bool {
	got := applySteps([]any{n}, f.path)
	if f.op == "" {
		return len(got) > 0
	}
	if len(got) == 0 {
		return false
	}
	v := got[0]
	switch f.op {
	case "==":
		return equal(v, f.value)
	case "!=":
		return !equal(v, f.value)
	}
	c, ok := compare(v, f.value)
	if !ok {
		return false
	}
	switch f.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}
