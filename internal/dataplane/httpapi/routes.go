package httpapi

import "sort"

// Routes lists every route of the router by key. It is for explain, not the
// request path, so it may allocate.
func (rt *Router) Routes() []*Route {
	var out []*Route
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		for _, r := range n.exact {
			out = append(out, r)
		}
		for _, r := range n.greedy {
			out = append(out, r)
		}
		for _, c := range n.static {
			walk(c)
		}
		walk(n.param)
	}
	walk(rt.root)
	if rt.fallback != nil {
		out = append(out, rt.fallback)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Route finds a route by its exact key.
func (rt *Router) Route(key string) *Route {
	for _, r := range rt.Routes() {
		if r.Key == key {
			return r
		}
	}
	return nil
}
