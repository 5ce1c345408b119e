package vtl

import (
	"strings"
	"testing"
)

func run(t *testing.T, tmpl string, in *Input) string {
	t.Helper()
	tp, err := Parse(tmpl)
	if err != nil {
		t.Fatalf("Parse(%q): %v", tmpl, err)
	}
	res, err := tp.Execute(in)
	if err != nil {
		t.Fatalf("Execute(%q): %v", tmpl, err)
	}
	return res.Body
}

func TestLanguage(t *testing.T) {
	in := &Input{
		Body:           []byte(`{"name":"Ann","age":31,"price":10.5,"tags":["a","b","c"],"pets":[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99}],"nested":{"x":{"y":"deep"}},"nothing":null,"ok":true}`),
		Path:           map[string]string{"id": "42"},
		Query:          map[string]string{"q": "cats", "page": "2"},
		Header:         map[string]string{"Content-Type": "application/json", "X-Trace": "t-1"},
		Context:        map[string]any{"stage": "prod", "requestId": "req-1", "identity": map[string]any{"sourceIp": "192.0.2.1"}},
		StageVariables: map[string]string{"env": "test"},
	}
	cases := []struct{ name, tmpl, want string }{
		{"text", "plain text", "plain text"},
		{"undefined renders as written", "a $foo b ${bar} c $foo.baz('x') d", "a $foo b ${bar} c $foo.baz('x') d"},
		{"silent undefined", "a$!foo$!{bar}b", "ab"},
		{"dollar not a reference", "cost: $5 and $ and $.", "cost: $5 and $ and $."},
		{"set and render", `#set($x = "hi")$x ${x}there $!x`, "hi hithere hi"},
		{"braced followed by text", `#set($x = "a")${x}b $x.`, "ab a."},
		{"single quotes do not interpolate", `#set($x = 'v')#set($a = '$x')#set($b = "$x!")$a $b`, "$x v!"},
		{"doubled quotes", `#set($a = "say ""hi""")#set($b = 'it''s')$a $b`, `say "hi" it's`},
		{"arithmetic", `#set($a = 7)#set($b = 2)$a+$b=#set($c = $a + $b)$c ${a}/${b}=#set($d = $a / $b)$d #set($e = $a % $b)$e #set($f = $a * 1.5)$f #set($g = -$a)$g`, "7+2=9 7/2=3 1 10.5 -7"},
		{"division by zero is null", `#set($z = 1)#set($z = 1 / 0)$z`, "1"},
		{"string concatenation", `#set($s = "a" + 1 + 2)$s`, "a12"},
		{"comparison", `#if(1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 == 1.0 && "a" != "b")yes#end`, "yes"},
		{"word operators", `#if(1 lt 2 and not false or false)yes#end#if(2 eq 2)!#end`, "yes!"},
		{"if elseif else", `#foreach($n in [1, 2, 3])#if($n == 1)one#elseif($n == 2)two#{else}many#end #end`, "one two many "},
		{"truthiness", `#if($missing)a#end#if("")b#end#if(false)c#end#if(0)d#end`, "bd"},
		{"not", `#if(!$missing)yes#end`, "yes"},
		{"foreach and hasNext", `[#foreach($t in ["a", "b", "c"])"$t"#if($foreach.hasNext),#end#end]`, `["a","b","c"]`},
		{"velocityCount and index", `#foreach($t in ["a", "b"])$velocityCount:$foreach.index:$foreach.count #end`, "1:0:1 2:1:2 "},
		{"range", `#foreach($i in [1..3])$i#end#foreach($i in [2..0])$i#end`, "123210"},
		{"break", `#foreach($i in [1..9])#if($i == 3)#break#end$i#end.`, "12."},
		{"stop", `a#stop b`, "a"},
		{"nested loops restore $foreach", `#foreach($a in [1, 2])#foreach($b in ["x"])$a$b#end$foreach.hasNext #end`, "1xtrue 2xfalse "},
		{"comments", "a## gone\nb#* also\ngone *#c", "abc"},
		{"unparsed", `#[[ $x #set($y = 1) ]]#`, " $x #set($y = 1) "},
		{"escaped reference", `#set($x = "v")\$x \\$x \$undefined`, `$x \v \$undefined`},
		{"escaped directive", `\#if(true) x`, `#if(true) x`},
		{"hash not a directive", `color: #fff; #foo`, `color: #fff; #foo`},
		{"map literal", `#set($m = {"a": 1, "b": "two"})$m $m.a $m.get("b") $m.size() $m.keySet()`, "{a=1, b=two} 1 two 2 [a, b]"},
		{"map put and entrySet", `#set($m = {})#set($x = $m.put("k", "v"))#set($m.j = 2)#foreach($e in $m.entrySet())$e.key=$e.value;#end`, "k=v;j=2;"},
		{"list methods", `#set($l = [3, 1])#set($x = $l.add(2))$l $l.size() $l.get(0) $l[1] $l.contains(2) $l.isEmpty() $l.indexOf(1)`, "[3, 1, 2] 3 3 1 true false 1"},
		{"string methods", `#set($s = " Hello, World ")$s.trim().toLowerCase() $s.length() $s.contains("World") $s.trim().startsWith("He") $s.trim().endsWith("d") $s.indexOf("W") $s.trim().substring(7) $s.trim().substring(0, 5).toUpperCase()`, "hello, world 14 true true true 8 World HELLO"},
		{"replaceAll and split", `#set($s = "a1b22c")$s.replaceAll("[0-9]+", "-") $s.replaceAll("([a-z])", "<$1>") $s.split("[0-9]+") $s.split("[0-9]+").size() "a,b,,".split(",").size()`, "a-b-c <a>1<b>22<c> [a, b, c] 3 \"a,b,,\".split(\",\").size()"},
		{"property getters", `#set($s = "")$s.empty ["x"].empty`, `true ["x"].empty`},
		{"input.body", `$input.body`, string(in.Body)},
		{"input.json", `$input.json('$.name') $input.json('$.age') $input.json('$.tags') $input.json('$.nested') $input.json('$.missing') $input.json('$.nothing')`, `"Ann" 31 ["a","b","c"] {"x":{"y":"deep"}}  null`},
		{"input.path", `$input.path('$.name') $input.path('$.price') $input.path('$.tags').size() $input.path('$.tags')[1] $input.path('$.tags').get(2) $input.path('$.nested.x.y') $input.path('$.nested').x.y $input.path('$.ok')`, "Ann 10.5 3 b c deep deep true"},
		{"input.path missing", `[$input.path('$.missing')][$input.path('$.nothing')]`, "[][]"},
		{"input.path walk", `#foreach($p in $input.path('$.pets'))$p.type=$p.price #end`, "dog=249.99 cat=124.99 "},
		{"jsonpath forms", `$input.json("$['name']") $input.json('$.pets[*].id') $input.json('$..type') $input.json('$.pets[-1].id') $input.json('$.pets[0,1].id') $input.json('$.tags[1:]') $input.json('$.pets[?(@.price > 200)].type') $input.json("$.pets[?(@.type == 'cat')].id") $input.json('$.nested.*')`,
			`"Ann" [1,2] ["dog","cat"] 2 [1,2] ["b","c"] ["dog"] [2] [{"y":"deep"}]`},
		{"input.params", `$input.params('id') $input.params('q') $input.params('x-trace') $input.params('none')|`, "42 cats t-1 |"},
		{"input.params maps", `$input.params().path.id $input.params().querystring $input.params().header.get('X-Trace') $input.params().keySet()`, "42 {page=2, q=cats} t-1 [path, querystring, header]"},
		{"context", `$context.stage $context.requestId $context.identity.sourceIp $context.nothing`, "prod req-1 192.0.2.1 $context.nothing"},
		{"stage variables", `$stageVariables.env $stageVariables.get('env') $!stageVariables.none`, "test test "},
		{"util", `$util.escapeJavaScript("it's ""q""") $util.urlEncode("a b&c=d/é*~") $util.urlDecode("a+b%26c") $util.base64Encode("hello") $util.base64Decode("aGVsbG8=")`,
			`it\'s \"q\" a+b%26c%3Dd%2F%C3%A9*%7E a b&c aGVsbG8= hello`},
		{"parseJson", `#set($o = $util.parseJson('{"a":{"b":[1,2.5,"x"]}}'))$o.a.b[1] $o.a.b.size() $o`, "2.5 3 {a={b=[1, 2.5, x]}}"},
		{"set null leaves target", `#set($a = "keep")#set($a = $nothing)$a`, "keep"},
		{"interpolated string with method", `#set($n = "Ann")#set($g = "hi $n.toUpperCase() ${n}!")$g`, "hi ANN Ann!"},
		{"index notation", `#set($m = {"k": ["x", "y"]})$m["k"][1] $m.k[0]`, "y x"},
		{"floats", `#set($a = 1.0)$a #set($b = 0.5 + 0.25)$b #set($c = 10000000.0)$c`, "1.0 0.75 1.0E7"},
		{"hyphen in names", `#set($a-b = 1)$a-b $a - 1`, "1 $a - 1"},
		{"number methods", `#set($n = 5)$n.toString() $n.doubleValue()`, "5 5.0"},
		{"escapeJavaScript control and unicode", `$util.escapeJavaScript("a
b	/\é😀")`, `a\nb\t\/\\\u00E9\uD83D\uDE00`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, c.tmpl, in); got != c.want {
				t.Errorf("template %s\n got %q\nwant %q", c.tmpl, got, c.want)
			}
		})
	}
}

func TestWhitespaceGobbling(t *testing.T) {
	tmpl := "{\n  #set($x = 1)\n  #if($x == 1)\n  \"a\": $x\n  #else\n  \"b\": 0\n  #end\n  #foreach($i in [1, 2])\n  \"i$i\": $i#if($foreach.hasNext),#end\n  #end\n}"
	want := "{\n  \"a\": 1\n  \"i1\": 1,\n  \"i2\": 2\n}"
	if got := run(t, tmpl, nil); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestWhitespaceAroundElseif(t *testing.T) {
	tmpl := "[\n#foreach($n in [1, 2, 3])\n  #if($n == 1)\n  one\n  #elseif($n == 2)\n  two\n  #else\n  three\n  #end\n#end\n]"
	want := "[\n  one\n  two\n  three\n]"
	if got := run(t, tmpl, nil); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestResponseOverride(t *testing.T) {
	tp, err := Parse(`#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Tea = "yes")#set($context.responseOverride.header['X-Two'] = 2)#set($context.requestOverride.header.X-Up = "u")#set($context.requestOverride.querystring.q = "1")#set($context.requestOverride.path.id = "9")status $context.responseOverride.status`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tp.Execute(&Input{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 418 || res.Headers["X-Tea"] != "yes" || res.Headers["X-Two"] != "2" || res.Body != "status 418" {
		t.Errorf("got %+v", res)
	}
	if res.RequestHeaders["X-Up"] != "u" || res.RequestQuery["q"] != "1" || res.RequestPath["id"] != "9" {
		t.Errorf("request overrides: %+v", res)
	}
	// A string status counts too, and nothing set leaves zero values.
	tp, _ = Parse(`#set($context.responseOverride.status = "503")`)
	if res, _ := tp.Execute(nil); res.Status != 503 || res.Headers != nil {
		t.Errorf("got %+v", res)
	}
}

func TestStatic(t *testing.T) {
	tp, err := Parse(`{"statusCode": 200}`)
	if err != nil || !tp.Static() {
		t.Fatalf("a template with no $ or # is static: %v", err)
	}
	res, _ := tp.Execute(nil)
	if res.Body != `{"statusCode": 200}` {
		t.Errorf("got %q", res.Body)
	}
	if allocs := testing.AllocsPerRun(100, func() { tp.Execute(nil) }); allocs != 0 {
		t.Errorf("a static template allocates %v times per Execute", allocs)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ tmpl, msg string }{
		{"#if($a)x", "#if without #end at line 1, column 1"},
		{"a\n#foreach($a in $b)", "#foreach without #end at line 2, column 1"},
		{"#end", "#end without a matching #if or #foreach at line 1, column 1"},
		{"#set($a 1)", "#set needs '=' at line 1, column 9"},
		{"#set(a = 1)", "#set needs a reference to assign to at line 1, column 6"},
		{"#if($a", "#if: expected ')' at line 1, column 7"},
		{"x #* open", "unterminated comment at line 1, column 3"},
		{`#set($a = "open)`, "unterminated string at line 1, column 11"},
		{"#if(true)#else#else#end", "#else after #else at line 1, column 15"},
		{"#foreach($a.b in $c)#end", "#foreach's loop variable must be a plain name at line 1, column 14"},
		{"$a.b(1 2)", "expected ',' or ')' at line 1, column 8"},
		{strings.Repeat("#if(true)", 200) + strings.Repeat("#end", 200), "template nested too deeply"},
	}
	for _, c := range cases {
		_, err := Parse(c.tmpl)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", c.tmpl)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%q) = %q, want %q", c.tmpl, err, c.msg)
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("Parse(%q) error is %T, want *Error", c.tmpl, err)
		}
	}
}

func TestRuntimeErrors(t *testing.T) {
	cases := []struct{ tmpl, msg string }{
		{`#foreach($i in [1..1001])#end`, "more than 1000"},
		{`$util.parseJson("{bad")`, "parseJson"},
		{`$util.base64Decode("!!")`, "base64"},
		{`$input.json('$.a')`, "not JSON"},
		{`$input.path('$[')`, "invalid JSONPath"},
		{`$input.path("$['a',")`, "invalid JSONPath"},
		{`#set($s = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")#foreach($i in [1..30])#set($s = "$s$s")#end`, "10 MiB"},
		{`#set($m = {})#set($m.self = $m)$m`, "nested too deeply"},
		{`#set($l = [1])#foreach($i in [1..20])#set($x = $l.addAll($l))#end`, "list too large"},
	}
	for _, c := range cases {
		tp, err := Parse(c.tmpl)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.tmpl, err)
		}
		_, err = tp.Execute(&Input{Body: []byte("not json")})
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Execute(%q) = %v, want an error with %q", c.tmpl, err, c.msg)
		}
	}
	// 1,000 iterations are allowed.
	if got := run(t, `#foreach($i in [1..1000])#end$i`, nil); got != "$i" {
		t.Errorf("got %q", got)
	}
}

func TestEmptyBodyIsAnEmptyObject(t *testing.T) {
	if got := run(t, `$input.json('$')|$input.path('$').size()`, &Input{}); got != "{}|0" {
		t.Errorf("got %q", got)
	}
}

// One parsed template serves concurrent requests: each Execute has state
// of its own, so what one request's #set builds never reaches another.
func TestConcurrentExecute(t *testing.T) {
	tp, err := Parse(`#set($m = {})#set($x = $m.put("v", $input.params('v')))#set($l = $input.path('$.l'))#set($y = $l.add($input.params('v')))$m.v $l`)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 8)
	for i := range 8 {
		go func() {
			v := strings.Repeat("x", i+1)
			res, err := tp.Execute(&Input{Body: []byte(`{"l":[]}`), Query: map[string]string{"v": v}})
			if err != nil {
				done <- err.Error()
				return
			}
			if want := v + " [" + v + "]"; res.Body != want {
				done <- res.Body + " != " + want
				return
			}
			done <- ""
		}()
	}
	for range 8 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

func TestUses(t *testing.T) {
	tp, err := Parse(`#foreach($x in $input.path('$'))#if($foreach.hasNext)"$util.urlEncode($x)"#end#end`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"input": true, "util": true, "foreach": true, "x": true, "context": false, "stageVariables": false} {
		if tp.Uses(name) != want {
			t.Errorf("Uses(%q) = %v", name, !want)
		}
	}
	tp, _ = Parse(`#set($m = {"k": "$context.stage"})$m`)
	if !tp.Uses("context") || tp.Uses("input") {
		t.Error("a reference inside a string inside a map literal is a use")
	}
}

func TestLargeMapKeepsOrder(t *testing.T) {
	tmpl := `#set($m = {})#foreach($i in [1..12])#set($x = $m.put("k$i", $i))#end#set($x = $m.remove("k3"))#set($x = $m.put("k1", "one"))$m.size() $m.k12 $m.k1 $m.get("k3") #foreach($k in $m.keySet())$k,#end`
	want := `11 12 one $m.get("k3") k1,k2,k4,k5,k6,k7,k8,k9,k10,k11,k12,`
	if got := run(t, tmpl, nil); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	body := `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"a":11}`
	if got := run(t, `$input.json('$') $input.path('$.j') $input.path('$.a')`, &Input{Body: []byte(body)}); got != `{"a":11,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10} 10 11` {
		t.Errorf("got %q", got)
	}
}

// A literal JSONPath is compiled when the template is parsed; one built at
// run time, or that does not parse, is parsed when it runs.
func TestLiteralPathsCompiledAtParse(t *testing.T) {
	tp, err := Parse(`$input.path('$.a') $input.json("$.b[0]") $input.path("$.$x") $input.path('$[')`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.paths) != 2 || tp.paths["$.a"] == nil || tp.paths["$.b[0]"] == nil {
		t.Fatalf("compiled paths %v", tp.paths)
	}
	if _, err := tp.Execute(&Input{Body: []byte(`{"a":1,"b":[2]}`)}); err == nil || !strings.Contains(err.Error(), "invalid JSONPath") {
		t.Fatalf("got %v, want the unparsed path's error", err)
	}
	tp, _ = Parse(`#set($x = "a")$input.path("$.$x") $input.json('$.b[0]')`)
	res, err := tp.Execute(&Input{Body: []byte(`{"a":1,"b":[2]}`)})
	if err != nil || res.Body != "1 2" {
		t.Fatalf("got %q, %v", res.Body, err)
	}
}
