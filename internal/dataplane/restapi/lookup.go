package restapi

import (
	"net/http"
	"sort"
	"strconv"
)

// Lookup matches a request as Serve does, so explain follows the same
// method a request would reach.
func (st *Stage) Lookup(method, path string) *Method {
	return st.root.match(method, path, map[string]string{})
}

// Methods lists the stage's methods by resource path, then method.
func (st *Stage) Methods() []*Method {
	var out []*Method
	var walk func(r *resource)
	walk = func(r *resource) {
		if r == nil {
			return
		}
		for _, m := range r.methods {
			out = append(out, m)
		}
		for _, c := range r.static {
			walk(c)
		}
		walk(r.param)
		walk(r.greedy)
	}
	walk(st.root)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].HTTPMethod < out[j].HTTPMethod
	})
	return out
}

// Method finds a method by resource path and HTTP method, exactly as
// written ("GET /pets/{id}"), without matching.
func (st *Stage) Method(httpMethod, resource string) *Method {
	for _, m := range st.Methods() {
		if m.HTTPMethod == httpMethod && m.Resource == resource {
			return m
		}
	}
	return nil
}

// MethodStatus is the status a caller gets when the integration's backend
// answers status, for explain: a proxy passes it through; otherwise the
// integration response whose selection pattern matches decides, as Serve
// picks it, and with none AWS answers 500.
func (in *Integration) MethodStatus(status int) int {
	if in.Type == "HTTP_PROXY" {
		return status
	}
	sel := in.Default
	code := strconv.Itoa(status)
	for _, r := range in.Responses {
		if r.pattern.MatchString(code) {
			sel = r
			break
		}
	}
	if sel == nil {
		return http.StatusInternalServerError
	}
	return sel.status
}
