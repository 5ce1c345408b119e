// Package lambdaproxy reads what a function returns to a proxy
// integration or an ALB: the response document of REST proxy integrations
// (read more strictly), HTTP APIs' payload format 1.0 and ALB lambda
// targets (one shape), and HTTP APIs' payload format 2.0, which also infers
// an answer from any other JSON. Building the events sent is each pipeline's own business; reading
// the answers is shared, so the three cannot drift apart.
package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Response is a function's answer, ready to send.
type Response struct {
	Status int
	// StatusDescription is an ALB answer's "200 OK", "" when not given.
	StatusDescription string
	Header            http.Header
	Body              []byte
	// Base64 says the document gave its body base64-encoded
	// (isBase64Encoded); Body is decoded. A REST API sends such a body
	// decoded only when the client accepts a binary media type, and the
	// base64 text otherwise.
	Base64 bool
}

// ErrMalformed is a function answer that is not the proxy response
// document: API Gateway's "Malformed Lambda proxy response".
var ErrMalformed = errors.New("malformed Lambda proxy response")

type document struct {
	StatusCode        json.RawMessage     `json:"statusCode"`
	StatusDescription *string             `json:"statusDescription"`
	Headers           map[string]*string  `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`

	// valueHeaders are the headers ParseREST and ParseV1 read in place
	// of Headers, whose values may be booleans.
	valueHeaders map[string]headerValue
}

// valueDocument is the document of ParseV1 and ParseREST, whose header
// values may be booleans.
type valueDocument struct {
	document
	Headers map[string]headerValue `json:"headers"`
}

func (d *valueDocument) response() (*Response, error) {
	d.valueHeaders = d.Headers
	return d.document.response()
}

// ParseV1 reads the response document of HTTP APIs' format 1.0: a JSON
// object with statusCode, and headers (a value may be a boolean, sent as
// its text), multiValueHeaders, body (a string, base64 with
// isBase64Encoded) as it likes; other members are ignored. Anything else
// is ErrMalformed. A header named in both maps takes multiValueHeaders'
// values, as on AWS.
func ParseV1(payload []byte) (*Response, error) {
	var d valueDocument
	if err := json.Unmarshal(payload, &d); err != nil || d.StatusCode == nil {
		return nil, ErrMalformed
	}
	return d.response()
}

// ParseREST reads a REST API proxy integration's answer: an object of
// statusCode, headers, multiValueHeaders, body and isBase64Encoded, each
// optional, and nothing else. A REST API refuses any other member where
// HTTP APIs' format 1.0 ignores it, takes a header value given as a
// boolean as its text, and answers 200 when statusCode is missing, where
// format 1.0 fails.
func ParseREST(payload []byte) (*Response, error) {
	if !restMembers(payload) {
		return nil, ErrMalformed
	}
	var d valueDocument
	if err := json.Unmarshal(payload, &d); err != nil {
		return nil, ErrMalformed
	}
	if d.StatusCode == nil || string(d.StatusCode) == "null" {
		d.StatusCode = json.RawMessage("200")
	}
	return d.response()
}

// restMembers reports whether payload is an object whose members are all
// ones a REST answer may have, names matched exactly (the decoder would
// take "StatusCode" for statusCode). It reads only the names at the top
// level, so it allocates nothing; the decoder checks the rest.
func restMembers(payload []byte) bool {
	b := bytes.TrimSpace(payload)
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	depth, name := 0, false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
			name = depth == 1
		case '}', ']':
			depth--
		case ',':
			name = depth == 1
		case '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if name {
				switch string(b[i+1 : min(j, len(b))]) {
				case "statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded":
				default:
					return false
				}
				name = false
			}
			i = j
		}
	}
	return true
}

// headerValue is a REST or format 1.0 answer's header value: a string, a
// boolean (sent as "true" or "false"), or null, which sets nothing.
type headerValue struct {
	s   string
	set bool
}

func (h *headerValue) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		return nil
	case string(b) == "true" || string(b) == "false":
		h.s, h.set = string(b), true
		return nil
	case len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0:
		// The common case, a plain string, without a second decoder.
		h.s, h.set = string(b[1:len(b)-1]), true
		return nil
	}
	h.set = true
	return json.Unmarshal(b, &h.s)
}

// ParseALB reads an ALB lambda target's answer: the document ParseV1
// reads, with the one header map the target group's multi-value setting
// names. AWS has the function answer with multiValueHeaders when the
// group's lambda.multi_value_headers.enabled is on and with headers when
// it is off; the load balancer reads that map and leaves the other.
func ParseALB(payload []byte, multiValue bool) (*Response, error) {
	var d document
	if err := json.Unmarshal(payload, &d); err != nil || d.StatusCode == nil {
		return nil, ErrMalformed
	}
	if multiValue {
		d.Headers = nil
	} else {
		d.MultiValueHeaders = nil
	}
	d.Cookies = nil // an HTTP API 2.0 field
	return d.response()
}

// ParseV2 reads an HTTP API format 2.0 answer: the document ParseV1 reads
// (with cookies), or, when the payload is JSON without a statusCode, a 200
// application/json answer whose body is the payload itself.
func ParseV2(payload []byte) (*Response, error) {
	trimmed := bytes.TrimSpace(payload)
	if !json.Valid(trimmed) {
		return nil, ErrMalformed
	}
	var d document
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &d) != nil || d.StatusCode == nil {
		// Not a response document: the payload is the answer.
		return &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: trimmed}, nil
	}
	return d.response()
}

func (d *document) response() (*Response, error) {
	status, err := statusCode(d.StatusCode)
	if err != nil {
		return nil, err
	}
	r := &Response{Status: status, Header: make(http.Header, len(d.Headers)+len(d.valueHeaders)+len(d.MultiValueHeaders)+len(d.Cookies))}
	if d.StatusDescription != nil {
		r.StatusDescription = *d.StatusDescription
	}
	for k, v := range d.Headers {
		if v != nil {
			r.Header[http.CanonicalHeaderKey(k)] = []string{*v}
		}
	}
	for k, v := range d.valueHeaders {
		if v.set {
			r.Header[http.CanonicalHeaderKey(k)] = []string{v.s}
		}
	}
	for k, vs := range d.MultiValueHeaders {
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	for _, c := range d.Cookies {
		r.Header.Add("Set-Cookie", c)
	}
	if d.Body != nil {
		r.Body = []byte(*d.Body)
		if d.IsBase64Encoded {
			r.Base64 = true
			if r.Body, err = base64.StdEncoding.DecodeString(*d.Body); err != nil {
				return nil, ErrMalformed
			}
		}
	}
	return r, nil
}

// statusCode takes a number or a string of digits, 100 to 599.
func statusCode(raw json.RawMessage) (int, error) {
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, ErrMalformed
		}
		if n, err = strconv.Atoi(s); err != nil {
			return 0, ErrMalformed
		}
	}
	if n < 100 || n > 599 {
		return 0, ErrMalformed
	}
	return n, nil
}
