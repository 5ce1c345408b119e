package apigateway

import (
	"strconv"
	"strings"
)

// PatchOperation is one change of an Update call. The v1 API borrows JSON
// Patch's shape (RFC 6902) but not its semantics: each resource lists the
// paths it accepts and what add, remove and replace mean for each.
type PatchOperation struct {
	Op    string  `json:"op"`
	Path  string  `json:"path"`
	Value *string `json:"value,omitempty"`
	From  *string `json:"from,omitempty"`
}

// patchPath is one path an Update call accepts, with a handler per op it
// supports (nil: the op is refused on that path). A path ending in "/*"
// names one member of a map or set: its handlers get the member's name,
// unescaped, as key. Handlers get "" as the value of a remove, or of an
// operation that carries none.
type patchPath struct {
	path string
	// parse, when set, matches paths the pattern cannot express (a key of
	// several segments, as in a stage's "/~1pets/GET/throttling/rateLimit")
	// and returns the key; path then only names it in errors.
	parse                func(path string) (key string, ok bool)
	add, remove, replace func(key, value string) error
}

// applyPatch runs ops in order against paths. Handlers change a copy of the
// record the caller holds; the caller validates the result as a whole and
// writes it in the same transaction, so a failure at any op changes nothing.
func applyPatch(ops []PatchOperation, paths []patchPath) error {
	for _, op := range ops {
		if err := applyOne(op, paths); err != nil {
			return err
		}
	}
	return nil
}

func applyOne(op PatchOperation, paths []patchPath) error {
	switch op.Op {
	case "add", "remove", "replace":
	case "move", "copy", "test":
		return badRequest("Invalid patch path '%s' specified for op '%s'. Please choose supported operations", op.Path, op.Op)
	default:
		return enumError("patchOperations.member.op", op.Op, []string{"add", "remove", "replace", "move", "copy", "test"})
	}
	value := ""
	if op.Value != nil {
		value = *op.Value
	}
	for _, p := range paths {
		key, ok := p.match(op.Path)
		if !ok {
			continue
		}
		if fn := p.handler(op.Op); fn != nil {
			return fn(key, value)
		}
		break
	}
	var valid []string
	for _, p := range paths {
		if p.handler(op.Op) != nil {
			valid = append(valid, p.path)
		}
	}
	return badRequest("Invalid patch path '%s' specified for op '%s'. Must be one of: [%s]", op.Path, op.Op, strings.Join(valid, ", "))
}

func (p patchPath) handler(op string) func(key, value string) error {
	switch op {
	case "add":
		return p.add
	case "remove":
		return p.remove
	case "replace":
		return p.replace
	}
	return nil
}

// match reports whether path names p, and the member key for "/*" paths.
func (p patchPath) match(path string) (string, bool) {
	if p.parse != nil {
		return p.parse(path)
	}
	prefix, wild := strings.CutSuffix(p.path, "*")
	if !wild {
		return "", path == p.path
	}
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return unescapePointer(rest), true
}

// unescapePointer undoes JSON Pointer's escapes: a "/" inside a key travels
// as "~1" ("/requestTemplates/application~1json"), a "~" as "~0".
func unescapePointer(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// replaceText is a string member that replace sets.
func replaceText(path string, dst *string) patchPath {
	return patchPath{path: path, replace: func(_, v string) error { *dst = v; return nil }}
}

// optionalText is a string member that replace sets and remove clears.
func optionalText(path string, dst *string) patchPath {
	p := replaceText(path, dst)
	p.remove = func(string, string) error { *dst = ""; return nil }
	return p
}

// replaceBool is a boolean member that replace sets from "true" or "false".
func replaceBool(path string, dst *bool) patchPath {
	return patchPath{path: path, replace: func(_, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("Invalid boolean value for %s: %s", path, v)
		}
		*dst = b
		return nil
	}}
}

// mapMember is one entry of a string map ("/variables/*"): add and replace
// set it, remove deletes it.
func mapMember(path string, m *map[string]string) patchPath {
	set := func(k, v string) error {
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[k] = v
		return nil
	}
	return patchPath{path: path, add: set, replace: set, remove: func(k, _ string) error {
		delete(*m, k)
		return nil
	}}
}

// flagMember is one declared parameter of a map from name to a boolean
// ("/requestParameters/*": required or not): add and replace set it from
// "true" or "false" (no value: false), remove deletes it, and a name
// valid refuses, or a remove of a name not declared, is refused.
func flagMember(path string, m *map[string]bool, valid func(string) error) patchPath {
	set := func(k, v string) error {
		if err := valid(k); err != nil {
			return err
		}
		flag := false
		if v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return badRequest("Invalid boolean value for %s: %s", k, v)
			}
			flag = b
		}
		if *m == nil {
			*m = map[string]bool{}
		}
		(*m)[k] = flag
		return nil
	}
	return patchPath{path: path, add: set, replace: set, remove: func(k, _ string) error {
		if _, ok := (*m)[k]; !ok {
			return notFound("Invalid parameter name specified")
		}
		delete(*m, k)
		return nil
	}}
}

// setMember is one element of a string set ("/binaryMediaTypes/*"): add
// puts the key in, remove takes it out.
func setMember(path string, s *[]string) patchPath {
	return patchPath{path: path,
		add: func(k, _ string) error {
			for _, have := range *s {
				if have == k {
					return nil
				}
			}
			*s = append(*s, k)
			return nil
		},
		remove: func(k, _ string) error {
			out := (*s)[:0]
			for _, have := range *s {
				if have != k {
					out = append(out, have)
				}
			}
			*s = out
			return nil
		},
	}
}
