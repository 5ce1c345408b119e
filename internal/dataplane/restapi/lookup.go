package restapi

import (
	"sort"

	"gatehouse/internal/network"
)

// Entry is one way into the balancer through a VPC link V2, as explain shows
// it: the ENI, the node it reaches and the verdict the request path obeys.
type Entry struct {
	ENI     string
	Src     network.Endpoint
	Node    int
	Verdict network.Verdict
}

// LinkEntries lists the V2 link's ways into the balancer. It copies, so the
// request path keeps its compact unexported form.
func (in *Integration) LinkEntries() []Entry {
	out := make([]Entry, 0, len(in.Entries))
	for i, e := range in.Entries {
		out = append(out, Entry{ENI: e.eni, Src: e.src, Node: e.node, Verdict: in.verdicts[i]})
	}
	return out
}

// PrivateLinkSource is the address the endpoint service's traffic comes
// from, for explain to name the v1 hop's source.
func PrivateLinkSource() network.Endpoint { return privateLinkSource }

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
