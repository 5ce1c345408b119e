package wildcard

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		fold bool
		want bool
	}{
		{"", "", false, true},
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"/api/*", "/api/x/y", false, true},
		{"/api/*", "/API/x", false, false},
		{"/api/*", "/API/x", true, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"*.example.com", "a.b.example.com", false, true},
		{"*b*d", "abcbd", false, true},
		{"*b*d", "abcbe", false, false},
		{"vpc-*", "vpc-123", false, true},
		{"x", "xy", false, false},
	} {
		if got := Match(tc.p, tc.s, tc.fold); got != tc.want {
			t.Errorf("Match(%q, %q, %v) = %v", tc.p, tc.s, tc.fold, got)
		}
	}
}

// A pattern of many stars against a long near-miss must stay fast: a naive
// recursive matcher takes exponential time here.
func TestManyStarsStayLinear(t *testing.T) {
	p := strings.Repeat("*a", 40) + "*b"
	s := strings.Repeat("a", 256)
	if Match(p, s, false) {
		t.Fatal("matched")
	}
	if n := testing.AllocsPerRun(10, func() { Match(p, s, true) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
