package restparam

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Path is the JSONPath of a body source: what follows "body." in
// method.request.body.JSONPATH, the fields and indexes below the root
// ("$." is implied), such as order.items[0].id or ['a b'].size. Wildcards,
// recursion, slices and filters are not part of it.
type Path struct {
	steps []step
}

type step struct {
	field string
	index int // when field is ""
}

var errPath = errors.New("not a JSONPath of fields and indexes")

// ParsePath parses a body source's JSONPath.
func ParsePath(expr string) (*Path, error) {
	p := &Path{}
	s := expr
	for first := true; s != "" || first; first = false {
		switch {
		case s == "":
			return nil, errPath
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, errPath
			}
			st, ok := bracket(s[1:end])
			if !ok {
				return nil, errPath
			}
			p.steps = append(p.steps, st)
			s = s[end+1:]
			continue
		case first:
		case s[0] == '.':
			s = s[1:]
		default:
			return nil, errPath
		}
		n := 0
		for n < len(s) && fieldByte(s[n]) {
			n++
		}
		if n == 0 {
			return nil, errPath
		}
		p.steps = append(p.steps, step{field: s[:n]})
		s = s[n:]
	}
	return p, nil
}

// bracket reads what is inside [...]: a whole number, or a quoted field.
func bracket(in string) (step, bool) {
	if len(in) >= 3 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0] {
		f := in[1 : len(in)-1]
		if strings.ContainsAny(f, `'"\`) {
			return step{}, false
		}
		return step{field: f}, true
	}
	n, err := strconv.Atoi(in)
	if err != nil || n < 0 || strconv.Itoa(n) != in {
		return step{}, false
	}
	return step{index: n}, true
}

func fieldByte(c byte) bool {
	return c > ' ' && c != 0x7f && !strings.ContainsRune(".[]*?@()'\"\\", rune(c))
}

// Select finds what the path names in doc, a value decoded by
// encoding/json (with UseNumber). It reports false when there is nothing
// there.
func (p *Path) Select(doc any) (any, bool) {
	for _, st := range p.steps {
		switch v := doc.(type) {
		case map[string]any:
			if st.field == "" {
				return nil, false
			}
			var ok bool
			if doc, ok = v[st.field]; !ok {
				return nil, false
			}
		case []any:
			if st.field != "" || st.index >= len(v) {
				return nil, false
			}
			doc = v[st.index]
		default:
			return nil, false
		}
	}
	return doc, true
}

// Text is a selected value as a parameter carries it: a string as it is,
// a number or boolean as written, an object or array as compact JSON. A
// null is no value.
func Text(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// String is the path as it was written.
func (p *Path) String() string {
	var b strings.Builder
	for i, st := range p.steps {
		switch {
		case st.field == "":
			b.WriteString("[" + strconv.Itoa(st.index) + "]")
		case fieldOnly(st.field):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(st.field)
		default:
			b.WriteString("['" + st.field + "']")
		}
	}
	return b.String()
}

func fieldOnly(f string) bool {
	for i := 0; i < len(f); i++ {
		if !fieldByte(f[i]) {
			return false
		}
	}
	return f != ""
}
