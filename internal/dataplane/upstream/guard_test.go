package upstream

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

func TestGuardBoundsInflight(t *testing.T) {
	g := &Guard{MaxInflight: 2}
	if !g.Enter() || !g.Enter() {
		t.Fatal("the first two requests were refused")
	}
	if g.Enter() {
		t.Fatal("a third request got in past MaxInflight 2")
	}
	g.Leave()
	if !g.Enter() {
		t.Fatal("a place given back was not taken again")
	}
	if g.Inflight() != 2 || g.Shed.Load() != 1 {
		t.Errorf("inflight %d, shed %d; want 2 and 1", g.Inflight(), g.Shed.Load())
	}
	var none *Guard
	if !none.Enter() || !(&Guard{}).Enter() {
		t.Error("a nil or unbounded guard refused a request")
	}
	none.Leave()
}

// Each request gatehouse sends on carries one hop more than it came with;
// a request that has come round MaxHops times is refused.
func TestHops(t *testing.T) {
	h := http.Header{}
	for hops := 0; hops < MaxHops; hops++ {
		if got := Hops(h); got != hops {
			t.Fatalf("after %d hops the header says %d", hops, got)
		}
		if (&Guard{}).Loop(hops) {
			t.Fatalf("refused after %d hops", hops)
		}
		out := http.Header{}
		SetHops(out, Hops(h))
		h = out
	}
	g := &Guard{}
	if Hops(h) != MaxHops || !g.Loop(Hops(h)) || g.Looped.Load() != 1 {
		t.Errorf("after MaxHops hops: %v, looped %d", h, g.Looped.Load())
	}
	for _, v := range []string{"", "x", "-3"} {
		if n := Hops(http.Header{HopsHeader: {v}}); n != 0 {
			t.Errorf("Hops(%q) = %d", v, n)
		}
	}
	// A mapping that appends to the shared value must not change it.
	out := http.Header{}
	SetHops(out, 0)
	out.Add(HopsHeader, "9")
	if hopValues[1][0] != "1" || len(hopValues[1]) != 1 {
		t.Errorf("shared hop values changed: %q", hopValues[1])
	}
}

func TestLimitedBody(t *testing.T) {
	b := LimitBody(io.NopCloser(strings.NewReader("0123456789")), 10)
	if got, err := io.ReadAll(b); err != nil || string(got) != "0123456789" || b.Over() {
		t.Errorf("a body at the limit: %q %v over=%v", got, err, b.Over())
	}
	b = LimitBody(io.NopCloser(iotest.OneByteReader(strings.NewReader("0123456789x"))), 10)
	got, err := io.ReadAll(b)
	if !errors.Is(err, ErrTooLarge) || len(got) != 10 || !b.Over() {
		t.Errorf("a body past the limit: %q %v over=%v", got, err, b.Over())
	}
	if n, err := b.Read(make([]byte, 4)); n != 0 || !errors.Is(err, ErrTooLarge) {
		t.Errorf("read after the limit: %d %v", n, err)
	}
}

func TestDotSegments(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/a/b", "/a/b"},
		{"/a/..b/c.", "/a/..b/c."},
		{"/../../admin", "/admin"},
		{"/a/../../b", "/b"},
		{"/a/./b/", "/a/b/"},
		{"/a/b/..", "/a/"},
		{"/a//b/../c", "/a//c"},
		{"/..", "/"},
		{"/.", "/"},
	} {
		if got := CleanPath(c.in); got != c.want {
			t.Errorf("CleanPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"pets/7", "pets/7"}, {"../admin", "admin"}, {"a/../../b", "b"}, {"..", ""}, {"v1.2", "v1.2"},
	} {
		if got := CleanValue(c.in); got != c.want {
			t.Errorf("CleanValue(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAnyMethod(t *testing.T) {
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"} {
		if !AnyMethod(m) {
			t.Errorf("%s is not taken by ANY", m)
		}
	}
	for _, m := range []string{"TRACE", "CONNECT", "BREW", "get", "PROPFIND"} {
		if AnyMethod(m) {
			t.Errorf("%s is taken by ANY", m)
		}
	}
}

func TestConnectionListedHeaders(t *testing.T) {
	in := http.Header{"Connection": {"keep-alive, x-secret", " X-Other ,"}, "X-Secret": {"s"}, "X-Other": {"o"}, "X-Kept": {"k"}}
	out := in.Clone()
	DropConnectionListed(in, out)
	if out.Get("X-Secret") != "" || out.Get("X-Other") != "" || out.Get("X-Kept") != "k" {
		t.Errorf("after dropping: %v", out)
	}
	h := http.Header{}
	NoUserAgent(h)
	if v, ok := h["User-Agent"]; !ok || len(v) != 0 {
		t.Errorf("NoUserAgent: %v", h)
	}
	h = http.Header{"User-Agent": {"curl"}}
	NoUserAgent(h)
	if h.Get("User-Agent") != "curl" {
		t.Errorf("NoUserAgent replaced the client's: %v", h)
	}
}

func TestRemapped(t *testing.T) {
	for k, want := range map[string]string{"X-Amzn-Requestid": "X-Amzn-Remapped-X-Amzn-Requestid", "Date": "X-Amzn-Remapped-Date",
		"Www-Authenticate": "X-Amzn-Remapped-Www-Authenticate"} {
		if got, ok := Remapped(k); !ok || got != want {
			t.Errorf("Remapped(%s) = %q %v", k, got, ok)
		}
	}
	if _, ok := Remapped("Content-Type"); ok {
		t.Error("Content-Type is remapped")
	}
}

// Bodies held to check signatures stay within MaxHeld bytes.
func TestGuardBoundsHeldBodies(t *testing.T) {
	g := &Guard{MaxHeld: 100}
	if !g.Hold(60) || g.Hold(60) || !g.Hold(40) {
		t.Fatal("60+40 of 100 bytes should fit, another 60 not")
	}
	g.Release(60)
	if !g.Hold(60) || g.Shed.Load() != 1 {
		t.Errorf("released bytes were not held again, or shed %d", g.Shed.Load())
	}
	if !(&Guard{}).Hold(1<<40) || !g.Hold(0) {
		t.Error("an unbounded guard, or an empty body, was refused")
	}
	for _, c := range []struct {
		r    *http.Request
		want int64
	}{
		{&http.Request{Body: http.NoBody}, 0},
		{&http.Request{Body: io.NopCloser(strings.NewReader("abc")), ContentLength: 3}, 3},
		{&http.Request{Body: io.NopCloser(strings.NewReader("abc")), ContentLength: -1}, 10},
	} {
		if got := BodySize(c.r, 10); got != c.want {
			t.Errorf("BodySize(length %d) = %d, want %d", c.r.ContentLength, got, c.want)
		}
	}
}
