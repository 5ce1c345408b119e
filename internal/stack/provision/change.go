package provision

import (
	"fmt"
	"reflect"
	"slices"
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
		if !reflect.DeepEqual(v, old[k]) {
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
