// Package jsonbody decodes JSON request bodies for the wire families that
// carry them (REST-JSON, awsJson) and says what went wrong in AWS's terms:
// a SerializationException naming the member and the kind it needed.
package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"

	"gatehouse/internal/api"
)

// CodeSerialization is what AWS's front end answers for a body it cannot
// read as the operation's input, malformed or of the wrong JSON types.
const CodeSerialization = "SerializationException"

// Decode decodes a request body into in. An empty body counts as {}: the
// SDKs always send an object, and clients send none for operations whose
// members are all optional.
func Decode(body []byte, in any) *api.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var (
		ae  *api.Error
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &ae):
		// A shape's own UnmarshalJSON (a timestamp, an enum) may already
		// speak AWS.
		return ae
	case errors.As(err, &syn):
		return api.BadRequest(CodeSerialization, "The request body is not valid JSON: %v (at byte %d).", syn, syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return api.BadRequest(CodeSerialization, "The request body must be a JSON object, not a JSON %s.", typ.Value)
	case errors.As(err, &typ):
		return api.BadRequest(CodeSerialization, "Member %s must be %s, not a JSON %s.", typ.Field, KindName(typ.Type), typ.Value)
	}
	return api.BadRequest(CodeSerialization, "The request body could not be decoded: %v", err)
}

// KindName names t the way a JSON user thinks of it.
func KindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}
