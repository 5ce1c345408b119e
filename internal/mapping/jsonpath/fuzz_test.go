package jsonpath

import "testing"

// FuzzParse feeds arbitrary paths to the parser and what parses to the
// evaluator: nothing panics, a simple path is definite and selects what
// Eval finds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"$.a.b[0]['c d']", "$..a[?(@.b == 'x' && @.c > 1 || @.d)]", "a[1:2]", "$['a','b'][-1,0]", "$.*", "[*]"} {
		f.Add(s)
	}
	root, err := Decode([]byte(`{"a":{"b":[{"c d":1,"b":"x","c":2}],"c":[1,2,3]},"d":null}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := Parse(expr)
		if err != nil {
			return
		}
		if p.String() != expr {
			t.Fatalf("%q prints as %q", expr, p)
		}
		v, ok := p.Eval(root)
		if p.Simple() == nil {
			if !p.Definite() {
				t.Fatalf("%q is simple but not definite", expr)
			}
			s, sok := p.Select(root)
			if sok != ok || string(AppendJSON(nil, s)) != string(AppendJSON(nil, v)) {
				t.Fatalf("%q: Select %v %v, Eval %v %v", expr, s, sok, v, ok)
			}
		}
		if !p.Definite() && !ok {
			t.Fatalf("%q: an indefinite path always gives a list", expr)
		}
	})
}
