package jsonpath

import (
	"strconv"
	"strings"
)

// Eval applies the path to root, a document Decode made. A definite path
// gives its one value, or found=false; any other path gives an *Array of
// what it matched, possibly empty.
func (p *Path) Eval(root any) (v any, found bool) {
	if p.definite {
		return p.Select(root)
	}
	return &Array{Items: apply([]any{root}, p.steps)}, true
}

// Select is the one value a definite path names in root, found=false when
// there is none; an indefinite path gives its first match.
func (p *Path) Select(root any) (v any, found bool) {
	if p.definite {
		// The common case, one step at a time without building lists.
		v = root
		for _, st := range p.steps {
			switch st.kind {
			case stepName:
				m, ok := v.(*Object)
				if !ok {
					return nil, false
				}
				if v, ok = m.Get(st.names[0]); !ok {
					return nil, false
				}
			case stepIndex:
				l, ok := v.(*Array)
				if !ok {
					return nil, false
				}
				i := st.idx[0]
				if i < 0 {
					i += len(l.Items)
				}
				if i < 0 || i >= len(l.Items) {
					return nil, false
				}
				v = l.Items[i]
			}
		}
		return v, true
	}
	nodes := apply([]any{root}, p.steps)
	if len(nodes) == 0 {
		return nil, false
	}
	return nodes[0], true
}

func apply(nodes []any, steps []step) []any {
	for _, st := range steps {
		var next []any
		for _, n := range nodes {
			if st.deep {
				next = scan(next, n, st, 0)
			} else {
				next = applyStep(next, n, st)
			}
			if len(next) > MaxItems {
				return next[:MaxItems]
			}
		}
		nodes = next
	}
	return nodes
}

// scan applies st to n and to everything below it, as ".." does.
func scan(out []any, n any, st step, depth int) []any {
	if depth > MaxDepth || len(out) > MaxItems {
		return out
	}
	out = applyStep(out, n, st)
	switch x := n.(type) {
	case *Object:
		for _, v := range x.Vals {
			out = scan(out, v, st, depth+1)
		}
	case *Array:
		for _, it := range x.Items {
			out = scan(out, it, st, depth+1)
		}
	}
	return out
}

func applyStep(out []any, n any, st step) []any {
	switch st.kind {
	case stepName:
		if m, ok := n.(*Object); ok {
			for _, name := range st.names {
				if v, ok := m.Get(name); ok {
					out = append(out, v)
				}
			}
		}
	case stepIndex:
		if l, ok := n.(*Array); ok {
			for _, i := range st.idx {
				if i < 0 {
					i += len(l.Items)
				}
				if i >= 0 && i < len(l.Items) {
					out = append(out, l.Items[i])
				}
			}
		}
	case stepWild:
		switch x := n.(type) {
		case *Object:
			out = append(out, x.Vals...)
		case *Array:
			out = append(out, x.Items...)
		}
	case stepSlice:
		if l, ok := n.(*Array); ok {
			lo, hi := 0, len(l.Items)
			if st.lo != nil {
				lo = *st.lo
			}
			if st.hi != nil {
				hi = *st.hi
			}
			if lo < 0 {
				lo = max(0, lo+len(l.Items))
			}
			if hi < 0 {
				hi += len(l.Items)
			}
			hi = min(hi, len(l.Items))
			if lo < hi {
				out = append(out, l.Items[lo:hi]...)
			}
		}
	case stepFilter:
		var items []any
		switch x := n.(type) {
		case *Array:
			items = x.Items
		case *Object:
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

func (f *filter) match(n any) bool {
	ok := f.test(n) && (f.and == nil || f.and.match(n))
	return ok || (f.or != nil && f.or.match(n))
}

func (f *filter) test(n any) bool {
	got := apply([]any{n}, f.path)
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
	c, ok := Compare(v, f.value)
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

// Number reads v as a whole number (int64, or int as templates make) or
// a float64.
func Number(v any) (i int64, f float64, isFloat, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, float64(x), false, true
	case float64:
		return 0, x, true, true
	case int:
		return int64(x), float64(x), false, true
	}
	return 0, 0, false, false
}

// equal compares numbers by value, and other values of different kinds by
// their text, as the Velocity engine behind the filters does.
func equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ai, af, aFloat, aNum := Number(a)
	bi, bf, bFloat, bNum := Number(b)
	if aNum && bNum {
		if !aFloat && !bFloat {
			return ai == bi
		}
		return af == bf
	}
	return text(a) == text(b)
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return string(AppendJSON(nil, v))
}

// Compare orders two numbers or two strings; ok is false for anything else.
func Compare(a, b any) (c int, ok bool) {
	ai, af, aFloat, aNum := Number(a)
	bi, bf, bFloat, bNum := Number(b)
	if aNum && bNum {
		if !aFloat && !bFloat {
			return cmp(ai, bi), true
		}
		return cmp(af, bf), true
	}
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		return strings.Compare(as, bs), true
	}
	return 0, false
}

func cmp[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
