// Package restparam is the grammar of a REST API's parameter mappings: the
// names a method declares (method.request.*, method.response.header.*) and
// the requestParameters and responseParameters of integrations and
// integration responses. It parses each expression into one typed value,
// which the apigateway service checks and the data plane compiles and
// evaluates, so that what is accepted is what runs. It evaluates nothing
// itself; a body source's path is the mapping languages' one JSONPath.
package restparam

import (
	"slices"
	"strings"

	"gatehouse/internal/mapping/jsonpath"
)

// Kind is where a mapped value comes from.
type Kind uint8

const (
	Invalid Kind = iota
	// Static is a 'quoted' literal; Name holds it without the quotes.
	Static
	StageVariable // stageVariables.NAME
	Context       // context.NAME (NAME may be dotted: identity.sourceIp)

	RequestPath        // method.request.path.NAME
	RequestQuery       // method.request.querystring.NAME
	RequestMultiQuery  // method.request.multivaluequerystring.NAME
	RequestHeader      // method.request.header.NAME
	RequestMultiHeader // method.request.multivalueheader.NAME
	RequestBody        // method.request.body
	RequestBodyPath    // method.request.body.JSONPATH

	ResponseHeader      // integration.response.header.NAME
	ResponseMultiHeader // integration.response.multivalueheader.NAME
	ResponseBody        // integration.response.body
	ResponseBodyPath    // integration.response.body.JSONPATH
)

// Source is a parsed mapping value.
type Source struct {
	Kind Kind
	// Name is the parameter, header, variable or context name, or a static
	// value.
	Name string
	// Path is what a body JSONPath source selects; nil for other kinds.
	Path *jsonpath.Path
}

// Multi reports whether the source stands for every value of a parameter
// rather than one.
func (s Source) Multi() bool {
	return s.Kind == RequestMultiQuery || s.Kind == RequestMultiHeader || s.Kind == ResponseMultiHeader
}

// Parameter reports whether the source is a method request parameter,
// which the method must declare.
func (s Source) Parameter() bool {
	return RequestPath <= s.Kind && s.Kind <= RequestMultiHeader
}

// Body reports whether the source reads a body.
func (s Source) Body() bool {
	switch s.Kind {
	case RequestBody, RequestBodyPath, ResponseBody, ResponseBodyPath:
		return true
	}
	return false
}

// Location is where a mapping writes.
type Location uint8

const (
	Header Location = iota + 1
	QueryString
	PathParam
)

// Target is a parsed mapping key: integration.request.{header,querystring,
// path}.NAME, or method.response.header.NAME.
type Target struct {
	In   Location
	Name string
}

// Mapping is one parsed requestParameters or responseParameters entry.
type Mapping struct {
	Target Target
	Source Source
}

// Error is a refused expression, its message in AWS's words. The
// apigateway service wraps it in the BadRequestException AWS answers.
type Error struct {
	// Parameter is set when the expression has the right form but names a
	// parameter the method does not declare (AWS's "Invalid mapping
	// expression parameter specified").
	Parameter bool
	Expr      string
}

func (e *Error) Error() string {
	if e.Parameter {
		return "Invalid mapping expression parameter specified: " + e.Expr
	}
	return "Invalid mapping expression specified: " + e.Expr
}

func invalid(expr string) error    { return &Error{Expr: expr} }
func undeclared(expr string) error { return &Error{Parameter: true, Expr: expr} }

// name reports whether s can name a parameter, header or variable: not
// empty, no white space, not starting with a dot.
func name(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// methodRequestKinds are the parts after method.request. that name a
// parameter.
var methodRequestKinds = map[string]Kind{
	"path":                  RequestPath,
	"querystring":           RequestQuery,
	"multivaluequerystring": RequestMultiQuery,
	"header":                RequestHeader,
	"multivalueheader":      RequestMultiHeader,
}

// MethodRequestParam parses a name a method declares in its
// requestParameters (method.request.header.X-Tenant, say). The error's
// message is AWS's answer to a bad one.
func MethodRequestParam(key string) (Source, error) {
	rest, ok := strings.CutPrefix(key, "method.request.")
	if ok {
		where, n, _ := strings.Cut(rest, ".")
		if k := methodRequestKinds[where]; k != Invalid && name(n) {
			return Source{Kind: k, Name: n}, nil
		}
	}
	return Source{}, undeclared(key)
}

// MethodResponseParam parses a header a method response declares
// (method.response.header.X-Total).
func MethodResponseParam(key string) (Target, error) {
	if n, ok := strings.CutPrefix(key, "method.response.header."); ok && name(n) {
		return Target{In: Header, Name: n}, nil
	}
	return Target{}, undeclared(key)
}

// requestTargets are the parts after integration.request. a mapping may
// write.
var requestTargets = map[string]Location{"header": Header, "querystring": QueryString, "path": PathParam}

// ParseRequest parses one integration requestParameters entry, without
// asking whether the method declares the parameter it reads.
func ParseRequest(key, value string) (Mapping, error) {
	var m Mapping
	rest, ok := strings.CutPrefix(key, "integration.request.")
	where, n, _ := strings.Cut(rest, ".")
	if m.Target.In = requestTargets[where]; !ok || m.Target.In == 0 || !name(n) {
		return Mapping{}, invalid(key)
	}
	m.Target.Name = n
	src, err := parseSource(value, "method.request.")
	if err != nil {
		return Mapping{}, err
	}
	m.Source = src
	return m, nil
}

// ParseResponse parses one integration response's responseParameters
// entry, without asking whether the method response declares the header.
func ParseResponse(key, value string) (Mapping, error) {
	n, ok := strings.CutPrefix(key, "method.response.header.")
	if !ok || !name(n) {
		return Mapping{}, invalid(key)
	}
	src, err := parseSource(value, "integration.response.")
	if err != nil {
		return Mapping{}, err
	}
	return Mapping{Target: Target{In: Header, Name: n}, Source: src}, nil
}

// parseSource reads a mapping value: a static 'value', a stage or context
// variable, or what is under prefix (method.request. for integration
// requests, integration.response. for integration responses).
func parseSource(v, prefix string) (Source, error) {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return Source{Kind: Static, Name: v[1 : len(v)-1]}, nil
	}
	if n, ok := strings.CutPrefix(v, "stageVariables."); ok {
		if !variable(n) {
			return Source{}, invalid(v)
		}
		return Source{Kind: StageVariable, Name: n}, nil
	}
	if n, ok := strings.CutPrefix(v, "context."); ok {
		if !variable(n) {
			return Source{}, invalid(v)
		}
		return Source{Kind: Context, Name: n}, nil
	}
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return Source{}, invalid(v)
	}
	request := prefix == "method.request."
	if rest == "body" {
		if request {
			return Source{Kind: RequestBody}, nil
		}
		return Source{Kind: ResponseBody}, nil
	}
	if expr, ok := strings.CutPrefix(rest, "body."); ok {
		p, err := ParsePath(expr)
		if err != nil {
			return Source{}, invalid(v)
		}
		if request {
			return Source{Kind: RequestBodyPath, Name: expr, Path: p}, nil
		}
		return Source{Kind: ResponseBodyPath, Name: expr, Path: p}, nil
	}
	where, n, _ := strings.Cut(rest, ".")
	if !name(n) {
		return Source{}, invalid(v)
	}
	if request {
		if k := methodRequestKinds[where]; k != Invalid {
			return Source{Kind: k, Name: n}, nil
		}
		return Source{}, invalid(v)
	}
	switch where {
	case "header":
		return Source{Kind: ResponseHeader, Name: n}, nil
	case "multivalueheader":
		return Source{Kind: ResponseMultiHeader, Name: n}, nil
	}
	return Source{}, invalid(v)
}

// variable reports whether s can name a stage or context variable: AWS's
// [A-Za-z0-9._$-], not empty, not starting or ending with a dot.
func variable(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == '$') {
			return false
		}
	}
	return true
}

// CheckRequest checks an integration's requestParameters as AWS does when
// they are put: every key an integration request parameter, every value a
// source, and every method request parameter read one the method declares
// (declared holds the method's requestParameters). Entries are checked in
// key order, so the error names the first bad one.
func CheckRequest(params map[string]string, declared map[string]bool) error {
	for _, k := range sortedKeys(params) {
		m, err := ParseRequest(k, params[k])
		if err != nil {
			return err
		}
		if _, ok := declared[params[k]]; m.Source.Parameter() && !ok {
			return undeclared(params[k])
		}
	}
	return nil
}

// CheckResponse checks an integration response's responseParameters: every
// key a header its method response declares (declared holds the method
// response's responseParameters), every value an integration response
// source.
func CheckResponse(params map[string]string, declared map[string]bool) error {
	for _, k := range sortedKeys(params) {
		if _, err := MethodResponseParam(k); err != nil {
			return invalid(k)
		}
		if _, ok := declared[k]; !ok {
			return undeclared(k)
		}
		if _, err := ParseResponse(k, params[k]); err != nil {
			return err
		}
	}
	return nil
}

// Request parses an integration's requestParameters for serving, in key
// order; entries that do not parse (the service refused them, so only
// records written otherwise have them) are left out.
func Request(params map[string]string) []Mapping {
	var out []Mapping
	for _, k := range sortedKeys(params) {
		if m, err := ParseRequest(k, params[k]); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// Response parses an integration response's responseParameters for
// serving, as Request does.
func Response(params map[string]string) []Mapping {
	var out []Mapping
	for _, k := range sortedKeys(params) {
		if m, err := ParseResponse(k, params[k]); err == nil {
			out = append(out, m)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ParseGatewayResponse parses one gateway response's responseParameters
// entry: the key gatewayresponse.header.NAME, the value a static 'value',
// a stage or context variable, or a method request header, query string
// or path parameter (a gateway response has no body to read).
func ParseGatewayResponse(key, value string) (Mapping, error) {
	n, ok := strings.CutPrefix(key, "gatewayresponse.header.")
	if !ok || !name(n) {
		return Mapping{}, undeclared(key)
	}
	src, err := parseSource(value, "method.request.")
	if err != nil {
		return Mapping{}, err
	}
	if src.Body() {
		return Mapping{}, invalid(value)
	}
	return Mapping{Target: Target{In: Header, Name: n}, Source: src}, nil
}

// GatewayResponse parses a gateway response's responseParameters for
// serving, as Request does.
func GatewayResponse(params map[string]string) []Mapping {
	var out []Mapping
	for _, k := range sortedKeys(params) {
		if m, err := ParseGatewayResponse(k, params[k]); err == nil {
			out = append(out, m)
		}
	}
	return out
}
