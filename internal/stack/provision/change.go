package provision

import (
	"fmt"
	"reflect"
	"slices"

	"gatehouse/internal/stack"
)

// What an in-place update changes. CloudFormation hands an updater the
// properties before and after; the services' Update calls merge what they
// are given into what they hold, so an updater sends the new values and,
// for each property the template dropped, the value that undoes it.

// changedKeys lists, sorted, the properties whose values differ between
// old and new, those present in only one of them included.
func changedKeys(old, new props) []string {
	var out []string
	for k, v := range new {
		if !same(v, old[k]) {
			out = append(out, k)
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// same reports whether two property values are equal as CloudFormation
// compares them: scalars by their text, so that 80, 80.0 (a number that
// went through JSON with the stack) and "80" are one value.
func same(a, b any) bool {
	if p, ok := b.(props); ok {
		b = map[string]any(p)
	}
	switch a := a.(type) {
	case props:
		return same(map[string]any(a), b)
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !same(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !same(a[i], b[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	sa, errA := stack.String(a)
	sb, errB := stack.String(b)
	if errA != nil || errB != nil {
		return reflect.DeepEqual(a, b)
	}
	return sa == sb
}

// onlyChanged reports whether every changed property is one of names.
func onlyChanged(changed []string, names ...string) bool {
	for _, k := range changed {
		if !slices.Contains(names, k) {
			return false
		}
	}
	return true
}

// mergeInput builds what an Update call that merges takes: the new
// properties (minus skip), plus, for a property the template dropped, its
// entry in resets (the service's default, which undoes it; nil when
// another property's new value undoes it, so nothing is sent). A dropped map
// named in maps instead clears each of its old keys, as does a key dropped
// from a map both hold: "" for a value, {} for a nested map, which is how
// the merging calls remove an entry. A dropped property with neither is
// an error naming it.
func mergeInput(old, new props, resets map[string]any, maps []string, skip ...string) (map[string]any, error) {
	out := without(new, skip...)
	for k, v := range old {
		if _, ok := new[k]; ok || slices.Contains(skip, k) {
			continue
		}
		if r, ok := resets[k]; ok {
			if r != nil {
				out[k] = r
			}
			continue
		}
		if !slices.Contains(maps, k) {
			return nil, fmt.Errorf("removing %s in place is not supported", k)
		}
		if _, ok := v.(map[string]any); ok {
			out[k] = map[string]any{}
		}
	}
	for _, k := range maps {
		was, _ := old[k].(map[string]any)
		if len(was) == 0 {
			continue
		}
		now, _ := out[k].(map[string]any)
		merged := map[string]any{}
		for key, v := range now {
			merged[key] = v
		}
		for key, v := range was {
			if _, ok := merged[key]; ok {
				continue
			}
			if _, nested := v.(map[string]any); nested {
				merged[key] = map[string]any{}
			} else {
				merged[key] = ""
			}
		}
		out[k] = merged
	}
	return out, nil
}

// keysOf is the set of keys of the map property k.
func keysOf(p props, k string) map[string]bool {
	m, _ := p[k].(map[string]any)
	out := map[string]bool{}
	for key := range m {
		out[key] = true
	}
	return out
}
