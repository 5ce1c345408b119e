package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRouteMatching adds arbitrary route keys and matches arbitrary paths:
// nothing may panic, and a match's parameters must lie inside the path.
func FuzzRouteMatching(f *testing.F) {
	f.Add("GET /pets/{id}", "ANY /{proxy+}", "GET", "/pets/7")
	f.Add("$default", "POST /a/{b}/c", "POST", "/a//c")
	f.Add("GET /{x+}/y", "GET /", "GET", "")
	f.Fuzz(func(t *testing.T, k1, k2, method, path string) {
		rt := &Router{}
		rt.Add(&Route{Key: k1})
		rt.Add(&Route{Key: k2})
		var m Match
		if !rt.Lookup(method, path, &m) {
			return
		}
		for _, p := range append(append([]string{}, m.Route.Params...), m.Route.Greedy) {
			if v, ok := m.Param(p); ok && !strings.Contains(path, v) {
				t.Fatalf("param %s = %q is not part of %q", p, v, path)
			}
		}
	})
}

// FuzzParameterMapping parses arbitrary mapping values and applies them:
// nothing may panic.
func FuzzParameterMapping(f *testing.F) {
	f.Add("overwrite:header.x", "${request.path.id}-$context.stage")
	f.Add("append:querystring.q", "$request.querystring.q")
	f.Add("overwrite:path", "$request.path")
	f.Add("remove:header.y", "${")
	f.Fuzz(func(t *testing.T, key, value string) {
		ops := compileParams(map[string]string{key: value})
		rt := &Router{}
		rt.Add(&Route{Key: "ANY /{id}"})
		in := httptest.NewRequest("GET", "http://x/7?q=1", nil)
		var m Match
		rt.Lookup("GET", "/7", &m)
		out := in.Clone(in.Context())
		apply(ops, &reqContext{in: in, path: "/7", match: &m, stage: &Stage{Name: "s"}, apiID: "a", requestID: "r"}, out)
	})
}
