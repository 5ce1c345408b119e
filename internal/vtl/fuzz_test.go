package vtl

import (
	"testing"
)

var seeds = []string{
	`#set($a = $input.path('$'))#foreach($x in $a.items)$x.name#if($foreach.hasNext),#end#end`,
	`$input.json('$..a[?(@.b > 1)]') $input.params('x') $util.escapeJavaScript($input.body)`,
	`#if($a == 1)x#elseif($b)y#{else}z#end ## c`,
	`#* c *##[[ raw ]]#\$x \#if ${x}y $!z $a[0].b("c", [1..3], {"k": 'v'})`,
	`#set($context.responseOverride.status = 400)#set($m = {})#set($m.k = "$m")`,
	`#foreach($i in [1..5])#break#stop#end`,
	`"a""b" 'c''d' 1.5 -2 !$x && $y || not $z`,
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse error is %T", err)
			}
			return
		}
		tp.Execute(&Input{Body: []byte(`{"a":[{"b":2}],"items":[{"name":"n"}]}`)})
	})
}

func FuzzExecute(f *testing.F) {
	for _, s := range seeds {
		f.Add(s, `{"a":[{"b":2}],"items":[{"name":"n"}]}`, "v")
	}
	f.Fuzz(func(t *testing.T, src, body, param string) {
		tp, err := Parse(src)
		if err != nil {
			return
		}
		res, err := tp.Execute(&Input{
			Body:           []byte(body),
			Path:           map[string]string{"p": param},
			Query:          map[string]string{"q": param},
			Header:         map[string]string{"H": param},
			Context:        map[string]any{"stage": param, "identity": map[string]any{"sourceIp": param}},
			StageVariables: map[string]string{"s": param},
		})
		if err == nil && len(res.Body) > maxOutput {
			t.Fatalf("output of %d bytes", len(res.Body))
		}
	})
}
