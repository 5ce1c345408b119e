package jsonpath

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A decoded document is made of nil, string, int64 (whole numbers that
// fit), float64 (other numbers), bool, *Object and *Array.

// Limits that keep a document or a path from using unbounded memory or
// time.
const (
	MaxItems = 100000 // elements one path evaluation yields; indexes a path may name
	MaxDepth = 500    // nesting of a decoded document
)

// Object is a JSON object that keeps its members in order. Keys are found
// by a scan until there are more than a scan is quick for, then by an
// index. Keys and Vals are parallel; whoever changes them other than
// through Put and Remove calls Reindex.
type Object struct {
	Keys  []string
	Vals  []any
	index map[string]int
}

const scanMax = 8

// NewObject is an empty object with room for n members.
func NewObject(n int) *Object {
	return &Object{Keys: make([]string, 0, n), Vals: make([]any, 0, n)}
}

// Find is the position of key k, -1 when there is none.
func (m *Object) Find(k string) int {
	if m.index != nil {
		if i, ok := m.index[k]; ok {
			return i
		}
		return -1
	}
	for i, x := range m.Keys {
		if x == k {
			return i
		}
	}
	return -1
}

// Get is the value of key k.
func (m *Object) Get(k string) (any, bool) {
	if i := m.Find(k); i >= 0 {
		return m.Vals[i], true
	}
	return nil, false
}

// Put sets key k, keeping its place if it was there, and returns the
// value it replaced.
func (m *Object) Put(k string, v any) any {
	if i := m.Find(k); i >= 0 {
		old := m.Vals[i]
		m.Vals[i] = v
		return old
	}
	m.Keys, m.Vals = append(m.Keys, k), append(m.Vals, v)
	if m.index != nil || len(m.Keys) > scanMax {
		m.Reindex()
	}
	return nil
}

// Remove deletes key k and returns its value.
func (m *Object) Remove(k string) any {
	i := m.Find(k)
	if i < 0 {
		return nil
	}
	old := m.Vals[i]
	m.Keys, m.Vals = slices.Delete(m.Keys, i, i+1), slices.Delete(m.Vals, i, i+1)
	if m.index != nil {
		m.Reindex()
	}
	return old
}

// Reindex rebuilds the index after Keys changed by other means than Put
// and Remove.
func (m *Object) Reindex() {
	if m.index == nil {
		m.index = make(map[string]int, len(m.Keys))
	} else if len(m.index) > len(m.Keys) {
		clear(m.index)
	}
	for i, k := range m.Keys {
		m.index[k] = i
	}
}

// Array is a JSON array.
type Array struct{ Items []any }

// Decode parses a JSON document.
func Decode(data []byte) (any, error) {
	d := &decoder{data: data}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos != len(d.data) {
		return nil, d.errorf("unexpected data after the JSON value")
	}
	return v, nil
}

type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", d.pos, fmt.Sprintf(format, args...))
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.errorf("nested too deeply")
	}
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		d.pos++
		m := NewObject(4)
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return m, nil
		}
		for {
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return nil, d.errorf("expected a string key")
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return nil, d.errorf("expected ':'")
			}
			d.pos++
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m.Put(k, v)
			d.space()
			if d.pos < len(d.data) && d.data[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.pos < len(d.data) && d.data[d.pos] == '}' {
				d.pos++
				return m, nil
			}
			return nil, d.errorf("expected ',' or '}'")
		}
	case c == '[':
		d.pos++
		l := &Array{}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return l, nil
		}
		for {
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, v)
			d.space()
			if d.pos < len(d.data) && d.data[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.pos < len(d.data) && d.data[d.pos] == ']' {
				d.pos++
				return l, nil
			}
			return nil, d.errorf("expected ',' or ']'")
		}
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	for _, lit := range []struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(string(d.data[d.pos:min(len(d.data), d.pos+5)]), lit.text) {
			d.pos += len(lit.text)
			return lit.v, nil
		}
	}
	return nil, d.errorf("unexpected character %q", d.data[d.pos])
}

func (d *decoder) str() (string, error) {
	start := d.pos
	d.pos++
	escaped := false
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; {
		case c == '"':
			d.pos++
			raw := d.data[start:d.pos]
			if !escaped && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", d.errorf("bad string")
			}
			return s, nil
		case c == '\\':
			escaped = true
			d.pos += 2
		case c < 0x20:
			return "", d.errorf("control character in string")
		default:
			d.pos++
		}
	}
	return "", d.errorf("unterminated string")
}

func (d *decoder) number() (any, error) {
	start := d.pos
	isFloat := false
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c >= '0' && c <= '9' || c == '-' || c == '+' {
			d.pos++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
			d.pos++
			continue
		}
		break
	}
	text := string(d.data[start:d.pos])
	if !json.Valid(d.data[start:d.pos]) {
		return nil, d.errorf("bad number %q", text)
	}
	if !isFloat {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, d.errorf("bad number %q", text)
	}
	return f, nil
}

// Text is a selected value as a parameter mapping carries it: a string as
// it is, a number or boolean as JSON writes it, an object or array as
// compact JSON with members in document order. A null, or nothing, is no
// value.
func Text(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	}
	return string(AppendJSON(nil, v)), true
}

// AppendJSON appends v, a decoded document, as compact JSON.
func AppendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		b = append(b, "null"...)
	case string:
		b = AppendString(b, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		}
	case bool:
		b = strconv.AppendBool(b, x)
	case *Object:
		b = append(b, '{')
		for i, k := range x.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k)
			b = append(b, ':')
			b = AppendJSON(b, x.Vals[i])
		}
		b = append(b, '}')
	case *Array:
		b = append(b, '[')
		for i, it := range x.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSON(b, it)
		}
		b = append(b, ']')
	default:
		b = append(b, "null"...)
	}
	return b
}

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// Clear removes every member.
func (m *Object) Clear() {
	m.Keys, m.Vals, m.index = m.Keys[:0], m.Vals[:0], nil
}
