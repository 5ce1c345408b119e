package restjson

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/wire/jsonbody"
)

// Error codes of the decoding failures this package answers itself.
const (
	codeBadRequest = "BadRequestException"
	codeUnknownOp  = "UnknownOperationException"
	codeTooLarge   = "RequestEntityTooLarge"
)

// plan says where each field of one input type comes from. NewHandler builds
// one per route, so a request never inspects tags.
type plan struct {
	labels   []binding // labels[k] fills from the route's k-th label
	query    []binding
	queryAll []int // a map[string]string that takes every query parameter
	header   []binding
	payload  []int // a []byte or string that takes the raw body
	body     bool  // some field is a JSON body member
}

type binding struct {
	name  string // as the wire spells it; headers in canonical form
	index []int
}

// newPlan checks the tags of the struct that t points to against the route's
// labels and records where each field comes from.
func newPlan(t reflect.Type, labels []string) (*plan, error) {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("input %s is not a pointer to a struct", t)
	}
	t = t.Elem()
	p := &plan{labels: make([]binding, len(labels))}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		loc, name, ok := location(f.Tag)
		if !ok {
			if f.Tag.Get("json") != "-" {
				p.body = true
			}
			continue
		}
		if f.Tag.Get("json") != "-" {
			return nil, fmt.Errorf("%s.%s is bound to the %s and must be json:\"-\"", t.Name(), f.Name, loc)
		}
		b := binding{name: name, index: f.Index}
		bad := func() error {
			return fmt.Errorf("%s.%s: a %s binding cannot fill a %s", t.Name(), f.Name, loc, f.Type)
		}
		switch loc {
		case "path":
			k := slices.Index(labels, name)
			if k < 0 {
				return nil, fmt.Errorf("%s.%s names label {%s}, which the path does not have", t.Name(), f.Name, name)
			}
			if !scalar(f.Type) {
				return nil, bad()
			}
			p.labels[k] = b
		case "querystring":
			switch {
			case name == "*" && f.Type == reflect.TypeFor[map[string]string]():
				p.queryAll = f.Index
			case name != "*" && (scalar(f.Type) || f.Type.Kind() == reflect.Slice && scalar(f.Type.Elem())):
				p.query = append(p.query, b)
			default:
				return nil, bad()
			}
		case "header":
			if !scalar(f.Type) && !(f.Type.Kind() == reflect.Slice && scalar(f.Type.Elem())) {
				return nil, bad()
			}
			b.name = textproto.CanonicalMIMEHeaderKey(name)
			p.header = append(p.header, b)
		case "payload":
			if f.Type != reflect.TypeFor[[]byte]() && f.Type.Kind() != reflect.String {
				return nil, bad()
			}
			p.payload = f.Index
		}
	}
	for k, b := range p.labels {
		if b.index == nil {
			return nil, fmt.Errorf("%s has no field for label {%s}", t.Name(), labels[k])
		}
	}
	if p.payload != nil && p.body {
		return nil, fmt.Errorf("%s has both a payload field and JSON body members", t.Name())
	}
	return p, nil
}

func location(tag reflect.StructTag) (loc, name string, ok bool) {
	for _, loc := range [...]string{"path", "querystring", "header", "payload"} {
		if name, ok := tag.Lookup(loc); ok {
			return loc, name, true
		}
	}
	return "", "", false
}

// scalar reports whether a single string on the wire can fill t.
func scalar(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// decode fills in, which points to the route's input struct, from r. The
// body is decoded first so that the bindings, which a body cannot reach
// anyway, are the last word.
func (p *plan) decode(r *http.Request, m *matcher, in any) *api.Error {
	v := reflect.ValueOf(in).Elem()
	if p.body || p.payload != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return readError(err)
		}
		if p.payload != nil {
			f := v.FieldByIndex(p.payload)
			if f.Kind() == reflect.String {
				f.SetString(string(body))
			} else {
				f.SetBytes(body)
			}
		} else if e := jsonbody.Decode(body, in); e != nil {
			return e
		}
	}
	for k, b := range p.labels {
		raw, err := m.label(k)
		if err != nil {
			return api.BadRequest(codeBadRequest, "The path label %s is not validly escaped.", b.name)
		}
		if e := set(v.FieldByIndex(b.index), raw, "path label", b.name); e != nil {
			return e
		}
	}
	if len(p.query) > 0 || p.queryAll != nil {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return api.BadRequest(codeBadRequest, "The query string could not be parsed: %v", err)
		}
		for _, b := range p.query {
			if e := setAll(v.FieldByIndex(b.index), q[b.name], "querystring parameter", b.name); e != nil {
				return e
			}
		}
		if p.queryAll != nil && len(q) > 0 {
			all := make(map[string]string, len(q))
			for k, vs := range q {
				all[k] = vs[0]
			}
			v.FieldByIndex(p.queryAll).Set(reflect.ValueOf(all))
		}
	}
	for _, b := range p.header {
		vals := r.Header[b.name]
		f := v.FieldByIndex(b.index)
		if f.Kind() == reflect.Slice && len(vals) > 0 {
			// A list header travels as one comma-separated value, or as the
			// same header repeated; take both.
			var parts []string
			for _, s := range vals {
				for part := range strings.SplitSeq(s, ",") {
					parts = append(parts, strings.TrimSpace(part))
				}
			}
			vals = parts
		}
		if e := setAll(f, vals, "header", b.name); e != nil {
			return e
		}
	}
	return nil
}

// setAll fills f from every value of one parameter: a slice takes them all,
// anything else the first.
func setAll(f reflect.Value, vals []string, where, name string) *api.Error {
	if len(vals) == 0 {
		return nil
	}
	if f.Kind() != reflect.Slice {
		return set(f, vals[0], where, name)
	}
	s := reflect.MakeSlice(f.Type(), len(vals), len(vals))
	for i, raw := range vals {
		if e := set(s.Index(i), raw, where, name); e != nil {
			return e
		}
	}
	f.Set(s)
	return nil
}

// set parses raw into the scalar (or pointer to a scalar) f.
func set(f reflect.Value, raw, where, name string) *api.Error {
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		if e := set(p.Elem(), raw, where, name); e != nil {
			return e
		}
		f.Set(p)
		return nil
	}
	var err error
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Bool:
		// Smithy writes booleans as "true" and "false" only.
		switch {
		case strings.EqualFold(raw, "true"):
			f.SetBool(true)
		case strings.EqualFold(raw, "false"):
			f.SetBool(false)
		default:
			err = strconv.ErrSyntax
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n int64
		if n, err = strconv.ParseInt(raw, 10, f.Type().Bits()); err == nil {
			f.SetInt(n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var n uint64
		if n, err = strconv.ParseUint(raw, 10, f.Type().Bits()); err == nil {
			f.SetUint(n)
		}
	case reflect.Float32, reflect.Float64:
		var x float64
		if x, err = strconv.ParseFloat(raw, f.Type().Bits()); err == nil {
			f.SetFloat(x)
		}
	}
	if err != nil {
		return api.BadRequest(codeBadRequest, "Invalid value %q for %s %s: expected %s.", raw, where, name, jsonbody.KindName(f.Type()))
	}
	return nil
}

// readError maps a failure to read the body, usually the edge's size limit.
func readError(err error) *api.Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return api.Errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "Request body is larger than %d bytes.", tooBig.Limit)
	}
	return api.BadRequest(codeBadRequest, "The request body could not be read: %v", err)
}
