// Package query is the AWS Query protocol family: form-encoded requests named
// by Action, XML responses. It serves two flavours: EC2's (flat lists "Name.N",
// the <Response><Errors> error envelope, fields directly under the response
// element) and awsQuery's, as ELBv2 uses it (lists "Name.member.N", results in
// an <ActionResult> element, the <ErrorResponse> envelope).
//
// Inputs are decoded by reflection from `query:"Name"` struct tags (with
// ",required" for parameters AWS rejects when missing); outputs are encoded
// with encoding/xml from their `xml` tags. The package knows nothing of any
// service: it gets an api.Table and calls it.
package query

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// decodeError says which parameter could not be decoded, and why.
type decodeError struct {
	Param   string
	Value   string
	Missing bool
}

func (e *decodeError) Error() string {
	if e.Missing {
		return "missing parameter " + e.Param
	}
	return fmt.Sprintf("invalid value %q for %s", e.Value, e.Param)
}

// Decode fills the struct that v points to from form values. memberLists
// selects the awsQuery list form ("Name.member.N") over EC2's ("Name.N").
func Decode(form url.Values, v any, memberLists bool) error {
	d := decoder{form: form, member: memberLists}
	return d.structFields(reflect.ValueOf(v).Elem(), "")
}

type decoder struct {
	form   url.Values
	member bool
}

func (d decoder) structFields(v reflect.Value, prefix string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("query")
		if !ok || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		key := prefix + name
		present, err := d.value(v.Field(i), key)
		if err != nil {
			return err
		}
		if !present && opts == "required" {
			return &decodeError{Param: key, Missing: true}
		}
	}
	return nil
}

// value decodes key into v and reports whether anything was there.
func (d decoder) value(v reflect.Value, key string) (bool, error) {
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		present, err := d.value(elem.Elem(), key)
		if present && err == nil {
			v.Set(elem)
		}
		return present, err
	case reflect.Slice:
		return d.list(v, key)
	case reflect.Struct:
		if !d.hasPrefix(key + ".") {
			return false, nil
		}
		return true, d.structFields(v, key+".")
	}
	s, ok := d.form[key]
	if !ok || len(s) == 0 {
		return false, nil
	}
	raw := s[0]
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return true, &decodeError{Param: key, Value: raw}
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return true, &decodeError{Param: key, Value: raw}
		}
		v.SetInt(n)
	default:
		return true, fmt.Errorf("query: unsupported field kind %s", v.Kind())
	}
	return true, nil
}

// list decodes key.N (or key.member.N) entries, in index order.
func (d decoder) list(v reflect.Value, key string) (bool, error) {
	base := key + "."
	if d.member {
		base = key + ".member."
	}
	seen := map[int]bool{}
	for k := range d.form {
		rest, ok := strings.CutPrefix(k, base)
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 {
			return true, &decodeError{Param: k, Value: d.form.Get(k)}
		}
		seen[n] = true
	}
	if len(seen) == 0 {
		return false, nil
	}
	idxs := make([]int, 0, len(seen))
	for n := range seen {
		idxs = append(idxs, n)
	}
	sort.Ints(idxs)
	out := reflect.MakeSlice(v.Type(), len(idxs), len(idxs))
	for i, n := range idxs {
		if _, err := d.value(out.Index(i), base+strconv.Itoa(n)); err != nil {
			return true, err
		}
	}
	v.Set(out)
	return true, nil
}

func (d decoder) hasPrefix(p string) bool {
	for k := range d.form {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
