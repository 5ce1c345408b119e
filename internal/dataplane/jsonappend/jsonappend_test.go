package jsonappend

import (
	"encoding/json"
	"maps"
	"testing"
	"unicode/utf8"
)

// Strings keep <, > and & as they are, as AWS's events show them; control
// characters take their short forms where JSON has one.
func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"":                   `""`,
		"<a href='x'>&</a>":  `"<a href='x'>&</a>"`,
		"q\"b\\s":            `"q\"b\\s"`,
		"\n\r\t\x00\x1f\x7f": `"\n\r\t\u0000\u001f` + "\x7f\"",
		"héllo ☃":            `"héllo ☃"`,
		"a\xffb\xfe":         `"a\ufffdb\ufffd"`,
		"\xe2\x98":           `"\ufffd\ufffd"`,
	} {
		if got := string(String(nil, in)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

// An access log line escapes DEL too and writes bytes that are not UTF-8
// as they came.
func TestLogText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              "plain",
		`"q" \`:              `\"q\" \\`,
		"\n\x01\x7f":         `\n\u0001\u007f`,
		"<&> héllo \xff\xfe": "<&> héllo \xff\xfe",
	} {
		if got := string(LogText(nil, in)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestMaps(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{string(Last(nil, nil)), "null"},
		{string(All(nil, map[string][]string{})), "null"},
		{string(Map(nil, nil)), "null"},
		{string(Strings(nil, nil)), "null"},
		{string(Strings(nil, []string{})), "[]"},
		{string(Last(nil, map[string][]string{"a": {"1", "2"}, "none": {}})), `{"a":"2"}`},
		{string(All(nil, map[string][]string{"a": {"1", "2"}, "none": nil})), `{"a":["1","2"]}`},
		{string(Map(nil, map[string]string{"k": "v"})), `{"k":"v"}`},
	} {
		if c.got != c.want {
			t.Errorf("%s, want %s", c.got, c.want)
		}
	}
}

// Whatever the text, what is written is JSON that encoding/json reads
// back as that text, each byte that is not UTF-8 replaced by U+FFFD, and
// the lists and maps read back as what was written. A log's text of
// UTF-8, put between quotes, reads back as it is too.
func FuzzWrite(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\s`, "\x00\x1f\n\r\t\x7f", "héllo ☃ 🐱", "\xff\xfe", "\xe2\x98", "a\u2028b", "</script>&amp;"} {
		f.Add(s, "v")
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		read := func(b []byte, into any) {
			t.Helper()
			if err := json.Unmarshal(b, into); err != nil {
				t.Fatalf("%q %q wrote %s: %v", k, v, b, err)
			}
		}
		// Ranging over a string yields U+FFFD for each byte that is not
		// UTF-8, as the writer replaces them.
		valid := func(s string) string { return string([]rune(s)) }

		var s string
		read(String(nil, k), &s)
		if s != valid(k) {
			t.Fatalf("%q came back as %q", k, s)
		}
		var list []string
		read(Strings(nil, []string{k, v}), &list)
		if len(list) != 2 || list[0] != valid(k) || list[1] != valid(v) {
			t.Fatalf("%q %q came back as %q", k, v, list)
		}
		var m map[string]string
		read(Map(nil, map[string]string{k: v}), &m)
		if !maps.Equal(m, map[string]string{valid(k): valid(v)}) {
			t.Fatalf("%q:%q came back as %q", k, v, m)
		}
		read(Last(nil, map[string][]string{k: {k, v}}), &m)
		if !maps.Equal(m, map[string]string{valid(k): valid(v)}) {
			t.Fatalf("%q:[%q %q] came back as %q", k, k, v, m)
		}
		var all map[string][]string
		read(All(nil, map[string][]string{k: {v, k}}), &all)
		if got := all[valid(k)]; len(all) != 1 || len(got) != 2 || got[0] != valid(v) || got[1] != valid(k) {
			t.Fatalf("%q:[%q %q] came back as %q", k, v, k, all)
		}
		if utf8.ValidString(k) {
			read(append(append([]byte{'"'}, LogText(nil, k)...), '"'), &s)
			if s != k {
				t.Fatalf("log text %q came back as %q", k, s)
			}
		}
	})
}
