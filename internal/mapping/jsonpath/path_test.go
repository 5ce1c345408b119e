package jsonpath

import (
	"errors"
	"testing"
)

// doc is the store example Jayway's and API Gateway's documentation use.
const doc = `{"store":{"book":[
 {"category":"reference","author":"Nigel Rees","title":"Sayings of the Century","price":8.95},
 {"category":"fiction","author":"Evelyn Waugh","title":"Sword of Honour","price":12.99},
 {"category":"fiction","author":"J. R. R. Tolkien","title":"The Lord of the Rings","isbn":"0-395-19395-8","price":22}],
 "bicycle":{"color":"red","price":19.95}},"a b":{"c":1}}`

func eval(t *testing.T, expr string) string {
	t.Helper()
	root, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	v, ok := p.Eval(root)
	if !ok {
		return "<none>"
	}
	return string(AppendJSON(nil, v))
}

func TestDocumentedForms(t *testing.T) {
	for expr, want := range map[string]string{
		"$":                              "",
		"$.store.bicycle.color":          `"red"`,
		"store.bicycle.color":            `"red"`,
		"$['store']['bicycle']['price']": `19.95`,
		`$["a b"].c`:                     `1`,
		"$.store.book[0].author":         `"Nigel Rees"`,
		"$.store.book[-1].price":         `22`,
		"$.store.book[3]":                `<none>`,
		"$.store.none":                   `<none>`,
		"$.store.book[*].author":         `["Nigel Rees","Evelyn Waugh","J. R. R. Tolkien"]`,
		"$..author":                      `["Nigel Rees","Evelyn Waugh","J. R. R. Tolkien"]`,
		"$.store.*.color":                `["red"]`,
		"$..book[0,1].price":             `[8.95,12.99]`,
		"$..book[:2].category":           `["reference","fiction"]`,
		"$..book[-1:].title":             `["The Lord of the Rings"]`,
		"$..book[?(@.isbn)].title":       `["The Lord of the Rings"]`,
		"$..book[?(@.price < 10)].title": `["Sayings of the Century"]`,
		"$..book[?(@.category == 'fiction' && @.price > 20)].price": `[22]`,
		"$..book[?(@.price == 8.95 || @.price == 22)].price":        `[8.95,22]`,
		"$.store.book[?(@.author != 'Evelyn Waugh')].price":         `[8.95,22]`,
		"$.store['book','bicycle'][0].price":                        `[8.95]`,
		"$.store.book[1]":                                           `{"category":"fiction","author":"Evelyn Waugh","title":"Sword of Honour","price":12.99}`,
	} {
		if want == "" {
			want = eval(t, "$")
			if want[:9] != `{"store":` {
				t.Errorf("$ is %s", want)
			}
			continue
		}
		if got := eval(t, expr); got != want {
			t.Errorf("%s = %s, want %s", expr, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, expr := range []string{"$.", "$.a[", "$.a['b", "$[x]", "$[?(b)]", "$[?(@.a == )]", "$[1,x]"} {
		if p, err := Parse(expr); err == nil {
			t.Errorf("%s parsed as %+v", expr, p.steps)
		}
	}
}

func TestSimple(t *testing.T) {
	for expr, want := range map[string]error{
		"a.b[0]['c d']":  nil,
		"$.a":            nil,
		"$..a":           ErrDeepScan,
		"$.a.*":          ErrWildcard,
		"$.a[*]":         ErrWildcard,
		"$.a[0,1]":       ErrBrackets,
		"$.a['b','c']":   ErrBrackets,
		"$.a[1:]":        ErrBrackets,
		"$.a[-1]":        ErrBrackets,
		"$.a[?(@.b)]":    ErrBrackets,
		"$['x'][12].y.z": nil,
	} {
		p, err := Parse(expr)
		if err != nil {
			t.Fatal(expr, err)
		}
		if got := p.Simple(); !errors.Is(got, want) {
			t.Errorf("%s: Simple() = %v, want %v", expr, got, want)
		}
	}
}

func TestDecodeKeepsOrderAndNumbers(t *testing.T) {
	v, err := Decode([]byte(` {"z":1,"a":[1.5,-2,1e3,true,null,"x\u00e9"],"m":{}} `))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(AppendJSON(nil, v)); got != `{"z":1,"a":[1.5,-2,1000,true,null,"xé"],"m":{}}` {
		t.Errorf("got %s", got)
	}
	for _, bad := range []string{"", "{", `{"a"}`, "[1,]", "01", "nul", `"\x01"`, "1 2"} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

func TestObjectIndexesPastScanMax(t *testing.T) {
	m := NewObject(0)
	for i := range 20 {
		m.Put(string(rune('a'+i)), int64(i))
	}
	m.Remove("c")
	if v, ok := m.Get("t"); !ok || v != int64(19) || m.Find("c") >= 0 || len(m.Keys) != 19 {
		t.Errorf("got %v %v, keys %v", v, ok, m.Keys)
	}
	m.Clear()
	if _, ok := m.Get("a"); ok || len(m.Keys) != 0 {
		t.Error("Clear kept members")
	}
}

func TestText(t *testing.T) {
	v, _ := Decode([]byte(`{"s":"a<b","n":7,"f":2.5,"b":false,"o":{"y":1,"x":[2]},"z":null}`))
	o := v.(*Object)
	for k, want := range map[string]string{"s": "a<b", "n": "7", "f": "2.5", "b": "false", "o": `{"y":1,"x":[2]}`} {
		got, _ := o.Get(k)
		if s, ok := Text(got); !ok || s != want {
			t.Errorf("%s: %q %v, want %q", k, s, ok, want)
		}
	}
	if _, ok := Text(nil); ok {
		t.Error("null has text")
	}
}
