package restparam

import (
	"errors"
	"strings"

	"gatehouse/internal/mapping/jsonpath"
)

var errPath = errors.New("not a JSONPath of fields and indexes")

// ParsePath parses a body source's JSONPath: what follows "body." in
// method.request.body.JSONPATH, the fields and indexes below the root
// ("$." is implied), such as order.items[0].id or ['a b'].size. Wildcards,
// recursion, unions, slices and filters are not part of it.
func ParsePath(expr string) (*jsonpath.Path, error) {
	if expr == "" || strings.HasPrefix(expr, ".") || strings.TrimSpace(expr) != expr {
		return nil, errPath
	}
	p, err := jsonpath.Parse(expr)
	if err != nil || p.Root() || p.Simple() != nil {
		return nil, errPath
	}
	return p, nil
}
