package authpolicy

import (
	"encoding/json"
	"strconv"
)

// Scalar is a principalId, usageIdentifierKey or context value of an
// authorizer's answer as API Gateway hands it on
// ($context.authorizer.NAME): a string as it is, a number as written, a
// boolean as true or false. ok is false for anything else (null, an
// object, a list), which a REST API's authorizer may not return.
func Scalar(v any) (s string, ok bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// Render is a value of an HTTP API authorizer's context as
// $context.authorizer.NAME gives it: a scalar as Scalar has it, null as
// nothing, an object or a list as JSON.
func Render(v any) string {
	if s, ok := Scalar(v); ok || v == nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
