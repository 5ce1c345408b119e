package ssm

import (
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// StringFilter is a ParameterStringFilter: a key, how it compares, and
// the values it compares with.
type StringFilter struct {
	Key    *string  `json:"Key"`
	Option *string  `json:"Option"`
	Values []string `json:"Values"`
}

// LegacyFilter is DescribeParameters' older ParametersFilter.
type LegacyFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

// The options each filter key takes, the first its default. "tag:" stands
// for every tag key.
var (
	describeKeys = map[string][]string{
		"Name":     {"Equals", "BeginsWith", "Contains"},
		"Type":     {"Equals"},
		"KeyId":    {"Equals"},
		"DataType": {"Equals"},
		"Tier":     {"Equals"},
		"Path":     {"OneLevel", "Recursive"},
		"Label":    {"Equals"},
		"tag:":     {"Equals"},
	}
	// GetParametersByPath has the path already: it filters on the rest.
	byPathKeys = map[string][]string{
		"Type":     {"Equals"},
		"KeyId":    {"Equals"},
		"DataType": {"Equals"},
		"Label":    {"Equals"},
		"tag:":     {"Equals"},
	}
)

// filter is one checked StringFilter.
type filter struct {
	key, option string
	values      []string
}

type filters []filter

// compileFilters checks fs against the keys and options allowed.
func compileFilters(fs []StringFilter, allowed map[string][]string) (filters, error) {
	var out filters
	for i, f := range fs {
		if f.Key == nil || *f.Key == "" {
			return nil, constraint(nil, "parameterFilters."+itoa64(int64(i+1))+".member.key", "not be null")
		}
		key := *f.Key
		opts, ok := allowed[key]
		if strings.HasPrefix(key, "tag:") {
			opts, ok = allowed["tag:"], len(key) > len("tag:")
		}
		if !ok {
			valid := make([]string, 0, len(allowed))
			for k := range allowed {
				valid = append(valid, strings.TrimSuffix(k, ":"))
			}
			slices.Sort(valid)
			return nil, invalidFilterKey(key, valid)
		}
		option := opts[0]
		if f.Option != nil && *f.Option != "" {
			option = *f.Option
		}
		if !slices.Contains(opts, option) {
			return nil, invalidFilterOption(option, opts)
		}
		if len(f.Values) == 0 && !strings.HasPrefix(key, "tag:") {
			return nil, invalidFilterValue("The filter %s needs at least one value.", key)
		}
		if key == "Path" {
			for _, v := range f.Values {
				if !strings.HasPrefix(v, "/") {
					return nil, invalidFilterValue("The parameter path %s is not valid: a path begins with a forward slash (/).", v)
				}
			}
		}
		out = append(out, filter{key: key, option: option, values: f.Values})
	}
	return out, nil
}

// match reports whether p passes every filter.
func (fs filters) match(p *model.Parameter) bool {
	for _, f := range fs {
		if !f.match(p) {
			return false
		}
	}
	return true
}

func (f filter) match(p *model.Parameter) bool {
	switch f.key {
	case "Name":
		// Names compare as written, with or without the leading slash
		// of a name outside any hierarchy.
		name := model.ParameterKey(p.Name)
		return slices.ContainsFunc(f.values, func(v string) bool {
			v = model.ParameterKey(v)
			switch f.option {
			case "BeginsWith":
				return strings.HasPrefix(name, v) || strings.HasPrefix(p.Name, v)
			case "Contains":
				return strings.Contains(p.Name, v)
			}
			return name == v
		})
	case "Type":
		return slices.Contains(f.values, p.Type)
	case "KeyId":
		return slices.Contains(f.values, p.KeyID)
	case "DataType":
		return slices.Contains(f.values, p.DataType)
	case "Tier":
		return slices.Contains(f.values, p.Tier)
	case "Label":
		return false // gatehouse keeps no labels
	case "Path":
		return slices.ContainsFunc(f.values, func(v string) bool {
			return underPath(p.Name, strings.TrimSuffix(v, "/")+"/", f.option == "Recursive")
		})
	}
	v, ok := p.Tags[strings.TrimPrefix(f.key, "tag:")]
	return ok && (len(f.values) == 0 || slices.Contains(f.values, v))
}
