package health

import (
	"strconv"
	"strings"
)

// Matcher is a health check's success codes, parsed once when the checker
// compiles its plan. It lives here rather than in elbv2 because the checker
// needs it and may not import services; elbv2 validates with it too, so the
// two can never disagree about what "200,302" means.
type Matcher []codeRange

type codeRange struct{ lo, hi int }

// ParseMatcher parses AWS's HttpCode syntax: one code ("200"), a list
// ("200,302") or a range ("200-299"), mixed freely. Codes must be HTTP
// status codes (100 to 599); which of them a given balancer type accepts is
// the caller's rule (see Bounds).
func ParseMatcher(s string) (Matcher, bool) {
	var m Matcher
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, false
			}
		}
		if a < 100 || b > 599 || a > b {
			return nil, false
		}
		m = append(m, codeRange{a, b})
	}
	return m, true
}

// Match reports whether code is a success.
func (m Matcher) Match(code int) bool {
	for _, r := range m {
		if r.lo <= code && code <= r.hi {
			return true
		}
	}
	return false
}

// Bounds is the lowest and highest code m accepts, for range validation.
func (m Matcher) Bounds() (lo, hi int) {
	for i, r := range m {
		if i == 0 || r.lo < lo {
			lo = r.lo
		}
		if r.hi > hi {
			hi = r.hi
		}
	}
	return lo, hi
}
