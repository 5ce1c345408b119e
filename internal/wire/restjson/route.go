package restjson

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"gatehouse/internal/api"
)

// maxLabels bounds the labels of one pattern so that a match can record them
// in a fixed array and allocate nothing. API Gateway's deepest paths have four.
const maxLabels = 8

// node is one path segment of the route tree. A request segment tries the
// literal child first, then the label child, then the greedy label, and the
// walk backtracks when a branch dead-ends: "/v2/apis/quotas" beats
// "/v2/apis/{apiId}" in whatever order the ops were listed.
type node struct {
	literal map[string]*node
	label   *node // {name}: exactly one non-empty segment
	greedy  *node // {name+}: the rest of the path, one or more segments
	// routes are the operations that end here, most specific query first.
	routes []*route
}

// route is one operation bound to a method and a path pattern.
type route struct {
	method  string
	pattern string
	// query is the literal query a pattern may carry ("/restapis?mode=import"
	// sets ImportRestApi apart from CreateRestApi on the same method and path).
	query  url.Values
	labels []string // label names in path order
	op     api.Op
	plan   *plan
}

// insert adds r to the tree under pattern's path.
func (n *node) insert(r *route, path string) error {
	if path == "" || path[0] != '/' {
		return fmt.Errorf("path %q does not start with /", path)
	}
	if path != "/" {
		segs := strings.Split(path[1:], "/")
		for i, seg := range segs {
			name, kind, err := parseSegment(seg)
			if err != nil {
				return fmt.Errorf("path %q: %w", path, err)
			}
			switch kind {
			case segLiteral:
				if n.literal == nil {
					n.literal = map[string]*node{}
				}
				if n.literal[seg] == nil {
					n.literal[seg] = &node{}
				}
				n = n.literal[seg]
			case segLabel:
				if n.label == nil {
					n.label = &node{}
				}
				n = n.label
				r.labels = append(r.labels, name)
			case segGreedy:
				if i != len(segs)-1 {
					return fmt.Errorf("path %q: greedy label {%s+} must be the last segment", path, name)
				}
				if n.greedy == nil {
					n.greedy = &node{}
				}
				n = n.greedy
				r.labels = append(r.labels, name)
			}
		}
	}
	if len(r.labels) > maxLabels {
		return fmt.Errorf("path %q has more than %d labels", path, maxLabels)
	}
	for _, other := range n.routes {
		if other.method == r.method && other.query.Encode() == r.query.Encode() {
			return fmt.Errorf("%s %s and %s %s bind the same route", other.op.Name, other.pattern, r.op.Name, r.pattern)
		}
	}
	n.routes = append(n.routes, r)
	sort.SliceStable(n.routes, func(i, j int) bool { return len(n.routes[i].query) > len(n.routes[j].query) })
	return nil
}

type segKind int

const (
	segLiteral segKind = iota
	segLabel
	segGreedy
)

func parseSegment(seg string) (name string, kind segKind, err error) {
	if seg == "" {
		return "", 0, fmt.Errorf("empty segment")
	}
	inner, ok := strings.CutPrefix(seg, "{")
	if !ok {
		if strings.ContainsAny(seg, "{}") {
			return "", 0, fmt.Errorf("segment %q mixes a label with literal text", seg)
		}
		return "", segLiteral, nil
	}
	inner, ok = strings.CutSuffix(inner, "}")
	if !ok || inner == "" || strings.ContainsAny(inner, "{}") {
		return "", 0, fmt.Errorf("malformed label %q", seg)
	}
	if name, ok := strings.CutSuffix(inner, "+"); ok && name != "" {
		return name, segGreedy, nil
	}
	return inner, segLabel, nil
}

// span locates one label's value in the escaped request path.
type span struct{ start, end int }

// matcher is one request's walk down the tree. It lives on the caller's stack;
// labels are recorded as offsets into the path, so matching allocates only
// when a segment carries percent-escapes.
type matcher struct {
	path     string // escaped, as it came on the wire
	method   string
	rawQuery string
	query    url.Values // parsed on first need
	caps     [maxLabels]span
	// known is the first node whose path matched but whose routes did not
	// take the method or query, for the error message.
	known *node
}

// find returns the route that serves the request, or nil.
func (m *matcher) find(root *node) *route {
	if m.path == "" || m.path[0] != '/' {
		return nil
	}
	if m.path == "/" {
		return m.pick(root)
	}
	return m.walk(root, 1, 0)
}

// walk matches the segment starting at path[i]; k labels are recorded so far.
func (m *matcher) walk(n *node, i, k int) *route {
	seg, next := m.path[i:], -1
	if j := strings.IndexByte(seg, '/'); j >= 0 {
		seg, next = seg[:j], i+j+1
	}
	if c := n.literal[literalKey(seg)]; c != nil {
		if r := m.descend(c, next, k); r != nil {
			return r
		}
	}
	if n.label != nil && seg != "" && k < maxLabels {
		m.caps[k] = span{i, i + len(seg)}
		if r := m.descend(n.label, next, k+1); r != nil {
			return r
		}
	}
	if n.greedy != nil && i < len(m.path) && k < maxLabels {
		m.caps[k] = span{i, len(m.path)}
		if r := m.pick(n.greedy); r != nil {
			return r
		}
	}
	return nil
}

func (m *matcher) descend(n *node, next, k int) *route {
	if next < 0 {
		return m.pick(n)
	}
	return m.walk(n, next, k)
}

// pick chooses among the routes ending at n by method and literal query.
func (m *matcher) pick(n *node) *route {
	for _, r := range n.routes {
		if r.method == m.method && m.queryHas(r.query) {
			return r
		}
	}
	if len(n.routes) > 0 && m.known == nil {
		m.known = n
	}
	return nil
}

func (m *matcher) queryHas(want url.Values) bool {
	if len(want) == 0 {
		return true
	}
	if m.query == nil {
		// A query that does not parse still yields its good pairs; the
		// binder reports the bad ones if the op reads the query at all.
		m.query, _ = url.ParseQuery(m.rawQuery)
	}
	for k, vs := range want {
		if !m.query.Has(k) || m.query.Get(k) != vs[0] {
			return false
		}
	}
	return true
}

// label returns the unescaped value of the i-th label of the matched route.
func (m *matcher) label(i int) (string, error) {
	return url.PathUnescape(m.path[m.caps[i].start:m.caps[i].end])
}

// literalKey is seg as the tree stores literals: unescaped. Only a segment
// with an escape pays for the copy.
func literalKey(seg string) string {
	if strings.IndexByte(seg, '%') < 0 {
		return seg
	}
	if u, err := url.PathUnescape(seg); err == nil {
		return u
	}
	return seg
}

// allowed lists the methods of the routes ending at n.
func allowed(n *node) string {
	var ms []string
	for _, r := range n.routes {
		if !slices.Contains(ms, r.method) {
			ms = append(ms, r.method)
		}
	}
	sort.Strings(ms)
	return strings.Join(ms, ", ")
}
