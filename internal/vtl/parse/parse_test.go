package parse

import (
	"reflect"
	"testing"
)

func TestParseShapes(t *testing.T) {
	cases := []struct {
		src  string
		want []Node
	}{
		{"a $b c", []Node{&Text{"a "}, &Ref{Ref: &RefExpr{Name: "b"}, Raw: "$b"}, &Text{" c"}}},
		{"$!{x.y}", []Node{&Ref{Ref: &RefExpr{Name: "x", Parts: []Part{{Kind: Property, Name: "y"}}}, Raw: "$!{x.y}", Silent: true}}},
		{`$a.b('c', 1)[2]`, []Node{&Ref{Raw: `$a.b('c', 1)[2]`, Ref: &RefExpr{Name: "a", Parts: []Part{
			{Kind: Method, Name: "b", Args: []Expr{&StringLit{Value: "c"}, &IntLit{Value: 1}}},
			{Kind: Index, Index: &IntLit{Value: 2}},
		}}}}},
		{`\$a`, []Node{&Ref{Ref: &RefExpr{Name: "a"}, Raw: "$a", Escapes: 1}}},
		{"#set($a = 1 + 2 * 3)", []Node{&Set{Target: &RefExpr{Name: "a"},
			Value: &Binary{Op: "+", L: &IntLit{Value: 1}, R: &Binary{Op: "*", L: &IntLit{Value: 2}, R: &IntLit{Value: 3}}}}}},
		{"#if($a)x#elseif($b)y#{else}z#end", []Node{&If{
			Conds:  []Expr{&RefExpr{Name: "a"}, &RefExpr{Name: "b"}},
			Bodies: [][]Node{{&Text{"x"}}, {&Text{"y"}}},
			Else:   []Node{&Text{"z"}},
		}}},
		{"#foreach($i in [1..3])$i#end", []Node{&Foreach{Var: "i", Iter: &RangeLit{From: &IntLit{Value: 1}, To: &IntLit{Value: 3}},
			Body: []Node{&Ref{Ref: &RefExpr{Name: "i"}, Raw: "$i"}}}}},
		{`#set($m = {"k": [true, null]})`, []Node{&Set{Target: &RefExpr{Name: "m"},
			Value: &MapLit{Keys: []Expr{&StringLit{Value: "k"}}, Values: []Expr{&ListLit{Items: []Expr{&BoolLit{Value: true}, &NullLit{}}}}}}}},
		{"  #set($a = 1)\nb", []Node{&Set{Target: &RefExpr{Name: "a"}, Value: &IntLit{Value: 1}}, &Text{"b"}}},
		{"a ## c\nb#* d *#e#[[$f]]#", []Node{&Text{"a be$f"}}},
	}
	for _, c := range cases {
		got, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) gave a different tree", c.src)
		}
	}
}

func TestParseErrorPosition(t *testing.T) {
	_, err := Parse("line one\n  #set($a = )")
	e, ok := err.(*Error)
	if !ok || e.Line != 2 || e.Column != 13 {
		t.Fatalf("got %v", err)
	}
}
