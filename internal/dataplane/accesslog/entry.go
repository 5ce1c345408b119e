package accesslog

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Entry is what one request tells its access log line. Begin takes one
// from a pool; the request path fills it in through its methods, which do
// nothing on a nil Entry, so the path of a stage without access logging
// calls them on nil and pays a nil check each.
type Entry struct {
	RequestID, ExtendedRequestID string
	// Start is when the request arrived, End when its answer was written.
	Start, End             time.Time
	Method, Path, Protocol string
	SourceIP, UserAgent    string
	DomainName             string
	Stage, APIID           string
	// BasePath is the key of the custom domain's API mapping that took
	// the request ("v1/orders"), "" for none.
	BasePath string
	// Account is the API owner's account.
	Account string
	// Signer is the access key that signed a request to an AWS_IAM route
	// or method, "" for others: it stands for the account's root user.
	Signer string
	// RouteKey is the HTTP API route that matched, ResourcePath the REST
	// API resource; empty when nothing matched.
	RouteKey, ResourcePath string
	// Status and ResponseLength are what the client was sent.
	Status         int
	ResponseLength int64
	// Integrated says an integration was called; IntegrationStatus is its
	// answer's status (0 when it gave none) and IntegrationError why it
	// gave none.
	Integrated         bool
	IntegrationStatus  int
	IntegrationError   string
	IntegrationLatency time.Duration
	// ResponseStatus is the status a Lambda proxy integration's function
	// answered (its response document's statusCode), 0 for others, whose
	// IntegrationStatus is their answer's; EndpointRequestID is Lambda's
	// id for the invocation.
	ResponseStatus    int
	EndpointRequestID string
	// Claims are the claims of the token a JWT authorizer accepted, nil
	// when none did; AuthorizerError is why an authorizer refused.
	Claims          Claims
	AuthorizerError string
	// AuthorizerStatus is the status an authorizer's decision gave (200
	// when it allowed the request), AuthorizerLatency how long it took;
	// both are set only for an authorizer whose start was recorded.
	AuthorizerStatus  int
	AuthorizerLatency time.Duration
	// Lambda is what a Lambda authorizer returned ($context.authorizer.NAME:
	// principalId and its context's values), nil when none ran.
	Lambda Claims

	w           writer
	now         func() time.Time
	calling     time.Time
	authorizing time.Time
}

var entries = sync.Pool{New: func() any { return new(Entry) }}

// Begin starts the entry of request r, which is answered through w; now is
// the server's clock. The request path must write its answer to Writer.
func Begin(w http.ResponseWriter, r *http.Request, now func() time.Time) *Entry {
	e := entries.Get().(*Entry)
	e.w.ResponseWriter = w
	e.now = now
	e.Start = now()
	e.Method, e.Protocol = r.Method, r.Proto
	e.SourceIP = r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		e.SourceIP = host
	}
	e.UserAgent = r.Header.Get("User-Agent")
	e.DomainName = r.Host
	if host, _, err := net.SplitHostPort(r.Host); err == nil {
		e.DomainName = host
	}
	return e
}

// Writer is the response writer that measures what the client is sent.
func (e *Entry) Writer() http.ResponseWriter { return &e.w }

// Identify records the request's ids.
func (e *Entry) Identify(requestID, extendedRequestID string) {
	if e != nil {
		e.RequestID, e.ExtendedRequestID = requestID, extendedRequestID
	}
}

// Route records the HTTP API route key that matched.
func (e *Entry) Route(key string) {
	if e != nil {
		e.RouteKey = key
	}
}

// Resource records the REST API resource path that matched.
func (e *Entry) Resource(path string) {
	if e != nil {
		e.ResourcePath = path
	}
}

// Signed records the access key that signed the request.
func (e *Entry) Signed(key string) {
	if e != nil {
		e.Signer = key
	}
}

// Claims are an authorizer's claims, by name.
type Claims interface {
	Claim(name string) (string, bool)
}

// Authorizing records that the route's authorizer starts, now.
func (e *Entry) Authorizing() {
	if e != nil {
		e.authorizing = e.now()
	}
}

// decided records the status of an authorizer's decision and, when its
// start was recorded, how long it took.
func (e *Entry) decided(status int) {
	if e.authorizing.IsZero() {
		return
	}
	e.AuthorizerStatus = status
	e.AuthorizerLatency = e.now().Sub(e.authorizing)
}

// Authorized records the claims of the token an authorizer accepted.
func (e *Entry) Authorized(c Claims) {
	if e != nil {
		e.Claims = c
		e.decided(http.StatusOK)
	}
}

// AuthorizedBy records what a Lambda authorizer returned.
func (e *Entry) AuthorizedBy(c Claims) {
	if e != nil {
		e.Lambda = c
		e.decided(http.StatusOK)
	}
}

// Denied records why an authorizer refused the request, and the status
// its refusal answers.
func (e *Entry) Denied(status int, reason string) {
	if e != nil {
		e.AuthorizerError = reason
		e.decided(status)
	}
}

// Calling records that the integration is being called, now.
func (e *Entry) Calling() {
	if e != nil {
		e.Integrated, e.calling = true, e.now()
	}
}

// Called records the integration's answer, or why there was none.
func (e *Entry) Called(resp *http.Response, err error) {
	if e == nil {
		return
	}
	e.IntegrationLatency = e.now().Sub(e.calling)
	if err != nil {
		e.IntegrationError = err.Error()
		return
	}
	e.IntegrationStatus = resp.StatusCode
}

// Returned records the answer of an integration that gives a status
// alone (Lambda's to an invocation: 200 when the function ran, whatever it
// answered), and the error message it carried ("" for none).
func (e *Entry) Returned(status int, msg string) {
	if e == nil {
		return
	}
	e.IntegrationLatency = e.now().Sub(e.calling)
	e.IntegrationStatus, e.IntegrationError = status, msg
}

// Answered records the status a Lambda proxy integration's function
// answered.
func (e *Entry) Answered(status int) {
	if e != nil {
		e.ResponseStatus = status
	}
}

// Endpoint records the id the integration's AWS endpoint gave the call
// (Lambda's request id).
func (e *Entry) Endpoint(requestID string) {
	if e != nil {
		e.EndpointRequestID = requestID
	}
}

// end takes the answer's measurements; an answer that never wrote its
// header was sent as a 200, as net/http does.
func (e *Entry) end() {
	e.End = e.now()
	e.Status, e.ResponseLength = e.w.status, e.w.length
	if e.Status == 0 {
		e.Status = http.StatusOK
	}
}

func (e *Entry) release() {
	*e = Entry{}
	entries.Put(e)
}

// writer passes everything to the client's writer, noting the status and
// counting the body's bytes.
type writer struct {
	http.ResponseWriter
	status int
	length int64
}

func (w *writer) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *writer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.length += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the client's writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
