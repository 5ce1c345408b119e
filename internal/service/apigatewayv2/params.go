package apigatewayv2

import "gatehouse/internal/httpmap"

// checkRequestParameters validates an integration's request mapping by
// parsing it as the data plane will: keys
// append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME
// and overwrite:path, values of the variables a request can read.
func checkRequestParameters(params map[string]string) error {
	if _, err := httpmap.Request(params); err != nil {
		return badRequest("%s", err.Error())
	}
	return nil
}

// checkResponseParameters validates an integration's response mapping:
// per backend status code 200-599, keys append|overwrite|remove:header.NAME
// and overwrite:statuscode.
func checkResponseParameters(params map[string]map[string]string) error {
	if _, err := httpmap.Response(params); err != nil {
		return badRequest("%s", err.Error())
	}
	return nil
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
