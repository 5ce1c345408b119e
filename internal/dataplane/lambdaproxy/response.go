// Package lambdaproxy reads what a function returns to a proxy
// integration or an ALB: the response document of REST proxy integrations,
// HTTP APIs' payload format 1.0 and ALB lambda targets (one shape), and
// HTTP APIs' payload format 2.0, which also infers an answer from any other
// JSON. Building the events sent is each pipeline's own business; reading
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
}

// ParseV1 reads the response document of REST proxy integrations, HTTP
// APIs' format 1.0 and ALB targets: a JSON object with statusCode, and
// headers, multiValueHeaders, body (a string, base64 with isBase64Encoded)
// as it likes. Anything else is ErrMalformed. A header named in both maps
// takes multiValueHeaders' values, as on AWS.
func ParseV1(payload []byte) (*Response, error) {
	var d document
	if err := strict(payload, &d); err != nil || d.StatusCode == nil {
		return nil, ErrMalformed
	}
	return d.response()
}

// ParseALB reads an ALB lambda target's answer: the document ParseV1
// reads, with the one header map the target group's multi-value setting
// names. AWS has the function answer with multiValueHeaders when the
// group's lambda.multi_value_headers.enabled is on and with headers when
// it is off; the load balancer reads that map and leaves the other.
func ParseALB(payload []byte, multiValue bool) (*Response, error) {
	var d document
	if err := strict(payload, &d); err != nil || d.StatusCode == nil {
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
	if trimmed[0] != '{' || strict(trimmed, &d) != nil || d.StatusCode == nil {
		// Not a response document: the payload is the answer.
		return &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: trimmed}, nil
	}
	return d.response()
}

func strict(payload []byte, d *document) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(d); err != nil {
		return err
	}
	if dec.More() {
		return ErrMalformed
	}
	return nil
}

func (d *document) response() (*Response, error) {
	status, err := statusCode(d.StatusCode)
	if err != nil {
		return nil, err
	}
	r := &Response{Status: status, Header: make(http.Header, len(d.Headers)+len(d.MultiValueHeaders)+len(d.Cookies))}
	if d.StatusDescription != nil {
		r.StatusDescription = *d.StatusDescription
	}
	for k, v := range d.Headers {
		if v != nil {
			r.Header[http.CanonicalHeaderKey(k)] = []string{*v}
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
