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
	"slices"
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

// maxListIndex is the largest list position accepted; a larger one is an
// invalid parameter, as AWS answers for huge indices. No operation takes
// lists anywhere near this long, so the bound only turns away bodies built
// to be expensive.
const maxListIndex = 10000

// Decode fills the struct that v points to from form values. memberLists
// selects the awsQuery list form ("Name.member.N") over EC2's ("Name.N").
func Decode(form url.Values, v any, memberLists bool) error {
	d := decoder{form: form, member: memberLists}
	return d.structFields(reflect.ValueOf(v).Elem(), "")
}

type decoder struct {
	form   url.Values
	member bool
	// keys are the form's keys in order, built on the first prefix query.
	// Every key under one prefix is then a contiguous run found by binary
	// search, so a nested list looks only at its own keys instead of the
	// whole form, which made large bodies quadratic.
	keys    []string
	indexed bool
	// visits counts keys looked at by list scans; tests bound it to keep
	// decoding linear in the size of the form.
	visits int
}

func (d *decoder) structFields(v reflect.Value, prefix string) error {
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
func (d *decoder) value(v reflect.Value, key string) (bool, error) {
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		present, err := d.value(elem.Elem(), key)
		if !present && err == nil && elem.Elem().Kind() == reflect.Slice && d.emptyList(key) {
			// A pointer to a list tells an empty list, which the SDKs
			// send as "Name=", from none.
			present = true
		}
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

// emptyList reports whether the form holds key alone with no value, as
// the SDKs send a list given empty.
func (d *decoder) emptyList(key string) bool {
	s, ok := d.form[key]
	return ok && len(s) == 1 && s[0] == ""
}

// list decodes key.N (or key.member.N) entries, in index order.
func (d *decoder) list(v reflect.Value, key string) (bool, error) {
	base := key + "."
	if d.member {
		base = key + ".member."
	}
	var idxs []int
	last := ""
	for _, k := range d.under(base) {
		d.visits++
		idx, _, _ := strings.Cut(k[len(base):], ".")
		// An element's keys sit side by side in order, so its index is
		// parsed once rather than once per field.
		if len(idxs) > 0 && idx == last {
			continue
		}
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || n > maxListIndex {
			return true, &decodeError{Param: k, Value: d.form.Get(k)}
		}
		idxs, last = append(idxs, n), idx
	}
	if len(idxs) == 0 {
		return false, nil
	}
	// "1" and "01" name the same element.
	slices.Sort(idxs)
	idxs = slices.Compact(idxs)
	out := reflect.MakeSlice(v.Type(), len(idxs), len(idxs))
	for i, n := range idxs {
		if _, err := d.value(out.Index(i), base+strconv.Itoa(n)); err != nil {
			return true, err
		}
	}
	v.Set(out)
	return true, nil
}

func (d *decoder) hasPrefix(p string) bool {
	keys := d.sorted()
	i := sort.SearchStrings(keys, p)
	return i < len(keys) && strings.HasPrefix(keys[i], p)
}

// under returns the keys that start with p, in order.
func (d *decoder) under(p string) []string {
	keys := d.sorted()
	lo := sort.SearchStrings(keys, p)
	// Past lo, keys with the prefix come first and all others after.
	n := sort.Search(len(keys)-lo, func(i int) bool { return !strings.HasPrefix(keys[lo+i], p) })
	return keys[lo : lo+n]
}

func (d *decoder) sorted() []string {
	if !d.indexed {
		d.keys = make([]string, 0, len(d.form))
		for k := range d.form {
			d.keys = append(d.keys, k)
		}
		slices.Sort(d.keys)
		d.indexed = true
	}
	return d.keys
}
