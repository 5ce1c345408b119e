// Package httpmap parses an HTTP API integration's parameter mappings,
// requestParameters and responseParameters, into one form: apigatewayv2
// validates a mapping by parsing it, and the data plane compiles the same
// parsed form into its snapshot and runs it on each request. It parses
// text only; it never sees a request, the store or the wire.
package httpmap

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gatehouse/internal/mapping/jsonpath"
)

// Action is what a mapping does to its target.
type Action uint8

const (
	Append Action = iota
	Overwrite
	Remove
)

// Target is what a mapping changes.
type Target uint8

const (
	Header Target = iota
	QueryString
	Path       // overwrite:path (requests)
	StatusCode // overwrite:statuscode (responses)
)

// Source is where one part of a value comes from.
type Source uint8

const (
	Literal          Source = iota
	RequestHeader           // $request.header.NAME
	RequestQuery            // $request.querystring.NAME
	RequestBody             // $request.body.JSONPATH
	RequestPath             // $request.path
	RequestPathParam        // $request.path.NAME
	ResponseHeader          // $response.header.NAME
	ResponseBody            // $response.body.JSONPATH
	Context                 // $context.NAME
	StageVariable           // $stageVariables.NAME
)

// Part is one piece of a value: literal text, or a variable.
type Part struct {
	Source Source
	// Text is the literal, or the variable's name (a header, query
	// string, path parameter, context or stage variable).
	Text string
	// Path is a body variable's JSONPath, members and array indexes
	// only; nil for the whole body.
	Path *jsonpath.Path
}

// Value is a mapping's value, its parts in order.
type Value []Part

// Static reports whether v is literal text alone, and the text.
func (v Value) Static() (string, bool) {
	switch {
	case len(v) == 0:
		return "", true
	case len(v) == 1 && v[0].Source == Literal:
		return v[0].Text, true
	}
	return "", false
}

// Uses reports whether any part of v reads from s.
func (v Value) Uses(s Source) bool {
	for _, p := range v {
		if p.Source == s {
			return true
		}
	}
	return false
}

// Op is one mapping entry: "overwrite:header.x" = "$request.path.id".
type Op struct {
	Action Action
	Target Target
	// Name is the header or query string parameter the entry changes.
	Name  string
	Value Value
}

// Error is a mapping that does not parse; its text is the message the
// management API answers with.
type Error string

func (e Error) Error() string { return string(e) }

func errorf(format string, args ...any) error { return Error(fmt.Sprintf(format, args...)) }

// MaxValue is the longest mapping value API Gateway accepts.
const MaxValue = 512

// Request parses an integration's requestParameters. Keys are
// append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME
// and overwrite:path; a key whose value is "" is skipped, as "" removes a
// mapping in an update. The ops come in key order, so removes and
// overwrites apply the same way every time.
func Request(m map[string]string) ([]Op, error) {
	var out []Op
	for _, k := range sortedKeys(m) {
		v := m[k]
		if v == "" {
			continue
		}
		op, err := parseKey(k, "request")
		if err != nil {
			return nil, err
		}
		if op.Value, err = parseValue(k, v, "request"); err != nil {
			return nil, err
		}
		out = append(out, op)
	}
	return out, nil
}

// Response parses an integration's responseParameters: per backend status
// code 200-599, keys append|overwrite|remove:header.NAME and
// overwrite:statuscode, whose value must be a status code once evaluated.
// A code without mappings is left out.
func Response(m map[string]map[string]string) (map[int][]Op, error) {
	var out map[int][]Op
	for _, code := range sortedKeys(m) {
		n, err := strconv.Atoi(code)
		if err != nil || n < 200 || n > 599 || len(code) != 3 {
			return nil, errorf("Invalid response parameter key %q: it must be a status code from 200 to 599.", code)
		}
		var ops []Op
		for _, k := range sortedKeys(m[code]) {
			v := m[code][k]
			if v == "" {
				continue
			}
			op, err := parseKey(k, "response")
			if err != nil {
				return nil, err
			}
			if op.Value, err = parseValue(k, v, "response"); err != nil {
				return nil, err
			}
			if op.Target == StatusCode {
				if s, ok := op.Value.Static(); ok && !validStatus(s) {
					return nil, errorf("Invalid mapping value for %s: %q is not a status code from 100 to 599.", k, s)
				}
			}
			ops = append(ops, op)
		}
		if len(ops) > 0 {
			if out == nil {
				out = map[int][]Op{}
			}
			out[n] = ops
		}
	}
	return out, nil
}

// Status is the status code an overwrite:statuscode value evaluated to,
// false when it is not one.
func Status(s string) (int, bool) {
	if !validStatus(s) {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, true
}

func validStatus(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && len(s) == 3 && n >= 100 && n <= 599
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseKey parses ACTION:TARGET for a request or a response mapping.
func parseKey(k, direction string) (Op, error) {
	if direction == "request" && k == "overwrite:path" {
		return Op{Action: Overwrite, Target: Path}, nil
	}
	if direction == "response" && k == "overwrite:statuscode" {
		return Op{Action: Overwrite, Target: StatusCode}, nil
	}
	action, target, ok := strings.Cut(k, ":")
	var op Op
	switch action {
	case "append":
		op.Action = Append
	case "overwrite":
		op.Action = Overwrite
	case "remove":
		op.Action = Remove
	default:
		ok = false
	}
	if !ok {
		return op, errorf("Invalid %s parameter mapping key %q: it must start with append:, overwrite: or remove:.", direction, k)
	}
	kind, name, ok := strings.Cut(target, ".")
	op.Name = name
	switch {
	case ok && name != "" && kind == "header":
		if ReservedHeader(name) {
			return op, errorf("Invalid %s parameter mapping key %q: the header %s is reserved and cannot be mapped.", direction, k, name)
		}
		op.Target = Header
		return op, nil
	case ok && name != "" && kind == "querystring" && direction == "request":
		op.Target = QueryString
		return op, nil
	}
	want := "header.NAME"
	if direction == "request" {
		want += " or querystring.NAME, or be overwrite:path"
	} else {
		want += ", or be overwrite:statuscode"
	}
	return op, errorf("Invalid %s parameter mapping key %q: after the action it must name %s.", direction, k, want)
}

// parseValue splits "$request.header.x", "${request.path.id}-suffix" or a
// literal into parts, refusing variables the direction cannot read.
func parseValue(k, v, direction string) (Value, error) {
	if len(v) > MaxValue {
		return nil, errorf("Invalid mapping value for %s: it is longer than %d characters.", k, MaxValue)
	}
	var parts Value
	lit := func(s string) {
		if s == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Source == Literal {
			parts[n-1].Text += s
			return
		}
		parts = append(parts, Part{Text: s})
	}
	for v != "" {
		i := strings.IndexByte(v, '$')
		if i < 0 {
			lit(v)
			break
		}
		lit(v[:i])
		v = v[i+1:]
		var expr string
		if strings.HasPrefix(v, "{") {
			end := strings.IndexByte(v, '}')
			if end < 0 {
				return nil, errorf("Invalid mapping expression specified: %s is missing a closing }.", k)
			}
			expr, v = v[1:end], v[end+1:]
		} else {
			end := 0
			for end < len(v) && (isIdent(v[end]) || v[end] == '.' || v[end] == '[' || v[end] == ']') {
				end++
			}
			expr, v = v[:end], v[end:]
		}
		if expr == "" {
			lit("$")
			continue
		}
		p, err := variable(k, expr, direction)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return parts, nil
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// variable parses one $-expression (without the $ and braces).
func variable(k, expr, direction string) (Part, error) {
	bad := func() (Part, error) {
		return Part{}, errorf("Invalid mapping expression specified: $%s in %s is not a variable a %s mapping can use.", expr, k, direction)
	}
	named := func(s Source, prefix string) (Part, error) {
		name := expr[len(prefix):]
		if name == "" {
			return bad()
		}
		return Part{Source: s, Text: name}, nil
	}
	if head, _, _ := strings.Cut(expr, "."); (head == "request") != (direction == "request") && (head == "request" || head == "response") {
		return bad()
	}
	switch {
	case strings.HasPrefix(expr, "request.header."):
		return named(RequestHeader, "request.header.")
	case strings.HasPrefix(expr, "request.querystring."):
		return named(RequestQuery, "request.querystring.")
	case expr == "request.path":
		return Part{Source: RequestPath}, nil
	case strings.HasPrefix(expr, "request.path."):
		return named(RequestPathParam, "request.path.")
	case strings.HasPrefix(expr, "request.body"):
		return body(k, expr, "request.body", RequestBody)
	case strings.HasPrefix(expr, "response.header."):
		return named(ResponseHeader, "response.header.")
	case strings.HasPrefix(expr, "response.body"):
		return body(k, expr, "response.body", ResponseBody)
	case strings.HasPrefix(expr, "context."):
		return named(Context, "context.")
	case strings.HasPrefix(expr, "stageVariables."):
		return named(StageVariable, "stageVariables.")
	}
	return bad()
}

// body parses a body variable's JSONPath: $request.body names the whole
// body, $request.body.a.b[0]['c d'] a member. Recursive descent (..),
// wildcards and filters are refused, as API Gateway refuses them.
func body(k, expr, prefix string, s Source) (Part, error) {
	rest := expr[len(prefix):]
	if rest == "" {
		return Part{Source: s}, nil
	}
	path, err := ParsePath(rest)
	if err != nil {
		return Part{}, errorf("Invalid mapping expression specified: $%s in %s: %v.", expr, k, err)
	}
	return Part{Source: s, Path: path}, nil
}

// ParsePath parses the JSONPath after $request.body or $response.body:
// ".name", "[n]" and "['name']" steps.
func ParsePath(rest string) (*jsonpath.Path, error) {
	if rest == "" || rest[0] != '.' && rest[0] != '[' {
		return nil, Error("a step must start with . or [")
	}
	p, err := jsonpath.Parse("$" + rest)
	if err == nil {
		err = p.Simple()
	}
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, jsonpath.ErrDeepScan) || strings.Contains(rest, ".."):
		return nil, Error("recursive descent is not supported")
	case strings.Count(rest, "[") > strings.Count(rest, "]"):
		return nil, Error("a [ is not closed")
	case errors.Is(err, jsonpath.ErrWildcard) && !strings.Contains(rest, "[*") || !strings.Contains(rest, "["):
		return nil, Error("a member name is missing or is a wildcard")
	}
	return nil, Error("only array indices and quoted names may stand in brackets")
}

// reservedHeaders are the headers a mapping may not touch, in either
// direction, as API Gateway's developer guide lists them. Entries ending
// in '*' are prefixes. Header names compare without case.
var reservedHeaders = []string{
	"access-control-*",
	"apigw-*",
	"authorization",
	"connection",
	"content-encoding",
	"content-length",
	"content-location",
	"forwarded",
	"keep-alive",
	"origin",
	"proxy-authenticate",
	"proxy-authorization",
	"te",
	"trailers",
	"transfer-encoding",
	"upgrade",
	"x-amz-*",
	"x-amzn-*",
	"x-forwarded-for",
	"x-forwarded-host",
	"x-forwarded-proto",
	"via",
}

// ReservedHeader reports whether a mapping may not touch the header name.
func ReservedHeader(name string) bool {
	name = strings.ToLower(name)
	for _, r := range reservedHeaders {
		if p, ok := strings.CutSuffix(r, "*"); ok && strings.HasPrefix(name, p) || name == r {
			return true
		}
	}
	return false
}

// stageVariableRef opens a stage variable in an integration URI.
const stageVariableRef = "${stageVariables."

// HasStageVariables reports whether an integration URI names a stage
// variable, so that each stage resolves it with its own.
func HasStageVariables(uri string) bool {
	return strings.Contains(uri, stageVariableRef)
}

// StageVariables fills each ${stageVariables.NAME} of an integration URI
// with value(NAME); a reference left open is kept as it is.
func StageVariables(uri string, value func(name string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(uri, stageVariableRef)
		if i < 0 {
			b.WriteString(uri)
			return b.String()
		}
		end := strings.IndexByte(uri[i:], '}')
		if end < 0 {
			b.WriteString(uri)
			return b.String()
		}
		b.WriteString(uri[:i])
		b.WriteString(value(uri[i+len(stageVariableRef) : i+end]))
		uri = uri[i+end+1:]
	}
}
