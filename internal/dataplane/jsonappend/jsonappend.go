// Package jsonappend appends JSON values to a byte slice: strings and the
// header, query and parameter maps of the events API Gateway and ALB hand
// a Lambda function, and the escaped text of an access log line. The data
// plane builds those on every request, in AWS's member order; writing
// them directly costs a fraction of encoding/json's reflection and sorted
// map keys.
//
// Strings are escaped as AWS's events show them: quote, backslash and
// control characters escaped, bytes that are not UTF-8 replaced by U+FFFD
// one by one (as encoding/json does), and <, > and & left as they are.
package jsonappend

import "unicode/utf8"

// plain[c] says byte c is written as it is inside a string of an event;
// logPlain[c] the same for an access log line.
var plain, logPlain = table(false), table(true)

// table is the bytes written unescaped: printable ASCII but the quote and
// the backslash. Bytes of 0x80 and above are checked as UTF-8 in events;
// a log writes them as they are, and escapes DEL, as it always has.
func table(log bool) (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c < utf8.RuneSelf || log
	}
	t['"'], t['\\'] = false, false
	if log {
		t[0x7f] = false
	}
	return t
}

// String appends s as a JSON string.
func String(b []byte, s string) []byte {
	b = append(b, '"')
	b = escape(b, s, &plain)
	return append(b, '"')
}

// LogText appends s as the inside of a JSON string in an access log line
// (the format supplies the quotes): escaped as String does, DEL too, with
// bytes that are not UTF-8 written as they are.
func LogText(b []byte, s string) []byte {
	return escape(b, s, &logPlain)
}

func escape(b []byte, s string, t *[256]bool) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if t[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// Strings appends ss as a JSON list of strings, null when it is nil.
func Strings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = String(b, s)
	}
	return append(b, ']')
}

// Last appends vs as a JSON object of each name's last value (a header's
// or query parameter's single-value form), null when it is empty. Names
// without values are left out; the order is the map's.
func Last(b []byte, vs map[string][]string) []byte {
	return values(b, vs, false)
}

// All appends vs as a JSON object of lists of values (the multi-value
// form), null when it is empty. Names without values are left out; the
// order is the map's.
func All(b []byte, vs map[string][]string) []byte {
	return values(b, vs, true)
}

func values(b []byte, vs map[string][]string, all bool) []byte {
	if len(vs) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '{')
	first := true
	for k, v := range vs {
		if len(v) == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = String(b, k)
		b = append(b, ':')
		if all {
			b = Strings(b, v)
		} else {
			b = String(b, v[len(v)-1])
		}
	}
	return append(b, '}')
}

// Map appends m as a JSON object of strings, null when it is empty; the
// order is the map's.
func Map(b []byte, m map[string]string) []byte {
	if len(m) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '{')
	first := true
	for k, v := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = String(b, k)
		b = append(b, ':')
		b = String(b, v)
	}
	return append(b, '}')
}
