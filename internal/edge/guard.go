package edge

import (
	"mime"
	"net/http"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/sigv4"
)

// The management plane's guards against requests no AWS client sends: a
// web page can make a browser send a GET, or a POST with a form or plain
// text body, to a local gatehouse without asking anyone. None of those may
// change anything.

// family is a service's wire protocol.
type family uint8

const (
	queryEC2 family = iota + 1 // EC2's Query dialect
	awsQuery                   // Elastic Load Balancing, STS, CloudFormation
	awsJSON                    // Cloud Map, Systems Manager
	restJSON                   // API Gateway v1 and v2, Lambda
)

var families = map[string]family{
	EC2:              queryEC2,
	ELBv2:            awsQuery,
	STS:              awsQuery,
	CloudFormation:   awsQuery,
	ServiceDiscovery: awsJSON,
	SSM:              awsJSON,
	APIGateway:       restJSON,
	APIGatewayV2:     restJSON,
	Lambda:           restJSON,
}

// protocolError checks a request's method and content type against what
// service's protocol uses, and returns the answer for one that does not
// fit, or nil. signed says the request's signature was verified: a signed
// Query GET may do anything, as on AWS, since no web page can sign.
func protocolError(service string, r *http.Request, signed bool) *api.Error {
	ct := mediaType(r.Header.Get("Content-Type"))
	switch families[service] {
	case queryEC2, awsQuery:
		switch r.Method {
		case http.MethodPost:
			if ct != "application/x-www-form-urlencoded" {
				return unsupportedMedia(service, ct, "application/x-www-form-urlencoded")
			}
		case http.MethodGet:
			// The Query protocol takes GET, but only reading is safe
			// unsigned: a link or an image tag can make a browser send it.
			if action := r.URL.Query().Get("Action"); !signed && !api.ReadOnly(action) {
				return notAllowed(service, r.Method)
			}
		default:
			return notAllowed(service, r.Method)
		}
	case awsJSON:
		// awsJson's handler answers other methods as unknown operations.
		if r.Method == http.MethodPost && ct != "application/x-amz-json-1.1" && ct != "application/x-amz-json-1.0" {
			return unsupportedMedia(service, ct, "application/x-amz-json-1.1")
		}
	case restJSON:
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			// Routes of these methods only read.
		default:
			if ct == "application/octet-stream" && service == APIGateway && takesFile(r) {
				// ImportApiKeys, ImportRestApi and PutRestApi send a file
				// as the body; no web page can send this type without the
				// browser asking first.
				break
			}
			if service == Lambda && invokesFunction(r) && !browserSendable(ct) {
				// Invoke's body is the event, sent with whatever type the
				// client names (octet-stream by the SDKs); only the types a
				// web page may send unasked are refused.
				break
			}
			if ct != "application/json" && (ct != "" || r.ContentLength != 0) {
				return unsupportedMedia(service, ct, "application/json")
			}
		}
	}
	return nil
}

// invokesFunction reports whether r is Lambda's Invoke (or the older
// InvokeAsync), whose body is the function's event as it is.
func invokesFunction(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	if !ok {
		rest, ok = strings.CutPrefix(r.URL.Path, "/2014-11-13/functions/")
	}
	return ok && r.Method == http.MethodPost && (strings.HasSuffix(rest, "/invocations") || strings.HasSuffix(rest, "/invoke-async"))
}

// browserSendable reports whether a web page can make a browser POST a
// body of content type ct without asking the server first (a CORS simple
// request).
func browserSendable(ct string) bool {
	return ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" || ct == "text/plain"
}

// takesFile reports whether r is an apigateway operation whose body is a
// file: ImportApiKeys' CSV, or ImportRestApi's and PutRestApi's OpenAPI
// document.
func takesFile(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && (p == "/apikeys" || p == "/restapis"):
		return r.URL.Query().Get("mode") == "import"
	case r.Method == http.MethodPut:
		rest, ok := strings.CutPrefix(p, "/restapis/")
		return ok && rest != "" && !strings.Contains(rest, "/")
	}
	return false
}

func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	t, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return t
}

// unsupportedMedia and notAllowed are gatehouse's own answers: AWS would
// first refuse such a request for its missing signature. The codes are the
// ones AWS services use for the same statuses.
func unsupportedMedia(service, got, want string) *api.Error {
	code := "UnsupportedMediaTypeException"
	if f := families[service]; f == queryEC2 || f == awsQuery {
		code = "UnsupportedMediaType"
	}
	if got == "" {
		got = "none"
	}
	return api.Errorf(http.StatusUnsupportedMediaType, code,
		"Unsupported Media Type: the request's content type is %s; this API takes %s.", got, want)
}

func notAllowed(service, method string) *api.Error {
	code := "MethodNotAllowedException"
	if f := families[service]; f == queryEC2 || f == awsQuery {
		code = "MethodNotAllowed"
	}
	return api.Errorf(http.StatusMethodNotAllowed, code,
		"The specified method is not allowed against this resource: %s can only read; use POST.", method)
}

// signatureError is a refused signature as service's protocol answers it.
// sigv4's codes are the awsQuery ones (Elastic Load Balancing); EC2 has
// its own, and the JSON families use the Exception-suffixed names, awsJson
// with 400 and REST-JSON with 403.
func signatureError(service string, e *sigv4.Error) *api.Error {
	switch families[service] {
	case queryEC2:
		switch e.Kind {
		case sigv4.Missing:
			return api.BadRequest("MissingParameter", "The request must contain the parameter AWSAccessKeyId")
		case sigv4.UnknownKey:
			return api.Errorf(http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
		case sigv4.Expired:
			return api.BadRequest("RequestExpired", "Request has expired.")
		case sigv4.Incomplete:
			return api.BadRequest(e.Code, "%s", e.Message)
		}
		return api.Errorf(e.Status, e.Code, "%s", e.Message)
	case awsQuery:
		switch e.Kind {
		case sigv4.Missing:
			return api.Errorf(e.Status, e.Code, "Request is missing Authentication Token")
		case sigv4.Incomplete:
			return api.BadRequest(e.Code, "%s", e.Message)
		}
		return api.Errorf(e.Status, e.Code, "%s", e.Message)
	case awsJSON:
		return api.BadRequest(e.JSONCode(), "%s", e.Message)
	}
	return api.Errorf(e.Status, e.JSONCode(), "%s", e.Message)
}

// throttled is each protocol's answer to a caller that found the
// management plane's body budget spent.
func throttled(service string) *api.Error {
	switch families[service] {
	case queryEC2:
		return api.Errorf(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
	case awsQuery:
		return api.BadRequest("Throttling", "Rate exceeded")
	case awsJSON:
		return api.BadRequest("ThrottlingException", "Rate exceeded")
	}
	return api.Errorf(http.StatusTooManyRequests, "TooManyRequestsException", "Too Many Requests")
}
