package vtl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"

	"gatehouse/internal/mapping/jsonpath"
)

// inputMethod answers $input.json, $input.path and $input.params.
func (s *state) inputMethod(name string, args []any) (any, error) {
	switch name {
	case "json", "path":
		if len(args) != 1 {
			return nil, nil
		}
		expr, ok := args[0].(string)
		if !ok {
			return nil, nil
		}
		path, ok := s.paths[expr]
		if !ok {
			var err error
			if path, err = jsonpath.Parse(expr); err != nil {
				return nil, err
			}
		}
		body, err := s.jsonBody()
		if err != nil {
			return nil, err
		}
		v, found := path.Eval(body)
		if name == "path" {
			if !found || v == nil {
				// A path that finds nothing renders empty, not as written.
				return "", nil
			}
			return v, nil
		}
		if !found {
			return "", nil
		}
		var b []byte
		b, err = appendJSON(b, v, 0)
		if err != nil {
			return nil, err
		}
		if len(b) > maxOutput {
			return nil, errTooLarge
		}
		return string(b), nil
	case "params":
		switch len(args) {
		case 0:
			return s.allParams(), nil
		case 1:
			k, ok := args[0].(string)
			if !ok {
				return nil, nil
			}
			return s.param(k), nil
		}
	case "getBody":
		return string(s.in.Body), nil
	}
	return nil, nil
}

// jsonBody parses the request body once per evaluation; an empty body is
// an empty object, as on AWS.
func (s *state) jsonBody() (any, error) {
	if !s.bodyParsed {
		s.bodyParsed = true
		if len(strings.TrimSpace(string(s.in.Body))) == 0 {
			s.body = newMap(0)
		} else {
			s.body, s.bodyErr = decodeJSON(s.in.Body)
			if s.bodyErr != nil {
				s.bodyErr = fmt.Errorf("request body is not JSON: %w", s.bodyErr)
			}
		}
	}
	return s.body, s.bodyErr
}

// param is $input.params(name): a path parameter, else a query string
// parameter, else a header (any case), else "".
func (s *state) param(k string) string {
	if v, ok := s.in.Path[k]; ok {
		return v
	}
	if v, ok := s.in.Query[k]; ok {
		return v
	}
	if v, ok := s.in.Header[k]; ok {
		return v
	}
	for h, v := range s.in.Header {
		if strings.EqualFold(h, k) {
			return v
		}
	}
	return ""
}

// allParams is $input.params(): path, querystring and header, in that
// order, each a map of name to value.
func (s *state) allParams() *Map {
	if s.params == nil {
		s.params = newMap(3)
		for _, kv := range []struct {
			name string
			m    map[string]string
		}{{"path", s.in.Path}, {"querystring", s.in.Query}, {"header", s.in.Header}} {
			m := newMap(len(kv.m))
			for _, k := range sortedKeys(kv.m) {
				m.Put(k, kv.m[k])
			}
			s.params.Put(kv.name, m)
		}
	}
	return s.params
}

func utilMethod(name string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, nil
	}
	if args[0] == nil {
		return nil, nil
	}
	in, err := str(args[0])
	if err != nil {
		return nil, err
	}
	switch name {
	case "escapeJavaScript":
		return escapeJavaScript(in), nil
	case "parseJson":
		v, err := decodeJSON([]byte(in))
		if err != nil {
			return nil, fmt.Errorf("$util.parseJson: %w", err)
		}
		return v, nil
	case "urlEncode":
		return urlEncode(in), nil
	case "urlDecode":
		out, err := url.QueryUnescape(in)
		if err != nil {
			return nil, fmt.Errorf("$util.urlDecode: %w", err)
		}
		return out, nil
	case "base64Encode":
		return base64.StdEncoding.EncodeToString([]byte(in)), nil
	case "base64Decode":
		out, err := base64.StdEncoding.DecodeString(in)
		if err != nil {
			return nil, errors.New("$util.base64Decode: input is not base64")
		}
		return string(out), nil
	}
	return nil, nil
}

// escapeJavaScript escapes as Apache Commons Lang's
// StringEscapeUtils.escapeJavaScript, which AWS uses: quotes (single
// ones too), backslash, slash, control characters and everything outside
// ASCII as \uXXXX of its UTF-16 code units.
func escapeJavaScript(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	const hex = "0123456789ABCDEF"
	unicode := func(c uint16) {
		b.WriteString(`\u`)
		b.WriteByte(hex[c>>12&0xf])
		b.WriteByte(hex[c>>8&0xf])
		b.WriteByte(hex[c>>4&0xf])
		b.WriteByte(hex[c&0xf])
	}
	for _, r := range s {
		switch {
		case r >= 0x80:
			for _, c := range utf16.Encode([]rune{r}) {
				unicode(c)
			}
		case r < 0x20:
			switch r {
			case '\b':
				b.WriteString(`\b`)
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\f':
				b.WriteString(`\f`)
			case '\r':
				b.WriteString(`\r`)
			default:
				unicode(uint16(r))
			}
		case r == '\'', r == '"', r == '\\', r == '/':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// urlEncode is Java's URLEncoder.encode in UTF-8: letters, digits and
// ".-*_" stay, a space becomes '+', every other byte %XX.
func urlEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}
