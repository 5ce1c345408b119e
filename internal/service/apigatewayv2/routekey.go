package apigatewayv2

import (
	"slices"
	"strings"
)

// httpMethods are the methods a route key may name; ANY matches every
// method that no route of the same path names.
var httpMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// defaultRoute is the route key that catches what no other route matches.
const defaultRoute = "$default"

// routeKey is a parsed route key: "$default", or a method and a path whose
// segments are literals, {param}s and, last only, one greedy {param+}.
type routeKey struct {
	method string // "" for $default
	segs   []segment
}

type segment struct {
	text   string // the literal, or the parameter's name
	param  bool
	greedy bool
}

// written is the segment as a route key spells it.
func (s segment) written() string {
	switch {
	case s.greedy:
		return "{" + s.text + "+}"
	case s.param:
		return "{" + s.text + "}"
	}
	return s.text
}

// parseRouteKey checks k as API Gateway reads an HTTP API's route keys.
func parseRouteKey(k string) (routeKey, error) {
	if k == defaultRoute {
		return routeKey{}, nil
	}
	if strings.HasPrefix(k, "$") {
		return routeKey{}, badRequest("Invalid route key %q: the only special route key of an HTTP API is $default.", k)
	}
	method, path, ok := strings.Cut(k, " ")
	if !ok || !slices.Contains(httpMethods, method) {
		return routeKey{}, badRequest("Invalid route key %q: it must be $default or an HTTP method (%s) and a path, separated by one space, such as \"GET /pets/{id}\".",
			k, strings.Join(httpMethods, ", "))
	}
	rk := routeKey{method: method}
	if path == "/" {
		return rk, nil
	}
	if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") || strings.Contains(path, "//") {
		return routeKey{}, badRequest("Invalid route key %q: the path must start with / and have no empty segment or trailing /.", k)
	}
	names := map[string]bool{}
	parts := strings.Split(path[1:], "/")
	for i, p := range parts {
		seg, err := parseSegment(k, p)
		if err != nil {
			return routeKey{}, err
		}
		if seg.greedy && i != len(parts)-1 {
			return routeKey{}, badRequest("Invalid route key %q: the greedy path variable {%s+} must be the last segment.", k, seg.text)
		}
		if seg.param {
			if names[seg.text] {
				return routeKey{}, badRequest("Invalid route key %q: the path variable {%s} appears more than once.", k, seg.text)
			}
			names[seg.text] = true
		}
		rk.segs = append(rk.segs, seg)
	}
	return rk, nil
}

func parseSegment(k, p string) (segment, error) {
	inner, ok := strings.CutPrefix(p, "{")
	if !ok {
		for _, r := range p {
			if !literalChar(r) {
				return segment{}, badRequest("Invalid route key %q: the path segment %q has a character (%q) a path may not hold.", k, p, r)
			}
		}
		return segment{text: p}, nil
	}
	inner, ok = strings.CutSuffix(inner, "}")
	greedy := false
	if ok {
		inner, greedy = strings.CutSuffix(inner, "+")
	}
	if !ok || inner == "" || strings.IndexFunc(inner, func(r rune) bool { return !nameChar(r) }) >= 0 {
		return segment{}, badRequest("Invalid route key %q: %q is not a valid path variable; use {name} or, last, {name+}, with letters, digits, '_', '-' or '.' in the name.", k, p)
	}
	return segment{text: inner, param: true, greedy: greedy}, nil
}

// literalChar allows what RFC 3986 allows in a path segment, braces aside.
func literalChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~!$&'()*+,;=:@%", r)
}

func nameChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.'
}

// conflictsWith reports whether two routes' paths name different variables
// at the same level under the same parent: API Gateway keeps one tree of
// paths per API, whatever the methods, and a tree node has one name.
func (a routeKey) conflictsWith(b routeKey) bool {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		x, y := a.segs[i], b.segs[i]
		switch {
		case x.param && y.param && x.greedy == y.greedy:
			if x.text != y.text {
				return true
			}
		case !x.param && !y.param && x.text == y.text:
		default:
			return false // the paths part here
		}
	}
	return false
}
