// Package edge is gatehouse's one listener. It classifies each request once —
// invoke URL to the data plane, otherwise the AWS service that owns it — stamps
// it with request metadata (id, account, region), and hands it to that
// service's wire handler. It decodes nothing itself.
//
// Order: a Host naming an API ({id}.execute-api.*) or a custom domain name
// goes to the data plane whatever its path; any other Host must be one gatehouse serves (DNS
// rebinding); then /_gatehouse/ goes to the admin handler, the path forms of
// invoke URLs to the data plane, and everything else is a management call.
//
// A management call is guarded before its service sees it: no cross-origin
// browser request, its body read within a deadline and a memory budget, its
// signature verified when that is configured, and its method and content
// type the ones its protocol uses, so that no web page can change anything.
//
// Services are told apart the way AWS's own front doors do it: by the SigV4
// credential scope's service name ("ec2", "elasticloadbalancing", "apigateway",
// "servicediscovery"), then by protocol markers when a request is unsigned: the
// X-Amz-Target header (awsJson), the Query form's Version, the REST path.
package edge

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/sigv4"
)

// MaxBodyBytes bounds a management request body. AWS's own limits are lower
// for every operation gatehouse serves but Lambda's; the data plane has its
// own.
const MaxBodyBytes = 10 << 20

// LambdaMaxBodyBytes bounds a Lambda request body, as Lambda does: a
// deployment package of up to 50 MB travels base64 in CreateFunction's and
// UpdateFunctionCode's JSON. The service holds each operation to its own
// smaller limit (Invoke's 6 MB payload).
const LambdaMaxBodyBytes = 70167211

// maxBody is the body limit of service's calls.
func maxBody(service string) int64 {
	if service == Lambda {
		return LambdaMaxBodyBytes
	}
	return MaxBodyBytes
}

// Service names, as SigV4 credential scopes spell them.
const (
	EC2              = "ec2"
	ELBv2            = "elasticloadbalancing"
	APIGateway       = "apigateway"   // v1 paths
	APIGatewayV2     = "apigatewayv2" // /v2/ paths; signs as "apigateway"
	ServiceDiscovery = "servicediscovery"
	SSM              = "ssm"
	STS              = "sts"
	CloudFormation   = "cloudformation"
	Lambda           = "lambda"
)

// Config wires the edge.
type Config struct {
	// Services maps a service name above to its wire handler. A handler
	// with a Refuse method answers the edge's refusals in its protocol's
	// shape.
	Services map[string]http.Handler
	// Invoke serves invoke URLs; with it nil, a request for one is taken
	// for a management call (and so answered as an unknown operation).
	Invoke http.Handler
	// IsInvoke reports whether a request is for an invoke URL.
	IsInvoke func(*http.Request) bool
	// InvokeHost reports whether a Host names an API ({id}.execute-api.*)
	// or a custom domain name: such a request goes to the data plane
	// whatever its path, /_gatehouse/ included.
	InvokeHost func(host string) bool
	// ViaIntegration reports whether a request was sent by one of
	// gatehouse's own integrations; it never reaches the admin endpoints.
	ViaIntegration func(*http.Request) bool
	// FromFunction reports whether a request comes from a Lambda
	// function's process; it never reaches the admin endpoints either.
	FromFunction func(*http.Request) bool
	// Admin serves gatehouse's own endpoints under AdminPrefix; nil leaves
	// that prefix to the other handlers.
	Admin   http.Handler
	Account string
	Region  string
	Log     *slog.Logger

	// AllowHosts are the host names, beyond loopback names and address
	// literals, that the management plane answers to.
	AllowHosts []string
	// Verify, when set, checks each management call's signature.
	Verify func(*http.Request) (*sigv4.Credential, error)
	// BodyTimeout is how long a management request body may take to
	// arrive (DefaultBodyTimeout when zero).
	BodyTimeout time.Duration
	// BodyBudget bounds the management body bytes held at once
	// (DefaultBodyBudget when zero).
	BodyBudget int64
	// BudgetWait is how long a caller waits for the budget before it is
	// answered as throttled (DefaultBudgetWait when zero).
	BudgetWait time.Duration
	// ShareBudget, when set, is another edge whose body budget this one
	// uses too, so that two listeners hold no more than one budget;
	// BodyBudget is then that edge's.
	ShareBudget *Edge
	// EngineKey is the secret the stack engine sends in api.CallerHeader:
	// a management call carrying it is served as CloudFormation's
	// (api.Meta.Caller "cloudformation"). Any other value is ignored, and
	// every value when EngineKey is empty.
	EngineKey string
}

// Defaults of the management plane's limits.
const (
	DefaultBodyTimeout = 10 * time.Second
	DefaultBodyBudget  = 64 << 20
	DefaultBudgetWait  = 2 * time.Second
)

// Edge is the root http.Handler.
type Edge struct {
	cfg    Config
	hosts  hosts
	budget *budget
	csrf   *http.CrossOriginProtection
}

// New returns the edge handler.
func New(cfg Config) *Edge {
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.BodyBudget <= 0 {
		cfg.BodyBudget = DefaultBodyBudget
	}
	if cfg.BudgetWait <= 0 {
		cfg.BudgetWait = DefaultBudgetWait
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	var b *budget
	if cfg.ShareBudget != nil {
		b = cfg.ShareBudget.budget
	} else {
		b = newBudget(cfg.BodyBudget)
	}
	return &Edge{cfg: cfg, hosts: newHosts(cfg.AllowHosts), budget: b, csrf: http.NewCrossOriginProtection()}
}

// versionService maps a Query form's Version to its service, for unsigned
// requests.
var versionService = map[string]string{
	"2016-11-15": EC2,
	"2015-12-01": ELBv2,
	"2011-06-15": STS,
	"2010-05-15": CloudFormation,
}

// targetService maps an X-Amz-Target prefix to its service.
var targetService = map[string]string{
	"Route53AutoNaming_v20170314": ServiceDiscovery,
	"AmazonSSM":                   SSM,
}

// AdminPrefix is the one path prefix gatehouse reserves for itself, on its
// own host names only: an API's host name serves the API's paths, all of
// them.
const AdminPrefix = "/_gatehouse/"

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.cfg.Invoke != nil && e.cfg.InvokeHost != nil && e.cfg.InvokeHost(r.Host) {
		e.cfg.Invoke.ServeHTTP(w, r)
		return
	}
	if !e.hosts.allowed(r.Host) {
		service := ""
		if !strings.HasPrefix(r.URL.Path, AdminPrefix) && (e.cfg.IsInvoke == nil || !e.cfg.IsInvoke(r)) {
			_, scope := credentialScope(r.Header.Get("Authorization"))
			service = e.classify(r, scope, nil)
		}
		e.refuse(w, r, service, foreignHost(r.Host, service))
		return
	}
	if e.cfg.Admin != nil && strings.HasPrefix(r.URL.Path, AdminPrefix) {
		if (e.cfg.ViaIntegration != nil && e.cfg.ViaIntegration(r)) || (e.cfg.FromFunction != nil && e.cfg.FromFunction(r)) {
			http.NotFound(w, r)
			return
		}
		e.cfg.Admin.ServeHTTP(w, r)
		return
	}
	if e.cfg.IsInvoke != nil && e.cfg.IsInvoke(r) && e.cfg.Invoke != nil {
		e.cfg.Invoke.ServeHTTP(w, r)
		return
	}
	e.manage(w, r)
}

// caller is "cloudformation" for a call from the stack engine, which alone
// holds the key, and empty for every other call, whatever it claims. The
// comparison takes the same time wherever the key first differs.
func (e *Edge) caller(r *http.Request) string {
	key := r.Header.Get(api.CallerHeader)
	if key == "" || e.cfg.EngineKey == "" || subtle.ConstantTimeCompare([]byte(key), []byte(e.cfg.EngineKey)) != 1 {
		return ""
	}
	return "cloudformation"
}

// manage serves a management call: it reads the body within the deadline
// and the budget, classifies, guards, and hands the call to its service.
func (e *Edge) manage(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	scopeRegion, scopeService := credentialScope(r.Header.Get("Authorization"))
	meta := api.Meta{RequestID: api.NewRequestID(), Account: e.cfg.Account, Region: e.cfg.Region, Caller: e.caller(r)}
	if scopeRegion != "" {
		meta.Region = scopeRegion
	}
	r = r.WithContext(api.WithMeta(r.Context(), meta))
	// Before the body is read, the service is known from the signature,
	// the target or the path; an unsigned Query request's Version is in
	// its body, so until then it is taken for EC2.
	name := e.classify(r, scopeService, nil)
	if err := e.csrf.Check(r); err != nil {
		e.refuse(w, r, name, api.Errorf(http.StatusForbidden, accessDenied(name),
			"Cross-origin request refused: a web page cannot call the management API."))
		return
	}
	held, body, rerr := e.readBody(w, r, name)
	defer e.budget.give(held)
	if rerr != nil {
		e.refuse(w, r, name, rerr)
		return
	}
	name = e.classify(r, scopeService, body)
	h := e.cfg.Services[name]
	if h == nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", meta.RequestID)
		w.Header().Set("x-amzn-ErrorType", "UnknownOperationException")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message":"The request could not be routed to a service gatehouse serves."}`))
		return
	}
	signed := false
	if e.cfg.Verify != nil {
		if _, err := e.cfg.Verify(r); err != nil {
			// The body is in memory: a sigv4.Error is all Verify can return.
			var se *sigv4.Error
			if !errors.As(err, &se) {
				se = &sigv4.Error{Kind: sigv4.Incomplete, Code: "IncompleteSignature", Message: err.Error(), Status: http.StatusBadRequest}
			}
			e.refuse(w, r, name, signatureError(name, se))
			return
		}
		signed = true
	}
	if perr := protocolError(name, r, signed); perr != nil {
		e.refuse(w, r, name, perr)
		return
	}
	h.ServeHTTP(w, r)
	e.cfg.Log.Debug("request", "service", name, "method", r.Method, "path", r.URL.Path,
		"request_id", meta.RequestID, "region", meta.Region, "took", time.Since(start))
}

// readBody reads a management body into memory within the body deadline,
// holding its size from the budget; it returns the bytes held, for the
// caller to give back once the call has answered. A body over MaxBodyBytes
// is refused before a byte of it is read; a body that does not arrive in
// time is answered 408 and its connection closed.
func (e *Edge) readBody(w http.ResponseWriter, r *http.Request, service string) (held int64, body []byte, _ *api.Error) {
	limit := maxBody(service)
	if r.ContentLength > limit {
		return 0, nil, tooLarge(service)
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return 0, nil, nil
	}
	n := r.ContentLength
	if n < 0 {
		// Chunked: it may grow to the limit.
		n = limit
	}
	ctx, cancel := context.WithTimeout(r.Context(), e.cfg.BudgetWait)
	err := e.budget.take(ctx, n)
	cancel()
	if err != nil {
		return 0, nil, throttled(service)
	}
	// The deadline covers the body only: it is lifted once the body is in,
	// so a slow operation is not cut short by it. The data plane sets its
	// own, bounded by the integration timeout.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(e.cfg.BodyTimeout))
	// Room for the announced length and the read that meets EOF, so the
	// buffer is allocated once.
	buf := bytes.NewBuffer(make([]byte, 0, max(r.ContentLength, 0)+bytes.MinRead))
	_, err = buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooBig):
		return n, nil, tooLarge(service)
	case errors.As(err, &netErr) && netErr.Timeout():
		w.Header().Set("Connection", "close")
		return n, nil, api.Errorf(http.StatusRequestTimeout, "RequestTimeout",
			"The request body did not arrive within %s.", e.cfg.BodyTimeout)
	case err != nil:
		w.Header().Set("Connection", "close")
		return n, nil, api.BadRequest("IncompleteBody", "The request body could not be read: %v", err)
	}
	// On an error the deadline stays: after the answer, net/http reads on
	// for the rest of a small body, and a stalled client must not hold it.
	rc.SetReadDeadline(time.Time{})
	r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	r.ContentLength = int64(buf.Len())
	return n, buf.Bytes(), nil
}

// tooLarge is the answer to a body over service's limit: Lambda's own, and
// the same one for every other family.
func tooLarge(service string) *api.Error {
	if service == Lambda {
		return api.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
			"Request must be smaller than %d bytes for the operation.", LambdaMaxBodyBytes)
	}
	return api.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is larger than %d bytes.", MaxBodyBytes)
}

// refuse answers with e in the protocol of service, or as plain JSON when
// the service is not known.
func (e *Edge) refuse(w http.ResponseWriter, r *http.Request, service string, err *api.Error) {
	if h, ok := e.cfg.Services[service].(interface {
		Refuse(http.ResponseWriter, *http.Request, *api.Error)
	}); ok {
		h.Refuse(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", err.Code)
	w.WriteHeader(err.Status)
	b, _ := json.Marshal(map[string]string{"message": err.Message})
	w.Write(b)
}

// foreignHost is the answer to a Host gatehouse does not serve; AWS has
// no such answer (its names resolve to it alone).
func foreignHost(host, service string) *api.Error {
	name := hostOnly(host)
	return api.Errorf(http.StatusForbidden, accessDenied(service),
		"Host %q is not a name this gatehouse serves; start it with --allow-host %s to serve it.", name, name)
}

func accessDenied(service string) string {
	if f := families[service]; f == queryEC2 || f == awsQuery {
		return "AccessDenied"
	}
	return "AccessDeniedException"
}

func (e *Edge) classify(r *http.Request, scope string, body []byte) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, _, _ := strings.Cut(t, ".")
		if s, ok := targetService[prefix]; ok {
			return s
		}
	}
	switch scope {
	case EC2, ELBv2, ServiceDiscovery, SSM, STS, CloudFormation, Lambda:
		return scope
	case APIGateway:
		return restService(r.URL.Path)
	}
	// Unsigned: Query requests say their Version; REST ones their path.
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.URL.Query().Has("Action") {
		return queryService(r, body)
	}
	return restService(r.URL.Path)
}

// queryService reads an unsigned Query request's Version to find its
// service, from the URL and the body the edge has read into memory (nil
// before it has). It lets a malformed body through for the service's
// handler to report, in AWS's shape.
func queryService(r *http.Request, body []byte) string {
	version := r.URL.Query().Get("Version")
	if v, ok := formValue(body, "Version"); ok {
		version = v
	}
	if s, ok := versionService[version]; ok {
		return s
	}
	// Let the EC2 handler answer a request it cannot place, in AWS's shape.
	return EC2
}

// formValue finds one field of a form body without decoding the rest: a
// body may be 10 MiB, and the service's handler decodes it anyway.
func formValue(body []byte, key string) (string, bool) {
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte("&"))
		if k, v, _ := bytes.Cut(pair, []byte("=")); string(k) == key {
			s, err := url.QueryUnescape(string(v))
			return s, err == nil
		}
	}
	return "", false
}

// restService tells the REST-JSON services apart by path: apigatewayv2's
// are under /v2/, Lambda's under an API version date, and API Gateway
// v1's paths start with a resource name. None can be an invoke URL's
// path form (/restapis/{id}/{stage}/_user_request_/..., /_aws/...),
// which the edge takes first.
func restService(path string) string {
	if strings.HasPrefix(path, "/v2/") {
		return APIGatewayV2
	}
	if seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/"); lambdaVersions[seg] {
		return Lambda
	}
	return APIGateway
}

// lambdaVersions are the dates Lambda's paths start with, one per
// generation of its API (/2015-03-31/functions, /2017-10-31/.../concurrency,
// /2019-09-25/.../event-invoke-config, ...).
var lambdaVersions = map[string]bool{
	"2014-11-13": true, "2015-03-31": true, "2016-08-19": true, "2017-03-31": true,
	"2017-10-31": true, "2018-10-31": true, "2019-09-25": true, "2019-09-30": true,
	"2020-04-22": true, "2020-06-30": true, "2021-07-20": true, "2021-10-31": true,
	"2021-11-15": true, "2024-08-31": true, "2025-11-30": true, "2025-12-01": true,
	"2026-07-09": true,
}

// credentialScope extracts region and service from a SigV4 Authorization
// header: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ec2/aws4_request, ...".
func credentialScope(auth string) (region, service string) {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[2], parts[3]
}
