package authpolicy

import (
	"encoding/json"
	"testing"
)

// A REST API's authorizer values are scalars only; an HTTP API's context
// also carries objects and lists, as JSON, and null as nothing.
func TestValues(t *testing.T) {
	for _, c := range []struct {
		v        any
		scalar   string
		ok       bool
		rendered string
	}{
		{"user-1", "user-1", true, "user-1"},
		{json.Number("12.50"), "12.50", true, "12.50"},
		{true, "true", true, "true"},
		{false, "false", true, "false"},
		{nil, "", false, ""},
		{map[string]any{"a": json.Number("1")}, "", false, `{"a":1}`},
		{[]any{"x", false}, "", false, `["x",false]`},
		{float64(3), "", false, "3"},
	} {
		if s, ok := Scalar(c.v); s != c.scalar || ok != c.ok {
			t.Errorf("Scalar(%#v) = %q %v, want %q %v", c.v, s, ok, c.scalar, c.ok)
		}
		if s := Render(c.v); s != c.rendered {
			t.Errorf("Render(%#v) = %q, want %q", c.v, s, c.rendered)
		}
	}
}
