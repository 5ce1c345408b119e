package vtl

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/mapping/jsonpath"
)

// Values a template works with are nil, string, int64, float64, bool,
// *Map, *List, the read-only trees of Input (map[string]any,
// map[string]string) and the objects behind $input, $util and $foreach.

// Map is a map that keeps insertion order, as the LinkedHashMap behind a
// parsed JSON object or a map literal does in Velocity: the same type the
// JSON decoder makes, so a parsed body is used as it is.
type Map = jsonpath.Object

func newMap(n int) *Map { return jsonpath.NewObject(n) }

// List is a mutable list, as Java's ArrayList.
type List = jsonpath.Array

// entry is one element of a map's entrySet().
type entry struct {
	key string
	val any
}

// Limits that keep a template from using unbounded memory or time.
const (
	maxOutput     = 10 << 20          // bytes of any string built, and of the body (AWS's payload limit)
	maxIterations = 1000              // per #foreach, as AWS documents
	maxItems      = jsonpath.MaxItems // elements of one list or map
	maxSteps      = 2000000           // nodes evaluated by one Execute
	maxValueDepth = 100               // nesting while rendering or encoding a value
)

var (
	errTooLarge = errors.New("result larger than 10 MiB")
	errTooDeep  = errors.New("value nested too deeply")
)

// str renders v as Velocity renders a Java object: Java's toString.
func str(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return formatDouble(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	var b strings.Builder
	if err := writeStr(&b, v, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeStr(b *strings.Builder, v any, depth int) error {
	if depth > maxValueDepth {
		return errTooDeep
	}
	if b.Len() > maxOutput {
		return errTooLarge
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(x)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(formatDouble(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case *Map:
		b.WriteByte('{')
		for i, k := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			if err := writeStr(b, x.Vals[i], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case *List:
		b.WriteByte('[')
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeStr(b, it, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			if err := writeStr(b, x[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case map[string]string:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(x[k])
		}
		b.WriteByte('}')
	case []any:
		return writeStr(b, &List{Items: x}, depth)
	case *entry:
		b.WriteString(x.key)
		b.WriteByte('=')
		return writeStr(b, x.val, depth+1)
	case int:
		b.WriteString(strconv.Itoa(x))
	default:
		b.WriteString("")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// formatDouble writes a float as Java's Double.toString does: always a
// decimal point, scientific notation outside [1e-3, 1e7).
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.5E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(exp, "+-0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

// truthy is Velocity 1.7's test in #if: only null and false are false.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	}
	return true
}

func toInt(v any) (int, bool) {
	i, f, isFloat, ok := jsonpath.Number(v)
	if !ok {
		return 0, false
	}
	if isFloat {
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int(f), true
	}
	return int(i), true
}

// equal is Velocity's ==: numbers by value, objects of different kinds by
// their string forms.
func equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ai, af, aFloat, aNum := jsonpath.Number(a)
	bi, bf, bFloat, bNum := jsonpath.Number(b)
	if aNum && bNum {
		if !aFloat && !bFloat {
			return ai == bi
		}
		return af == bf
	}
	if ab, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			return ab == bb
		}
	}
	as, err1 := str(a)
	bs, err2 := str(b)
	return err1 == nil && err2 == nil && as == bs
}

// zero is null, and + with a string concatenates.
func arith(op string, a, b any) (any, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	ai, af, aFloat, aNum := jsonpath.Number(a)
	bi, bf, bFloat, bNum := jsonpath.Number(b)
	if !aNum || !bNum {
		if op != "+" {
			return nil, nil
		}
		_, aStr := a.(string)
		_, bStr := b.(string)
		if !aStr && !bStr {
			return nil, nil
		}
		as, err := str(a)
		if err != nil {
			return nil, err
		}
		bs, err := str(b)
		if err != nil {
			return nil, err
		}
		if len(as)+len(bs) > maxOutput {
			return nil, errTooLarge
		}
		return as + bs, nil
	}
	if !aFloat && !bFloat {
		switch op {
		case "+":
			if r := ai + bi; (r > ai) == (bi > 0) {
				return r, nil
			}
			return af + bf, nil
		case "-":
			if r := ai - bi; (r < ai) == (bi > 0) {
				return r, nil
			}
			return af - bf, nil
		case "*":
			if ai == 0 || bi == 0 {
				return int64(0), nil
			}
			if r := ai * bi; r/bi == ai && !(ai == -1 && bi == math.MinInt64) && !(bi == -1 && ai == math.MinInt64) {
				return r, nil
			}
			return af * bf, nil
		case "/":
			if bi == 0 {
				return nil, nil
			}
			if ai == math.MinInt64 && bi == -1 {
				return af / bf, nil
			}
			return ai / bi, nil
		case "%":
			if bi == 0 {
				return nil, nil
			}
			if bi == -1 {
				return int64(0), nil
			}
			return ai % bi, nil
		}
	}
	switch op {
	case "+":
		return af + bf, nil
	case "-":
		return af - bf, nil
	case "*":
		return af * bf, nil
	case "/":
		if bf == 0 {
			return nil, nil
		}
		return af / bf, nil
	case "%":
		if bf == 0 {
			return nil, nil
		}
		return math.Mod(af, bf), nil
	}
	return nil, nil
}
