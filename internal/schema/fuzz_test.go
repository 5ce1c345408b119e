package schema

import "testing"

// FuzzSchema feeds models and bodies from anyone: compiling never panics,
// and a compiled model validates any body without panicking.
func FuzzSchema(f *testing.F) {
	f.Add(`{"type":"object","required":["a"],"properties":{"a":{"type":"integer","minimum":1}}}`, `{"a":2}`)
	f.Add(`{"type":"array","items":{"$ref":"#/definitions/x"},"definitions":{"x":{"enum":[1,"a",null]}}}`, `[1,"a",null,2]`)
	f.Add(`{"$ref":"https://apigateway.amazonaws.com/restapis/a1/models/M"}`, `{}`)
	f.Add(`{"pattern":"^(a+)+$","type":"string"}`, `"aaaaaaaaaaaaaaaaaaaaaaaa!"`)
	f.Add(`not json`, `{"deep":[[[[[[[[[[]]]]]]]]]]}`)
	f.Fuzz(func(t *testing.T, model, body string) {
		s, err := Compile("a1", "M", map[string]string{"M": model})
		if err != nil {
			return
		}
		_ = s.Validate([]byte(body))
	})
}
