package vtl

import (
	"strings"

	"gatehouse/internal/mapping/jsonpath"
	"gatehouse/internal/vtl/parse"
)

// Error is a template's syntax error, with its line and column.
type Error = parse.Error

// Template is a parsed mapping template, safe for concurrent Execute.
type Template struct {
	nodes []parse.Node
	// static holds the body of a template with no references or
	// directives, which Execute returns as it is.
	static   string
	isStatic bool
	roots    map[string]bool // the variables it names: $input, $context, ...
	// paths are the literal JSONPaths of $input.path and $input.json,
	// compiled once; read-only after Parse.
	paths map[string]*jsonpath.Path
}

// Input is what one request gives a template.
type Input struct {
	Body           []byte            // $input.body; $input.json and $input.path read it as JSON
	Path, Query    map[string]string // $input.params('x') looks in Path, then Query, then Header
	Header         map[string]string // keys as received; looked up case-insensitively
	Context        map[string]any    // $context: nested map[string]any, strings, numbers, bools
	StageVariables map[string]string // $stageVariables
}

// Result is a rendered template with the overrides it set.
type Result struct {
	Body string
	// Status is $context.responseOverride.status, 0 when unset.
	Status int
	// Headers is $context.responseOverride.header.NAME.
	Headers map[string]string
	// RequestHeaders, RequestQuery and RequestPath are
	// $context.requestOverride.{header,querystring,path}.NAME, which an
	// integration request template sets.
	RequestHeaders, RequestQuery, RequestPath map[string]string
}

// Parse parses a mapping template once. A syntax error is an *Error.
func Parse(src string) (*Template, error) {
	if !strings.ContainsAny(src, "$#") {
		return &Template{static: src, isStatic: true}, nil
	}
	nodes, err := parse.Parse(src)
	if err != nil {
		return nil, err
	}
	t := &Template{nodes: nodes}
	t.roots, t.paths = roots(nodes)
	return t, nil
}

// Static reports whether the template renders the same body for every
// request.
func (t *Template) Static() bool { return t.isStatic }

// Uses reports whether the template names the variable $name ("input",
// "context", "stageVariables", ...), so a caller need not build an Input
// member it never reads.
func (t *Template) Uses(name string) bool { return t.roots[name] }

// Execute evaluates the template for one request. It never panics; a
// failure at run time (a #foreach over more than 1,000 items, invalid
// JSON given to $util.parseJson, a body too large) is an error.
func (t *Template) Execute(in *Input) (Result, error) {
	if t.isStatic {
		return Result{Body: t.static}, nil
	}
	if in == nil {
		in = &Input{}
	}
	s := &state{in: in, paths: t.paths}
	s.out.Grow(256)
	if _, err := s.run(t.nodes); err != nil {
		return Result{}, err
	}
	res := Result{Body: s.out.String()}
	s.overrides(&res)
	return res, nil
}
