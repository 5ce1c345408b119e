package vtl

import (
	"strings"

	"gatehouse/internal/mapping/jsonpath"
	"gatehouse/internal/vtl/parse"
)

// roots lists the variables a template reads or writes by name, so a
// caller can skip building what the template never looks at ($context, for
// one, is a map of a few dozen entries). It also compiles the JSONPaths
// written as literals in $input.path('...') and $input.json('...'), so a
// request does not parse them again; one that does not parse is left to
// fail when it runs, as a path built at run time would.
func roots(nodes []parse.Node) (map[string]bool, map[string]*jsonpath.Path) {
	out := map[string]bool{}
	var paths map[string]*jsonpath.Path
	var node func(parse.Node)
	var expr func(parse.Expr)
	ref := func(r *parse.RefExpr) {
		out[r.Name] = true
		if r.Name == "input" && len(r.Parts) > 0 {
			if p := r.Parts[0]; p.Kind == parse.Method && (p.Name == "path" || p.Name == "json") && len(p.Args) == 1 {
				if lit, ok := literal(p.Args[0]); ok {
					if jp, err := jsonpath.Parse(lit); err == nil {
						if paths == nil {
							paths = map[string]*jsonpath.Path{}
						}
						paths[lit] = jp
					}
				}
			}
		}
		for _, p := range r.Parts {
			for _, a := range p.Args {
				expr(a)
			}
			if p.Index != nil {
				expr(p.Index)
			}
		}
	}
	expr = func(e parse.Expr) {
		switch e := e.(type) {
		case *parse.RefExpr:
			ref(e)
		case *parse.StringLit:
			for _, n := range e.Interp {
				node(n)
			}
		case *parse.ListLit:
			for _, it := range e.Items {
				expr(it)
			}
		case *parse.RangeLit:
			expr(e.From)
			expr(e.To)
		case *parse.MapLit:
			for i := range e.Keys {
				expr(e.Keys[i])
				expr(e.Values[i])
			}
		case *parse.Binary:
			expr(e.L)
			expr(e.R)
		case *parse.Unary:
			expr(e.X)
		}
	}
	node = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.Ref:
			ref(n.Ref)
		case *parse.Set:
			ref(n.Target)
			expr(n.Value)
		case *parse.If:
			for _, c := range n.Conds {
				expr(c)
			}
			for _, b := range n.Bodies {
				for _, c := range b {
					node(c)
				}
			}
			for _, c := range n.Else {
				node(c)
			}
		case *parse.Foreach:
			expr(n.Iter)
			for _, c := range n.Body {
				node(c)
			}
		}
	}
	for _, n := range nodes {
		node(n)
	}
	return out, paths
}

// literal is the text of a string literal that renders the same every
// time: without references, or whose interpolation is all text.
func literal(e parse.Expr) (string, bool) {
	lit, ok := e.(*parse.StringLit)
	if !ok {
		return "", false
	}
	if lit.Interp == nil {
		return lit.Value, true
	}
	var b strings.Builder
	for _, n := range lit.Interp {
		t, ok := n.(*parse.Text)
		if !ok {
			return "", false
		}
		b.WriteString(t.Text)
	}
	return b.String(), true
}
