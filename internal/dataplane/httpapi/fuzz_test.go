package httpapi

import (
	"io"
	"net/http"
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

// FuzzResponseMapping parses an arbitrary response mapping and applies it
// to an answer with an arbitrary body: nothing may panic, and a status
// it sets is one.
func FuzzResponseMapping(f *testing.F) {
	f.Add("overwrite:statuscode", "$response.body.status", `{"status":"404"}`)
	f.Add("append:header.x", "${response.body.a[0]['b']}-$response.header.y", `{"a":[{"b":1}]}`)
	f.Add("remove:header.y", "''", "not json")
	f.Fuzz(func(t *testing.T, key, value, body string) {
		m := compileMapping(nil, map[string]map[string]string{"200": {key: value}})
		ops := m.Response[200]
		if ops == nil {
			return
		}
		rt := &Router{}
		rt.Add(&Route{Key: "ANY /{id}"})
		in := httptest.NewRequest("GET", "http://x/7", nil)
		var match Match
		rt.Lookup("GET", "/7", &match)
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Y": {"v"}}, Body: io.NopCloser(strings.NewReader(body))}
		c := &reqContext{in: in, path: "/7", match: &match, stage: &Stage{Name: "s"}, apiID: "a", requestID: "r"}
		if mapResponse(ops, c, resp, m.ResponseBody, 1<<20) && (resp.StatusCode < 100 || resp.StatusCode > 599) {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}
