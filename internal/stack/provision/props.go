package provision

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gatehouse/internal/stack"
)

// props reads resolved properties. CloudFormation is lenient about scalars
// ("80" and 80 are the same port), so every getter accepts both.
type props map[string]any

func (p props) str(k string) *string {
	v, ok := p[k]
	if !ok || v == nil {
		return nil
	}
	s, err := stack.String(v)
	if err != nil {
		return nil
	}
	return &s
}

func (p props) string(k string) string {
	if s := p.str(k); s != nil {
		return *s
	}
	return ""
}

func (p props) int32(k string) (*int32, error) {
	s := p.str(k)
	if s == nil {
		return nil, nil
	}
	n, err := strconv.ParseInt(*s, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%s: want a number, got %q", k, *s)
	}
	i := int32(n)
	return &i, nil
}

func (p props) bool(k string) (*bool, error) {
	s := p.str(k)
	if s == nil {
		return nil, nil
	}
	b, err := strconv.ParseBool(*s)
	if err != nil {
		return nil, fmt.Errorf("%s: want true or false, got %q", k, *s)
	}
	return &b, nil
}

func (p props) strings(k string) []string {
	l, ok := p[k].([]any)
	if !ok {
		if s := p.str(k); s != nil {
			return []string{*s}
		}
		return nil
	}
	var out []string
	for _, x := range l {
		if s, err := stack.String(x); err == nil {
			out = append(out, s)
		}
	}
	return out
}

func (p props) stringMap(k string) map[string]string {
	m, ok := p[k].(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for key, v := range m {
		if s, err := stack.String(v); err == nil {
			out[key] = s
		}
	}
	return out
}

func (p props) list(k string) []props {
	l, _ := p[k].([]any)
	var out []props
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, props(m))
		}
	}
	return out
}

// tags reads CloudFormation's [{Key, Value}] list.
func (p props) tags() map[string]string {
	out := map[string]string{}
	for _, t := range p.list("Tags") {
		out[t.string("Key")] = t.string("Value")
	}
	if m := p.stringMap("Tags"); m != nil {
		return m // API Gateway V2 writes tags as a map
	}
	return out
}

// decode fills an SDK shape from a property value. CloudFormation's nested
// property names are the API's member names (Actions, ForwardConfig,
// HealthCheckEnabled...), so fields match by name, ignoring case; scalars
// convert as CloudFormation converts them. Unknown names are an error, so
// a misspelt property does not vanish silently.
func decode(v any, out any) error {
	return decodeValue(v, reflect.ValueOf(out).Elem(), "")
}

func decodeValue(v any, dst reflect.Value, path string) error {
	if v == nil {
		return nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		n := reflect.New(dst.Type().Elem())
		if err := decodeValue(v, n.Elem(), path); err != nil {
			return err
		}
		dst.Set(n)
		return nil
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want a mapping", path)
		}
		for k, x := range m {
			f := dst.FieldByNameFunc(func(name string) bool { return strings.EqualFold(name, k) })
			if !f.IsValid() || !f.CanSet() {
				return fmt.Errorf("%s: unknown property %s", strings.TrimPrefix(path+"."+k, "."), k)
			}
			if err := decodeValue(x, f, strings.TrimPrefix(path+"."+k, ".")); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			l = []any{v}
		}
		s := reflect.MakeSlice(dst.Type(), len(l), len(l))
		for i, x := range l {
			if err := decodeValue(x, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("%s: want a mapping", path)
		}
		out := reflect.MakeMap(dst.Type())
		for k, x := range m {
			e := reflect.New(dst.Type().Elem()).Elem()
			if err := decodeValue(x, e, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), e)
		}
		dst.Set(out)
		return nil
	}
	s, err := stack.String(v)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	switch dst.Kind() {
	case reflect.String:
		dst.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s: want true or false, got %q", path, s)
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: want a whole number, got %q", path, s)
		}
		dst.SetInt(n)
	case reflect.Float64, reflect.Float32:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%s: want a number, got %q", path, s)
		}
		dst.SetFloat(f)
	default:
		return fmt.Errorf("%s: cannot hold %T", path, v)
	}
	return nil
}
