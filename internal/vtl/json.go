package vtl

import (
	"math"
	"strconv"

	"gatehouse/internal/mapping/jsonpath"
)

// decodeJSON parses a JSON document into the values templates use:
// objects as *Map (keeping key order), arrays as *List, integers as int64
// and other numbers as float64.
func decodeJSON(data []byte) (any, error) { return jsonpath.Decode(data) }

// appendJSON encodes v as compact JSON, objects' keys in their order.
func appendJSON(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return nil, errTooDeep
	}
	if len(b) > maxOutput {
		return nil, errTooLarge
	}
	var err error
	switch x := v.(type) {
	case nil:
		b = append(b, "null"...)
	case string:
		b = jsonpath.AppendString(b, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case int:
		b = strconv.AppendInt(b, int64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		}
	case bool:
		b = strconv.AppendBool(b, x)
	case *Map:
		b = append(b, '{')
		for i, k := range x.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonpath.AppendString(b, k)
			b = append(b, ':')
			if b, err = appendJSON(b, x.Vals[i], depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	case *List:
		b = append(b, '[')
		for i, it := range x.Items {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, it, depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	default:
		s, err := str(v)
		if err != nil {
			return nil, err
		}
		b = jsonpath.AppendString(b, s)
	}
	return b, nil
}
