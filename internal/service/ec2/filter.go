package ec2

import (
	"strings"

	"gatehouse/internal/model"
	"gatehouse/internal/wildcard"
)

// fields returns a resource's values for one filter name, and whether the
// name is a filter that resource supports.
type fields func(name string) (vals []string, ok bool)

// matchFilters reports whether a resource passes every filter (AND across
// filters, OR across a filter's values, * and ? as wildcards), or the first
// filter name it does not support.
func matchFilters(filters []Filter, f fields) (bool, error) {
	for _, flt := range filters {
		vals, ok := f(flt.Name)
		if !ok {
			return false, invalidFilter(flt.Name)
		}
		if !anyMatch(flt.Values, vals) {
			return false, nil
		}
	}
	return true, nil
}

// checkFilters validates filter names before anything is listed, so an
// unknown filter fails even when there is nothing to describe.
func checkFilters(filters []Filter, f fields) error {
	for _, flt := range filters {
		if _, ok := f(flt.Name); !ok {
			return invalidFilter(flt.Name)
		}
	}
	return nil
}

func anyMatch(patterns, vals []string) bool {
	for _, p := range patterns {
		for _, v := range vals {
			if wildcard.Match(p, v, false) {
				return true
			}
		}
	}
	return false
}

// tagFields answers the tag filters every taggable resource supports:
// tag:KEY (the value of KEY) and tag-key, tag-value.
func tagFields(tags model.Tags, name string) ([]string, bool) {
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		if v, has := tags[key]; has {
			return []string{v}, true
		}
		return nil, true
	}
	switch name {
	case "tag-key":
		return tags.Sorted(), true
	case "tag-value":
		var vs []string
		for _, k := range tags.Sorted() {
			vs = append(vs, tags[k])
		}
		return vs, true
	}
	return nil, false
}
