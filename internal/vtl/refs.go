package vtl

import "gatehouse/internal/vtl/parse"

// roots lists the variables a template reads or writes by name, so a
// caller can skip building what the template never looks at ($context, for
// one, is a map of a few dozen entries).
func roots(nodes []parse.Node) map[string]bool {
	out := map[string]bool{}
	var node func(parse.Node)
	var expr func(parse.Expr)
	ref := func(r *parse.RefExpr) {
		out[r.Name] = true
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
	return out
}
