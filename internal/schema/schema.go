// Package schema compiles REST API models, JSON Schema draft 4 documents,
// and validates request bodies against them. The management API calls
// Compile to refuse a bad model when it is created, and the data plane
// calls it once per deployed model, so what is accepted is what runs and
// no request parses a schema. Models of one API refer to each other by
// AWS's canonical URL (ModelURL); nothing is ever loaded from elsewhere.
package schema

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer words the library's messages in English.
var printer = message.NewPrinter(language.English)

// ModelURL is the canonical address of an API's model, the form a $ref
// between models must take.
func ModelURL(apiID, name string) string {
	return "https://apigateway.amazonaws.com/restapis/" + apiID + "/models/" + name
}

// Schema is a compiled model.
type Schema struct {
	s *jsonschema.Schema
}

// Error is why a model is refused, worded as AWS's validation result
// detail ("Invalid model schema specified").
type Error struct{ Detail string }

func (e *Error) Error() string { return e.Detail }

// Compile compiles the model name of models (every model of the API, by
// name, as schema text), resolving its references to the others. Models
// it does not reach are not parsed.
func Compile(apiID, name string, models map[string]string) (*Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	// No loader: a reference outside the API's models fails, and no file
	// or network address is ever read.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	seen := map[string]bool{}
	queue := []string{name}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n] {
			continue
		}
		seen[n] = true
		src, ok := models[n]
		if !ok {
			return nil, &Error{"Invalid model name specified: " + n}
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(src))
		if err != nil {
			return nil, &Error{"Invalid model schema specified"}
		}
		refs, err := references(apiID, doc)
		if err != nil {
			return nil, err
		}
		queue = append(queue, refs...)
		if err := c.AddResource(ModelURL(apiID, n), doc); err != nil {
			return nil, &Error{"Invalid model schema specified"}
		}
	}
	s, err := c.Compile(ModelURL(apiID, name))
	if err != nil {
		return nil, &Error{"Invalid model schema specified"}
	}
	return &Schema{s: s}, nil
}

// references lists the models doc refers to, refusing a $ref that is
// neither a pointer inside the document nor a model of the same API.
func references(apiID string, doc any) ([]string, error) {
	prefix := ModelURL(apiID, "")
	var out []string
	var walk func(v any) error
	walk = func(v any) error {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && !strings.HasPrefix(ref, "#") {
				name, ok := strings.CutPrefix(ref, prefix)
				name, _, _ = strings.Cut(name, "#")
				if !ok || name == "" || strings.Contains(name, "/") {
					return &Error{"Model reference must be in canonical form"}
				}
				out = append(out, name)
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if err := walk(v[k]); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range v {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(doc)
}

// Validate checks body against the schema; an empty body is checked as
// an empty object. The error lists what failed, for
// $context.error.validationErrorString.
func (s *Schema) Validate(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return errors.New("[Invalid JSON: " + firstLine(err.Error()) + "]")
	}
	err = s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("[%s]", firstLine(err.Error()))
	}
	var msgs []string
	collect(ve, &msgs)
	return errors.New("[" + strings.Join(msgs, ", ") + "]")
}

// collect gathers the leaf failures of a validation error, each with the
// place in the body it concerns.
func collect(ve *jsonschema.ValidationError, out *[]string) {
	if len(ve.Causes) == 0 {
		msg := firstLine(ve.ErrorKind.LocalizedString(printer))
		if len(ve.InstanceLocation) > 0 {
			msg = "/" + strings.Join(ve.InstanceLocation, "/") + ": " + msg
		}
		*out = append(*out, msg)
		return
	}
	for _, c := range ve.Causes {
		collect(c, out)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
