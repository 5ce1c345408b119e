package apigateway

import (
	"encoding/json"
	"sort"
	"strings"

	"gatehouse/internal/schema"
)

// flatten inlines the models src refers to, as GetModel's flatten=true
// does, so the schema reads whole. A model reached again inside itself
// keeps its $ref: a recursive model cannot be inlined.
func flatten(apiID, src string, models map[string]string) (string, error) {
	var doc any
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		return "", badRequest("Invalid model schema specified")
	}
	prefix := schema.ModelURL(apiID, "")
	var walk func(v any, open map[string]bool) any
	walk = func(v any, open map[string]bool) any {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if name, ok := strings.CutPrefix(ref, prefix); ok && !open[name] {
					var inner any
					if json.Unmarshal([]byte(models[name]), &inner) == nil {
						open[name] = true
						inner = walk(inner, open)
						delete(open, name)
						if obj, ok := inner.(map[string]any); ok {
							delete(obj, "$schema")
						}
						return inner
					}
				}
			}
			for k, e := range v {
				v[k] = walk(e, open)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e, open)
			}
		}
		return v
	}
	out, err := json.MarshalIndent(walk(doc, map[string]bool{}), "", "  ")
	return string(out), err
}

// modelTemplate writes a mapping template for a (flattened) schema: each
// property read from the same path of the input, strings quoted, arrays
// written with #foreach.
func modelTemplate(doc map[string]any) string {
	var b strings.Builder
	b.WriteString("#set($inputRoot = $input.path('$'))\n")
	templateValue(&b, doc, "$inputRoot", "")
	b.WriteString("\n")
	return b.String()
}

func templateValue(b *strings.Builder, s map[string]any, ref, indent string) {
	switch schemaType(s) {
	case "object":
		props, _ := s["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		b.WriteString("{")
		for i, n := range names {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n" + indent + "  \"" + n + "\" : ")
			p, _ := props[n].(map[string]any)
			templateValue(b, p, ref+"."+n, indent+"  ")
		}
		if len(names) > 0 {
			b.WriteString("\n" + indent)
		}
		b.WriteString("}")
	case "array":
		items, _ := s["items"].(map[string]any)
		elem := "$elem" + string(rune('0'+min(len(indent)/2, 9)))
		b.WriteString("[\n#foreach(" + elem + " in " + ref + ")\n" + indent + "  ")
		templateValue(b, items, elem, indent+"  ")
		b.WriteString("#if($foreach.hasNext),#end\n#end\n" + indent + "]")
	case "string":
		b.WriteString("\"" + ref + "\"")
	default:
		b.WriteString(ref)
	}
}

// schemaType is a schema's type, its first when it lists several, and
// object when it has properties but names no type.
func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		if len(t) > 0 {
			if first, ok := t[0].(string); ok {
				return first
			}
		}
	}
	if _, ok := s["properties"]; ok {
		return "object"
	}
	return ""
}
