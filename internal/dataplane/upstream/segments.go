package upstream

import "strings"

// AnyMethod reports whether method is one of those an ANY route or method
// stands for on AWS: DELETE, GET, HEAD, OPTIONS, PATCH, POST and PUT.
// Nothing else (TRACE, CONNECT, made-up methods) reaches an integration.
func AnyMethod(method string) bool {
	switch method {
	case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS":
		return true
	}
	return false
}

// HasDotSegment reports whether a decoded path has a "." or ".." segment
// (an encoded %2e%2e is one once decoded).
func HasDotSegment(p string) bool {
	for i := strings.Index(p, "."); i >= 0; {
		if (i == 0 || p[i-1] == '/') && dotSegmentEnd(p[i:]) > 0 {
			return true
		}
		j := strings.Index(p[i+1:], ".")
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// dotSegmentEnd is the length of the "." or ".." segment s starts with, 0
// when it starts with none.
func dotSegmentEnd(s string) int {
	switch {
	case s == "." || strings.HasPrefix(s, "./"):
		return 1
	case s == ".." || strings.HasPrefix(s, "../"):
		return 2
	}
	return 0
}

// CleanPath resolves the "." and ".." segments of an absolute path as RFC
// 3986 (5.2.4) does, never above the root; everything else (empty
// segments, a trailing slash) stays as it was.
func CleanPath(p string) string {
	if !HasDotSegment(p) {
		return p
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	out := segs[:0]
	trailing := false
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			trailing = last
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = last
		default:
			out = append(out, s)
			trailing = false
		}
	}
	r := "/" + strings.Join(out, "/")
	if trailing && !strings.HasSuffix(r, "/") {
		r += "/"
	}
	return r
}

// CleanValue resolves the dot segments of a path parameter's value before
// it is put into an integration's URI, within the value itself: "../x"
// becomes "x", so the backend path stays under the URI's base path
// whatever the client sent or a mapping supplied.
func CleanValue(v string) string {
	if !strings.Contains(v, ".") || !HasDotSegment(v) {
		return v
	}
	return strings.TrimPrefix(CleanPath("/"+v), "/")
}
