package apigatewayv2

import (
	"slices"
	"strings"
	"testing"
)

func TestConflictsWith(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"GET /pets/{id}", "POST /pets/{petId}", true},
		{"GET /pets/{id}", "GET /pets/{id}/toys", false},
		{"GET /pets/{id}/toys/{toy}", "GET /pets/{id}/toys/{toyId}", true},
		{"GET /pets/{id}", "GET /pets/{proxy+}", false},
		{"ANY /{proxy+}", "GET /{path+}", true},
		{"GET /pets/dog", "GET /pets/{id}", false},
		{"GET /a/{x}", "GET /b/{y}", false},
		{"$default", "GET /{id}", false},
	}
	for _, c := range cases {
		a, err := parseRouteKey(c.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseRouteKey(c.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.conflictsWith(b); got != c.want || b.conflictsWith(a) != c.want {
			t.Errorf("%q vs %q: conflict %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// FuzzParseRouteKey: route keys come from users; parsing never panics, and
// what it accepts is a method and a clean path (or $default).
func FuzzParseRouteKey(f *testing.F) {
	for _, seed := range []string{"$default", "GET /", "ANY /{proxy+}", "GET /pets/{id}", "POST /a/{b}/c", "GET /{", "GET /a//b", "$connect", "GET /{a+}/b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		rk, err := parseRouteKey(key)
		if err != nil || key == defaultRoute {
			return
		}
		method, path, _ := strings.Cut(key, " ")
		if rk.method != method || !slices.Contains(httpMethods, method) || !strings.HasPrefix(path, "/") {
			t.Fatalf("accepted %q as %+v", key, rk)
		}
		for i, s := range rk.segs {
			if s.text == "" || s.greedy && i != len(rk.segs)-1 || strings.ContainsAny(s.text, "{}/ ") {
				t.Fatalf("accepted %q with segment %+v", key, s)
			}
		}
	})
}
