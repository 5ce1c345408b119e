// Package wildcard matches strings against AWS-style patterns, where * is any
// run of characters and ? any one: EC2 filter values and ALB rule conditions
// both use them. Matching is linear in practice (one backtrack point), so no
// pattern a caller sends can make it slow, and it never allocates.
package wildcard

// Match reports whether s matches pattern p; fold makes ASCII letters match
// either case.
func Match(p, s string, fold bool) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || eq(p[pi], s[si], fold)):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			// Remember the star; first try letting it match nothing.
			star, mark = pi, si
			pi++
		case star >= 0:
			// Let the last star swallow one more character and retry.
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func eq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	return lower(a) == lower(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
