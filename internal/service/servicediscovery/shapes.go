package servicediscovery

import (
	"encoding/base64"
	"sort"
	"strings"
)

// Shapes shared by several resources. awsJson has no HTTP bindings: inputs
// and outputs are plain structs whose json tags carry Cloud Map's member
// names, and timestamps are epoch seconds (float64, see epoch).

// Tag is one key and value.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Empty is an output without members.
type Empty struct{}

// OperationOutput is what the asynchronous calls answer.
type OperationOutput struct {
	OperationID string `json:"OperationId"`
}

// Filter is a list call's filter: a name, its values and how they compare.
type Filter struct {
	Name      string   `json:"Name"`
	Values    []string `json:"Values"`
	Condition string   `json:"Condition"`
}

// Filter conditions.
const (
	condEQ         = "EQ"
	condIN         = "IN"
	condBetween    = "BETWEEN"
	condBeginsWith = "BEGINS_WITH"
)

// checkFilters validates filters against allowed, which lists the
// conditions each filter name supports. EQ is the default condition.
func checkFilters(filters []Filter, allowed map[string][]string) error {
	for i := range filters {
		f := &filters[i]
		conds, ok := allowed[f.Name]
		if !ok {
			return invalidInput("Filter name %q is not valid", f.Name)
		}
		if f.Condition == "" {
			f.Condition = condEQ
		}
		if !contains(conds, f.Condition) {
			return invalidInput("Condition %s is not supported for filter %s", f.Condition, f.Name)
		}
		switch {
		case len(f.Values) == 0:
			return invalidInput("Filter %s needs at least one value", f.Name)
		case (f.Condition == condEQ || f.Condition == condBeginsWith) && len(f.Values) != 1:
			return invalidInput("Condition %s takes exactly one value, filter %s has %d", f.Condition, f.Name, len(f.Values))
		case f.Condition == condBetween && len(f.Values) != 2:
			return invalidInput("Condition BETWEEN takes a start and an end, filter %s has %d values", f.Name, len(f.Values))
		}
	}
	return nil
}

// matches reports whether value passes an EQ, IN or BEGINS_WITH filter.
func (f Filter) matches(value string) bool {
	switch f.Condition {
	case condBeginsWith:
		return strings.HasPrefix(value, f.Values[0])
	default:
		return contains(f.Values, value)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// List limits: every list call returns at most 100 results unless asked
// for fewer.
const defaultPage = 100

// page cuts one page from items, which must be sorted by key. The token is
// the key of the first item of the next page, so a page boundary survives
// items being added or removed between calls.
func page[T any](items []T, key func(T) string, maxResults *int32, token *string, limit int) ([]T, *string, error) {
	size := defaultPage
	if maxResults != nil {
		if *maxResults < 1 || int(*maxResults) > limit {
			return nil, nil, invalidInput("MaxResults must be between 1 and %d", limit)
		}
		size = int(*maxResults)
	}
	start := 0
	if token != nil && *token != "" {
		from, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, nil, invalidInput("NextToken %q is not valid", *token)
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) >= string(from) })
	}
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		t := base64.RawURLEncoding.EncodeToString([]byte(key(items[end])))
		next = &t
	}
	return items[start:end], next, nil
}
