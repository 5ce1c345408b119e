package httpapi

import (
	"fmt"
	"testing"
)

func router(t testing.TB, keys ...string) *Router {
	rt := &Router{}
	for _, k := range keys {
		if !rt.Add(&Route{Key: k}) {
			t.Fatalf("Add(%q) refused", k)
		}
	}
	return rt
}

// The worked example of AWS's developer guide, and the rules around it.
func TestRouteSelection(t *testing.T) {
	rt := router(t, "GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default",
		"POST /orders/{id}/items", "ANY /orders/{id}/items", "GET /a/{x}/c")
	for _, tc := range []struct{ method, path, want, param string }{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", ""},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", "id=2"},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", "proxy=cat/1"},
		{"POST", "/test/5", "ANY /{proxy+}", "proxy=test/5"},
		{"POST", "/orders/7/items", "POST /orders/{id}/items", "id=7"},
		{"DELETE", "/orders/7/items", "ANY /orders/{id}/items", "id=7"},
		{"GET", "/a/b/c", "GET /a/{x}/c", "x=b"},
		{"GET", "/", "$default", ""},
		{"POST", "/pets/dog/1", "ANY /{proxy+}", "proxy=pets/dog/1"},
	} {
		var m Match
		if !rt.Lookup(tc.method, tc.path, &m) || m.Route.Key != tc.want {
			got := "<none>"
			if m.Route != nil {
				got = m.Route.Key
			}
			t.Errorf("%s %s -> %s, want %s", tc.method, tc.path, got, tc.want)
			continue
		}
		if tc.param != "" {
			name, want, _ := cut(tc.param)
			if v, ok := m.Param(name); !ok || v != want {
				t.Errorf("%s %s: param %s = %q, want %q", tc.method, tc.path, name, v, want)
			}
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestNoRoute(t *testing.T) {
	rt := router(t, "GET /pets")
	var m Match
	if rt.Lookup("GET", "/cats", &m) || rt.Lookup("POST", "/pets", &m) {
		t.Fatalf("matched %v", m.Route.Key)
	}
}

func TestBadKeys(t *testing.T) {
	for _, k := range []string{"GET", "GET pets", "GET /{proxy+}/x", ""} {
		if (&Router{}).Add(&Route{Key: k}) {
			t.Errorf("Add(%q) accepted", k)
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	rt := router(t, "GET /pets/dog/{id}", "ANY /{proxy+}")
	var m Match
	if n := testing.AllocsPerRun(100, func() { rt.Lookup("GET", "/pets/dog/42", &m) }); n != 0 {
		t.Fatalf("Lookup allocates %v times", n)
	}
}

// Matching cost follows the path, not the number of routes: compare 10 and
// 10,000 routes with `go test -bench Lookup`.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 10000} {
		keys := []string{"ANY /{proxy+}"}
		for i := 0; i < n; i++ {
			keys = append(keys, fmt.Sprintf("GET /svc%d/items/{id}", i))
		}
		rt := router(b, keys...)
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var m Match
			for b.Loop() {
				rt.Lookup("GET", "/svc7/items/42", &m)
			}
		})
	}
}
