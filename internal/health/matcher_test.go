package health

import "testing"

func TestParseMatcher(t *testing.T) {
	tests := []struct {
		in     string
		ok     bool
		match  []int
		miss   []int
		lo, hi int
	}{
		{in: "200", ok: true, match: []int{200}, miss: []int{201, 302, 503}, lo: 200, hi: 200},
		{in: "200,302", ok: true, match: []int{200, 302}, miss: []int{301, 404}, lo: 200, hi: 302},
		{in: "200-299", ok: true, match: []int{200, 250, 299}, miss: []int{199, 300}, lo: 200, hi: 299},
		{in: " 200-204 , 404 ", ok: true, match: []int{204, 404}, miss: []int{205}, lo: 200, hi: 404},
		{in: "404,200", ok: true, match: []int{200, 404}, lo: 200, hi: 404},
		{in: "200-599", ok: true, match: []int{503}, lo: 200, hi: 599},
		{in: ""},
		{in: "abc"},
		{in: "299-200"},
		{in: "200-"},
		{in: "200,,302"},
		{in: "99"},
		{in: "600"},
	}
	for _, tt := range tests {
		m, ok := ParseMatcher(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseMatcher(%q) ok = %v", tt.in, ok)
			continue
		}
		for _, c := range tt.match {
			if !m.Match(c) {
				t.Errorf("%q does not match %d", tt.in, c)
			}
		}
		for _, c := range tt.miss {
			if m.Match(c) {
				t.Errorf("%q matches %d", tt.in, c)
			}
		}
		if lo, hi := m.Bounds(); ok && (lo != tt.lo || hi != tt.hi) {
			t.Errorf("%q bounds = %d-%d, want %d-%d", tt.in, lo, hi, tt.lo, tt.hi)
		}
	}
}
