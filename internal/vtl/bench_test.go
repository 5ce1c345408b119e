package vtl

import "testing"

// A typical integration request template: reshape a JSON body, copy some
// parameters and context.
const typical = `#set($root = $input.path('$'))
{
  "user": "$util.escapeJavaScript($root.name)",
  "age": $root.age,
  "tags": [
#foreach($t in $root.tags)
    "$t"#if($foreach.hasNext),#end
#end
  ],
  "id": "$input.params('id')",
  "stage": "$context.stage",
  "raw": $input.json('$.nested')
}`

func BenchmarkExecute(b *testing.B) {
	tp, err := Parse(typical)
	if err != nil {
		b.Fatal(err)
	}
	in := &Input{
		Body:    []byte(`{"name":"Ann","age":31,"tags":["a","b","c"],"nested":{"x":{"y":"deep"}}}`),
		Path:    map[string]string{"id": "42"},
		Context: map[string]any{"stage": "prod"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tp.Execute(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(typical); err != nil {
			b.Fatal(err)
		}
	}
}
