package vtl

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf16"

	"gatehouse/internal/mapping/jsonpath"
)

// The methods templates call are Java's, on the Java types the values
// stand for: String, Integer/Long/Double, Boolean, Map, List, Map.Entry.
// A method that does not exist, or is called with arguments it cannot
// take, makes the reference null, so it renders as written.

type (
	inputObj   struct{}
	utilObj    struct{}
	contextObj struct{}
)

// property is $v.name: a map's entry, otherwise the getter Velocity
// would find (getName(), isName()).
func (s *state) property(v any, name string) (any, error) {
	switch x := v.(type) {
	case *Map, map[string]any, map[string]string:
		if r, ok := mapGet(x, name); ok {
			return r, nil
		}
		if name == "empty" {
			return s.call(v, "isEmpty", nil)
		}
		return nil, nil
	case inputObj:
		if name == "body" {
			return string(s.in.Body), nil
		}
		return nil, nil
	case contextObj:
		if s.ctx != nil {
			if r, ok := s.ctx.Get(name); ok {
				return r, nil
			}
		}
		r, _ := mapGet(s.in.Context, name)
		return r, nil
	case *loop:
		switch name {
		case "hasNext":
			return x.index < x.n-1, nil
		case "index":
			return int64(x.index), nil
		case "count":
			return int64(x.index + 1), nil
		case "first":
			return x.index == 0, nil
		case "last":
			return x.index == x.n-1, nil
		case "parent":
			return x.parent, nil
		}
		return nil, nil
	case *entry:
		switch name {
		case "key":
			return x.key, nil
		case "value":
			return x.val, nil
		}
		return nil, nil
	}
	if name == "" {
		return nil, nil
	}
	upper := strings.ToUpper(name[:1]) + name[1:]
	if r, err := s.call(v, "get"+upper, nil); r != nil || err != nil {
		return r, err
	}
	return s.call(v, "is"+upper, nil)
}

// mapGet reads key k of any of the map kinds.
func mapGet(m any, k string) (any, bool) {
	switch x := m.(type) {
	case *Map:
		return x.Get(k)
	case map[string]any:
		v, ok := x[k]
		if sub, isMap := v.(map[string]string); isMap {
			return sub, ok
		}
		return v, ok
	case map[string]string:
		v, ok := x[k]
		if !ok {
			return nil, false
		}
		return v, true
	}
	return nil, false
}

func (s *state) call(v any, name string, args []any) (r any, err error) {
	switch x := v.(type) {
	case string:
		r, err = stringMethod(x, name, args)
	case int64, float64:
		r = numberMethod(x, name, args)
	case bool:
		switch name {
		case "toString":
			return str(x)
		case "booleanValue":
			return x, nil
		case "equals":
			if len(args) == 1 {
				return equal(x, args[0]), nil
			}
		}
	case *Map:
		r, err = mapMethod(x, name, args)
	case map[string]any, map[string]string:
		r, err = readMapMethod(x, name, args)
	case *List:
		r, err = listMethod(x, name, args)
	case *entry:
		switch name {
		case "getKey":
			return x.key, nil
		case "getValue":
			return x.val, nil
		case "toString":
			return str(x)
		}
	case *loop:
		switch name {
		case "hasNext", "getHasNext":
			return x.index < x.n-1, nil
		case "getIndex":
			return int64(x.index), nil
		case "getCount":
			return int64(x.index + 1), nil
		case "isFirst", "getFirst":
			return x.index == 0, nil
		case "isLast", "getLast":
			return x.index == x.n-1, nil
		case "getParent":
			return x.parent, nil
		}
	case inputObj:
		return s.inputMethod(name, args)
	case utilObj:
		return utilMethod(name, args)
	case contextObj:
		if name == "get" && len(args) == 1 {
			if k, ok := args[0].(string); ok {
				return s.property(x, k)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if t, ok := r.(string); ok && len(t) > maxOutput {
		return nil, errTooLarge
	}
	return r, nil
}

func argStrings(args []any, n int) ([]string, bool) {
	if len(args) != n {
		return nil, false
	}
	out := make([]string, n)
	for i, a := range args {
		t, ok := a.(string)
		if !ok {
			return nil, false
		}
		out[i] = t
	}
	return out, true
}

// javaRegexp compiles a Java regular expression; RE2 reads the common
// subset templates use.
func javaRegexp(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, errors.New("invalid regular expression: " + expr)
	}
	return re, nil
}

// javaReplacement turns Java's "$1" group references into RE2's "${1}"
// and Java's "\$" into a literal dollar.
func javaReplacement(repl string) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '\\' && i+1 < len(repl):
			i++
			if repl[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(repl[i])
			}
		case c == '$':
			j := i + 1
			for j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			if j == i+1 {
				b.WriteString("$$")
				continue
			}
			b.WriteString("${" + repl[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// javaLen and the indexes below count UTF-16 code units, as Java does;
// for ASCII they are byte offsets.
func utf16Of(s string) []uint16 { return utf16.Encode([]rune(s)) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func stringMethod(x, name string, args []any) (any, error) {
	switch name {
	case "toString", "trim", "toLowerCase", "toUpperCase", "length", "isEmpty", "isBlank", "strip", "hashCode", "intern":
		if len(args) != 0 {
			return nil, nil
		}
		switch name {
		case "toString", "intern":
			return x, nil
		case "trim":
			return strings.TrimFunc(x, func(r rune) bool { return r <= ' ' }), nil
		case "strip":
			return strings.TrimSpace(x), nil
		case "toLowerCase":
			return strings.ToLower(x), nil
		case "toUpperCase":
			return strings.ToUpper(x), nil
		case "length":
			if isASCII(x) {
				return int64(len(x)), nil
			}
			return int64(len(utf16Of(x))), nil
		case "isEmpty":
			return x == "", nil
		case "isBlank":
			return strings.TrimSpace(x) == "", nil
		case "hashCode":
			var h int32
			for _, c := range utf16Of(x) {
				h = 31*h + int32(c)
			}
			return int64(h), nil
		}
	case "contains", "startsWith", "endsWith", "equals", "equalsIgnoreCase", "concat", "matches", "compareTo":
		if len(args) != 1 {
			return nil, nil
		}
		if name == "equals" {
			t, ok := args[0].(string)
			return ok && t == x, nil
		}
		a, ok := args[0].(string)
		if !ok {
			return nil, nil
		}
		switch name {
		case "contains":
			return strings.Contains(x, a), nil
		case "startsWith":
			return strings.HasPrefix(x, a), nil
		case "endsWith":
			return strings.HasSuffix(x, a), nil
		case "equalsIgnoreCase":
			return strings.EqualFold(x, a), nil
		case "concat":
			if len(x)+len(a) > maxOutput {
				return nil, errTooLarge
			}
			return x + a, nil
		case "compareTo":
			return int64(strings.Compare(x, a)), nil
		case "matches":
			re, err := javaRegexp("^(?:" + a + ")$")
			if err != nil {
				return nil, err
			}
			return re.MatchString(x), nil
		}
	case "indexOf", "lastIndexOf":
		if len(args) != 1 {
			return nil, nil
		}
		a, ok := args[0].(string)
		if !ok {
			return nil, nil
		}
		var i int
		if name == "indexOf" {
			i = strings.Index(x, a)
		} else {
			i = strings.LastIndex(x, a)
		}
		if i < 0 {
			return int64(-1), nil
		}
		return int64(len(utf16Of(x[:i]))), nil
	case "charAt":
		if len(args) != 1 {
			return nil, nil
		}
		u := utf16Of(x)
		i, ok := toInt(args[0])
		if !ok || i < 0 || i >= len(u) {
			return nil, errors.New("charAt: index out of range")
		}
		return string(utf16.Decode(u[i : i+1])), nil
	case "substring":
		u := utf16Of(x)
		if len(args) < 1 || len(args) > 2 {
			return nil, nil
		}
		from, ok := toInt(args[0])
		to := len(u)
		if len(args) == 2 {
			var ok2 bool
			to, ok2 = toInt(args[1])
			ok = ok && ok2
		}
		if !ok || from < 0 || to > len(u) || from > to {
			return nil, errors.New("substring: index out of range")
		}
		return string(utf16.Decode(u[from:to])), nil
	case "replace":
		a, ok := argStrings(args, 2)
		if !ok {
			return nil, nil
		}
		if a[0] == "" && len(a[1])*(len(x)+1) > maxOutput {
			return nil, errTooLarge
		}
		if a[0] != "" && len(a[1]) > len(a[0]) && int64(strings.Count(x, a[0]))*int64(len(a[1])) > maxOutput {
			return nil, errTooLarge
		}
		return strings.ReplaceAll(x, a[0], a[1]), nil
	case "replaceAll", "replaceFirst":
		a, ok := argStrings(args, 2)
		if !ok {
			return nil, nil
		}
		re, err := javaRegexp(a[0])
		if err != nil {
			return nil, err
		}
		repl := javaReplacement(a[1])
		if name == "replaceFirst" {
			loc := re.FindStringSubmatchIndex(x)
			if loc == nil {
				return x, nil
			}
			out := re.ExpandString(nil, repl, x, loc)
			return x[:loc[0]] + string(out) + x[loc[1]:], nil
		}
		if n := len(re.FindAllStringIndex(x, -1)); n*len(repl) > maxOutput {
			return nil, errTooLarge
		}
		return re.ReplaceAllString(x, repl), nil
	case "split":
		if len(args) < 1 || len(args) > 2 {
			return nil, nil
		}
		sep, ok := args[0].(string)
		if !ok {
			return nil, nil
		}
		limit := 0
		if len(args) == 2 {
			if limit, ok = toInt(args[1]); !ok {
				return nil, nil
			}
		}
		re, err := javaRegexp(sep)
		if err != nil {
			return nil, err
		}
		return javaSplit(re, x, limit), nil
	case "toCharArray", "getBytes":
		return nil, nil
	}
	return nil, nil
}

// javaSplit is String.split: a limit of 0 drops trailing empty strings,
// and a match at the very start yields no leading empty string when it is
// empty.
func javaSplit(re *regexp.Regexp, x string, limit int) *List {
	n := -1
	if limit > 0 {
		n = limit
	}
	var parts []string
	if x == "" {
		parts = []string{""}
	} else {
		parts = re.Split(x, n)
		if len(parts) > 1 && parts[0] == "" {
			if loc := re.FindStringIndex(x); loc != nil && loc[0] == 0 && loc[1] == 0 {
				parts = parts[1:]
			}
		}
	}
	if limit == 0 {
		for len(parts) > 1 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		if len(parts) == 1 && parts[0] == "" && x != "" {
			parts = nil
		}
	}
	l := &List{Items: make([]any, len(parts))}
	for i, p := range parts {
		l.Items[i] = p
	}
	return l
}

func numberMethod(x any, name string, args []any) any {
	i, f, isFloat, _ := jsonpath.Number(x)
	switch name {
	case "toString":
		r, _ := str(x)
		return r
	case "intValue", "longValue":
		if isFloat {
			return int64(f)
		}
		return i
	case "doubleValue", "floatValue":
		return f
	case "equals":
		if len(args) == 1 {
			return equal(x, args[0])
		}
	case "compareTo":
		if len(args) == 1 {
			if c, ok := jsonpath.Compare(x, args[0]); ok {
				return int64(c)
			}
		}
	}
	return nil
}

func mapMethod(m *Map, name string, args []any) (any, error) {
	switch name {
	case "put":
		if len(args) != 2 {
			return nil, nil
		}
		k, err := str(args[0])
		if err != nil {
			return nil, err
		}
		if len(m.Keys) >= maxItems {
			return nil, errors.New("map too large")
		}
		return m.Put(k, args[1]), nil
	case "putAll":
		if len(args) != 1 {
			return nil, nil
		}
		src, ok := args[0].(*Map)
		if !ok {
			return nil, nil
		}
		if len(m.Keys)+len(src.Keys) > maxItems {
			return nil, errors.New("map too large")
		}
		keys, vals := slices.Clone(src.Keys), slices.Clone(src.Vals)
		for i, k := range keys {
			m.Put(k, vals[i])
		}
		return nil, nil
	case "remove":
		if len(args) != 1 {
			return nil, nil
		}
		k, err := str(args[0])
		if err != nil {
			return nil, err
		}
		return m.Remove(k), nil
	case "clear":
		m.Clear()
		return nil, nil
	}
	return readMapMethod(m, name, args)
}

// readMapMethod is what every map kind answers, including Input's
// read-only ones.
func readMapMethod(m any, name string, args []any) (any, error) {
	keys := mapKeys(m)
	switch name {
	case "get", "containsKey", "getOrDefault":
		if len(args) < 1 || (name == "getOrDefault") != (len(args) == 2) || len(args) > 2 {
			return nil, nil
		}
		k, err := str(args[0])
		if err != nil {
			return nil, nil
		}
		v, ok := mapGet(m, k)
		switch name {
		case "containsKey":
			return ok, nil
		case "getOrDefault":
			if !ok {
				return args[1], nil
			}
		}
		return v, nil
	case "size":
		return int64(len(keys)), nil
	case "isEmpty":
		return len(keys) == 0, nil
	case "keySet":
		l := &List{Items: make([]any, len(keys))}
		for i, k := range keys {
			l.Items[i] = k
		}
		return l, nil
	case "values":
		l := &List{Items: make([]any, len(keys))}
		for i, k := range keys {
			l.Items[i], _ = mapGet(m, k)
		}
		return l, nil
	case "entrySet":
		l := &List{Items: make([]any, len(keys))}
		for i, k := range keys {
			v, _ := mapGet(m, k)
			l.Items[i] = &entry{key: k, val: v}
		}
		return l, nil
	case "containsValue":
		if len(args) != 1 {
			return nil, nil
		}
		for _, k := range keys {
			v, _ := mapGet(m, k)
			if equal(v, args[0]) {
				return true, nil
			}
		}
		return false, nil
	case "toString":
		return str(m)
	}
	return nil, nil
}

func mapKeys(m any) []string {
	switch x := m.(type) {
	case *Map:
		return x.Keys
	case map[string]any:
		return sortedKeys(x)
	case map[string]string:
		return sortedKeys(x)
	}
	return nil
}

func listMethod(l *List, name string, args []any) (any, error) {
	switch name {
	case "size":
		return int64(len(l.Items)), nil
	case "isEmpty":
		return len(l.Items) == 0, nil
	case "get":
		if len(args) != 1 {
			return nil, nil
		}
		i, ok := toInt(args[0])
		if !ok || i < 0 || i >= len(l.Items) {
			return nil, nil
		}
		return l.Items[i], nil
	case "contains", "indexOf":
		if len(args) != 1 {
			return nil, nil
		}
		for i, it := range l.Items {
			if equal(it, args[0]) {
				if name == "contains" {
					return true, nil
				}
				return int64(i), nil
			}
		}
		if name == "contains" {
			return false, nil
		}
		return int64(-1), nil
	case "add":
		if len(l.Items) >= maxItems {
			return nil, errors.New("list too large")
		}
		switch len(args) {
		case 1:
			l.Items = append(l.Items, args[0])
			return true, nil
		case 2:
			i, ok := toInt(args[0])
			if !ok || i < 0 || i > len(l.Items) {
				return nil, nil
			}
			l.Items = append(l.Items, nil)
			copy(l.Items[i+1:], l.Items[i:])
			l.Items[i] = args[1]
			return true, nil
		}
	case "addAll":
		if len(args) != 1 {
			return nil, nil
		}
		src, ok := args[0].(*List)
		if !ok {
			return nil, nil
		}
		if len(l.Items)+len(src.Items) > maxItems {
			return nil, errors.New("list too large")
		}
		l.Items = append(l.Items, src.Items...)
		return true, nil
	case "set":
		if len(args) != 2 {
			return nil, nil
		}
		i, ok := toInt(args[0])
		if !ok || i < 0 || i >= len(l.Items) {
			return nil, nil
		}
		old := l.Items[i]
		l.Items[i] = args[1]
		return old, nil
	case "remove":
		if len(args) != 1 {
			return nil, nil
		}
		if i, ok := toInt(args[0]); ok {
			if i < 0 || i >= len(l.Items) {
				return nil, nil
			}
			old := l.Items[i]
			l.Items = append(l.Items[:i], l.Items[i+1:]...)
			return old, nil
		}
		for i, it := range l.Items {
			if equal(it, args[0]) {
				l.Items = append(l.Items[:i], l.Items[i+1:]...)
				return true, nil
			}
		}
		return false, nil
	case "clear":
		l.Items = l.Items[:0]
		return nil, nil
	case "subList":
		if len(args) != 2 {
			return nil, nil
		}
		from, ok1 := toInt(args[0])
		to, ok2 := toInt(args[1])
		if !ok1 || !ok2 || from < 0 || to > len(l.Items) || from > to {
			return nil, nil
		}
		return &List{Items: append([]any(nil), l.Items[from:to]...)}, nil
	case "toString":
		return str(l)
	}
	return nil, nil
}
