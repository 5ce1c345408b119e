package httpapi

import (
	"maps"
	"strings"
)

// Router selects an HTTP API route the way AWS does: a full match of static
// and {param} segments first (static beating param at each segment), then the
// longest greedy {proxy+} match, then $default; at each candidate an exact
// method beats ANY. Matching walks the path once, segment by segment, so its
// cost grows with the path's length, not the number of routes, and it does
// not allocate.
type Router struct {
	root     *node
	fallback *Route // $default
}

// Route is a compiled route.
type Route struct {
	Key    string // "GET /pets/{id}"
	Method string // GET, ..., or ANY
	// Params names the {param} segments in order; Greedy names the
	// {proxy+} one, if any.
	Params []string
	Greedy string
	// Integration is the index of the route's integration in its stage's
	// Integrations. A change to the network compiles the integrations
	// anew and keeps the router: an index, unlike a pointer, stays true.
	Integration int
	// IAM says the route's authorizationType is AWS_IAM: a caller must
	// sign with SigV4.
	IAM bool
	// JWT is the route's JWT authorization, nil for a route without.
	JWT *RouteJWT
	// Custom is the id of a CUSTOM route's Lambda authorizer, "" for
	// other routes. Like JWT's, the authorizer is looked up in the API.
	Custom string
	// arnTail is what a Lambda integration's source ARN holds after the
	// stage ("GET/pets/{id}", "$default"); "" for an ANY route, whose
	// tail names each request's method.
	arnTail string
}

// RouteJWT is what a JWT route asks of a request: a token its API's
// authorizer AuthorizerID accepts, holding one of Scopes (none: any).
// The authorizer is looked up by id in the API, not held here, so a
// change to the authorizer alone leaves the routers as they are.
type RouteJWT struct {
	AuthorizerID string
	Scopes       []string
}

type node struct {
	static map[string]*node
	param  *node
	// exact and greedy hold routes ending here, one per method ("ANY"
	// too).
	exact  methods
	greedy methods
}

// methods are the routes of one node, one per method: a handful at most,
// so a slice scanned in order costs less to build and to search than a
// map.
type methods []*Route

func (ms methods) get(method string) *Route {
	for _, r := range ms {
		if r.Method == method {
			return r
		}
	}
	return nil
}

// with returns a new list: ms with r in place of the route of r's method.
func (ms methods) with(r *Route) methods {
	out := make(methods, 0, len(ms)+1)
	for _, x := range ms {
		if x.Method != r.Method {
			out = append(out, x)
		}
	}
	return append(out, r)
}

// without returns a new list: ms but the route of method (nil if none
// is left).
func (ms methods) without(method string) methods {
	var out methods
	for _, x := range ms {
		if x.Method != method {
			out = append(out, x)
		}
	}
	return out
}

// ParseKey splits a route key into method and path: "GET /a/{b}" or
// "$default" (method and path empty).
func ParseKey(key string) (method, path string, ok bool) {
	if key == "$default" {
		return "", "", true
	}
	method, path, ok = strings.Cut(key, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		return "", "", false
	}
	return method, path, true
}

// Add inserts a route; it reports false for a malformed key.
func (rt *Router) Add(r *Route) bool {
	return rt.insert(r, false)
}

// With returns a router holding rt's routes and r (in place of a route of
// the same key), leaving rt as it was: the nodes on r's path are copied,
// every other node is shared. A compile that adds one route to a served
// router pays for the route's path, not for the router's size; rt may be
// serving requests meanwhile. It reports false for a malformed key.
func (rt Router) With(r *Route) (Router, bool) {
	ok := rt.insert(r, true)
	return rt, ok
}

// Without returns a router holding rt's routes but the one of key,
// leaving rt as it was, as With does.
func (rt Router) Without(key string) Router {
	method, path, ok := ParseKey(key)
	if !ok {
		return rt
	}
	if key == "$default" {
		rt.fallback = nil
		return rt
	}
	if rt.root == nil {
		return rt
	}
	rt.root = rt.root.clone()
	n := rt.root
	segs := splitPath(path)
	for i, seg := range segs {
		var next *node
		switch {
		case isGreedy(seg):
			if i != len(segs)-1 || n.greedy.get(method) == nil {
				return rt
			}
			n.greedy = n.greedy.without(method)
			return rt
		case isParam(seg):
			if n.param == nil {
				return rt
			}
			next = n.param.clone()
			n.param = next
		default:
			child := n.static[seg]
			if child == nil {
				return rt
			}
			next = child.clone()
			n.static = maps.Clone(n.static)
			n.static[seg] = next
		}
		n = next
	}
	if n.exact.get(method) != nil {
		n.exact = n.exact.without(method)
	}
	return rt
}

// clone is a shallow copy of n: its maps are shared until the copy
// replaces one.
func (n *node) clone() *node {
	c := *n
	return &c
}

func isGreedy(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}")
}

func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// insert adds r, copying each node it changes when cow is set.
func (rt *Router) insert(r *Route, cow bool) bool {
	method, path, ok := ParseKey(r.Key)
	if !ok {
		return false
	}
	if r.Key == "$default" {
		rt.fallback = r
		return true
	}
	r.Method = method
	if rt.root == nil {
		rt.root = &node{}
	} else if cow {
		rt.root = rt.root.clone()
	}
	n := rt.root
	segs := splitPath(path)
	for i, seg := range segs {
		switch {
		case isGreedy(seg):
			if i != len(segs)-1 {
				return false
			}
			r.Greedy = seg[1 : len(seg)-2]
			n.greedy = n.greedy.with(r) // a new list: never changes one in use
			return true
		case isParam(seg):
			r.Params = append(r.Params, seg[1:len(seg)-1])
			if n.param == nil {
				n.param = &node{}
			} else if cow {
				n.param = n.param.clone()
			}
			n = n.param
		default:
			child := n.static[seg]
			switch {
			case child == nil:
				child = &node{}
			case cow:
				child = child.clone()
			}
			if n.static == nil {
				n.static = map[string]*node{}
			} else if cow {
				n.static = maps.Clone(n.static)
			}
			n.static[seg] = child
			n = child
		}
	}
	n.exact = n.exact.with(r)
	return true
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Match is the result of matching: the route and where its parameters sit in
// the path, so they can be read without allocating until someone asks.
type Match struct {
	Route *Route
	path  string
	// spans of {param} segments in path, in order; greedy is the span of
	// the {proxy+} tail.
	spans  [maxParams][2]int32
	nspans int
	greedy [2]int32
}

const maxParams = 16

// Param returns the value of a path parameter by name.
func (m *Match) Param(name string) (string, bool) {
	if m.Route == nil {
		return "", false
	}
	for i, p := range m.Route.Params {
		if p == name && i < m.nspans {
			return m.path[m.spans[i][0]:m.spans[i][1]], true
		}
	}
	if m.Route.Greedy == name {
		return m.path[m.greedy[0]:m.greedy[1]], true
	}
	return "", false
}

// Lookup matches method and path (without the stage segment).
func (rt *Router) Lookup(method, path string, m *Match) bool {
	m.path = path
	m.Route = nil
	if rt.root != nil {
		var best *Route
		var bestGreedy [2]int32
		var spans [maxParams][2]int32
		if r := rt.walk(rt.root, method, path, skipSlash(path, 0), &spans, 0, &best, &bestGreedy, m); r {
			return true
		}
		if best != nil {
			m.Route, m.greedy = best, bestGreedy
			return true
		}
	}
	if rt.fallback != nil {
		m.Route = rt.fallback
		return true
	}
	return false
}

// walk descends from n at offset i of path. A full (non-greedy) match ends
// the search at once; greedy candidates seen on the way are remembered, the
// deepest winning, since the longest match is the most specific.
func (rt *Router) walk(n *node, method, path string, i int, spans *[maxParams][2]int32, depth int,
	best **Route, bestGreedy *[2]int32, m *Match) bool {
	// A longer greedy match is more specific; at equal length the static
	// branch, walked first, keeps it.
	if r := pick(n.greedy, method); r != nil && i < len(path) && (*best == nil || int32(i) > bestGreedy[0]) {
		*best = r
		*bestGreedy = [2]int32{int32(i), int32(len(path))}
		m.nspans = depth
		m.spans = *spans
	}
	if i >= len(path) {
		if r := pick(n.exact, method); r != nil {
			m.Route, m.nspans, m.spans = r, depth, *spans
			return true
		}
		return false
	}
	end := i
	for end < len(path) && path[end] != '/' {
		end++
	}
	seg := path[i:end]
	next := skipSlash(path, end)
	if child := n.static[seg]; child != nil {
		if rt.walk(child, method, path, next, spans, depth, best, bestGreedy, m) {
			return true
		}
	}
	if n.param != nil && depth < maxParams {
		spans[depth] = [2]int32{int32(i), int32(end)}
		if rt.walk(n.param, method, path, next, spans, depth+1, best, bestGreedy, m) {
			return true
		}
	}
	return false
}

func skipSlash(p string, i int) int {
	for i < len(p) && p[i] == '/' {
		i++
	}
	return i
}

func pick(routes methods, method string) *Route {
	if r := routes.get(method); r != nil {
		return r
	}
	return routes.get("ANY")
}
