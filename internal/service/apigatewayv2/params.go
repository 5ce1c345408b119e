package apigatewayv2

import (
	"strconv"
	"strings"
)

// reservedHeaders are the headers an HTTP API's parameter mapping may not
// touch, in either direction, as API Gateway's developer guide lists them.
// Entries ending in '*' are prefixes. Header names compare without case.
var reservedHeaders = []string{
	"access-control-*",
	"apigw-*",
	"authorization",
	"connection",
	"content-encoding",
	"content-length",
	"content-location",
	"forwarded",
	"keep-alive",
	"origin",
	"proxy-authenticate",
	"proxy-authorization",
	"te",
	"trailers",
	"transfer-encoding",
	"upgrade",
	"x-amz-*",
	"x-amzn-*",
	"x-forwarded-for",
	"x-forwarded-host",
	"x-forwarded-proto",
	"via",
}

func reservedHeader(name string) bool {
	name = strings.ToLower(name)
	for _, r := range reservedHeaders {
		if p, ok := strings.CutSuffix(r, "*"); ok && strings.HasPrefix(name, p) || name == r {
			return true
		}
	}
	return false
}

// maxParamValue is the longest mapping value AWS accepts.
const maxParamValue = 512

// checkRequestParameters validates an integration's request mapping: keys
// append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME
// and overwrite:path.
func checkRequestParameters(params map[string]string) error {
	for k, v := range params {
		if len(v) > maxParamValue {
			return badRequest("Invalid mapping value for %s: it is longer than %d characters.", k, maxParamValue)
		}
		if k == "overwrite:path" {
			continue
		}
		if err := checkMappingKey(k, "request", "querystring"); err != nil {
			return err
		}
	}
	return nil
}

// checkResponseParameters validates an integration's response mapping:
// per backend status code 200-599, keys append|overwrite|remove:header.NAME
// and overwrite:statuscode.
func checkResponseParameters(params map[string]map[string]string) error {
	for code, m := range params {
		n, err := strconv.Atoi(code)
		if err != nil || n < 200 || n > 599 || len(code) != 3 {
			return badRequest("Invalid response parameter key %q: it must be a status code from 200 to 599.", code)
		}
		for k, v := range m {
			if len(v) > maxParamValue {
				return badRequest("Invalid mapping value for %s: it is longer than %d characters.", k, maxParamValue)
			}
			if k == "overwrite:statuscode" {
				continue
			}
			if err := checkMappingKey(k, "response", ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkMappingKey checks an ACTION:header.NAME key (or, when other is set,
// ACTION:other.NAME).
func checkMappingKey(k, direction, other string) error {
	action, target, ok := strings.Cut(k, ":")
	if !ok || (action != "append" && action != "overwrite" && action != "remove") {
		return badRequest("Invalid %s parameter mapping key %q: it must start with append:, overwrite: or remove:.", direction, k)
	}
	kind, name, ok := strings.Cut(target, ".")
	switch {
	case ok && name != "" && kind == "header":
		if reservedHeader(name) {
			return badRequest("Invalid %s parameter mapping key %q: the header %s is reserved and cannot be mapped.", direction, k, name)
		}
		return nil
	case ok && name != "" && other != "" && kind == other:
		return nil
	}
	want := "header.NAME"
	if other != "" {
		want += " or " + other + ".NAME"
	}
	return badRequest("Invalid %s parameter mapping key %q: after the action it must name %s.", direction, k, want)
}

// mergeParameters applies an update's request mapping to the stored one:
// a key set to "" is removed, as API Gateway documents.
func mergeParameters(stored, update map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range stored {
		out[k] = v
	}
	for k, v := range update {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mergeResponseParameters does mergeParameters for each status code; a code
// left without mappings goes.
func mergeResponseParameters(stored, update map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for code, m := range stored {
		out[code] = m
	}
	for code, m := range update {
		if merged := mergeParameters(out[code], m); merged != nil && len(m) > 0 {
			out[code] = merged
		} else {
			delete(out, code)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// withoutEmpty drops the "" values a create call may carry: they mean "no
// mapping", as they do in an update.
func withoutEmpty(m map[string]string) map[string]string {
	return mergeParameters(nil, m)
}
