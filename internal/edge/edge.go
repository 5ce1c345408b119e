// Package edge is gatehouse's one listener. It classifies each request once —
// invoke URL to the data plane, otherwise the AWS service that owns it — stamps
// it with request metadata (id, account, region) and a body limit, and hands it
// to that service's wire handler. It decodes nothing itself. The one path
// prefix gatehouse keeps for itself, /_gatehouse/, goes to the admin handler
// before anything else.
//
// Services are told apart the way AWS's own front doors do it: by the SigV4
// credential scope's service name ("ec2", "elasticloadbalancing", "apigateway",
// "servicediscovery"), then by protocol markers when a request is unsigned: the
// X-Amz-Target header (awsJson), the Query form's Version, the REST path.
package edge

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gatehouse/internal/api"
)

// MaxBodyBytes bounds a management request body. AWS's own limits are lower
// for every operation gatehouse serves; the data plane has its own.
const MaxBodyBytes = 10 << 20

// Service names, as SigV4 credential scopes spell them.
const (
	EC2              = "ec2"
	ELBv2            = "elasticloadbalancing"
	APIGateway       = "apigateway"   // v1 paths
	APIGatewayV2     = "apigatewayv2" // /v2/ paths; signs as "apigateway"
	ServiceDiscovery = "servicediscovery"
)

// Config wires the edge.
type Config struct {
	// Services maps a service name above to its wire handler.
	Services map[string]http.Handler
	// Invoke serves invoke URLs; nil answers 404.
	Invoke http.Handler
	// IsInvoke reports whether a request is for an invoke URL.
	IsInvoke func(*http.Request) bool
	// Admin serves gatehouse's own endpoints under AdminPrefix; nil leaves
	// that prefix to the other handlers.
	Admin   http.Handler
	Account string
	Region  string
	Log     *slog.Logger
}

// Edge is the root http.Handler.
type Edge struct{ cfg Config }

// New returns the edge handler.
func New(cfg Config) *Edge { return &Edge{cfg: cfg} }

// versionService maps a Query form's Version to its service, for unsigned
// requests.
var versionService = map[string]string{
	"2016-11-15": EC2,
	"2015-12-01": ELBv2,
}

// targetService maps an X-Amz-Target prefix to its service.
var targetService = map[string]string{
	"Route53AutoNaming_v20170314": ServiceDiscovery,
}

// AdminPrefix is the one path prefix gatehouse reserves for itself. It is
// checked before invoke URLs because it is not an AWS path anywhere.
const AdminPrefix = "/_gatehouse/"

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.cfg.Admin != nil && strings.HasPrefix(r.URL.Path, AdminPrefix) {
		e.cfg.Admin.ServeHTTP(w, r)
		return
	}
	if e.cfg.IsInvoke != nil && e.cfg.IsInvoke(r) && e.cfg.Invoke != nil {
		e.cfg.Invoke.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	scopeRegion, scopeService := credentialScope(r.Header.Get("Authorization"))
	meta := api.Meta{RequestID: api.NewRequestID(), Account: e.cfg.Account, Region: e.cfg.Region}
	if scopeRegion != "" {
		meta.Region = scopeRegion
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	name := e.classify(r, scopeService)
	h := e.cfg.Services[name]
	if h == nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", meta.RequestID)
		w.Header().Set("x-amzn-ErrorType", "UnknownOperationException")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message":"The request could not be routed to a service gatehouse serves."}`))
		return
	}
	r = r.WithContext(api.WithMeta(r.Context(), meta))
	h.ServeHTTP(w, r)
	e.cfg.Log.Debug("request", "service", name, "method", r.Method, "path", r.URL.Path,
		"request_id", meta.RequestID, "region", meta.Region, "took", time.Since(start))
}

func (e *Edge) classify(r *http.Request, scope string) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, _, _ := strings.Cut(t, ".")
		if s, ok := targetService[prefix]; ok {
			return s
		}
	}
	switch scope {
	case EC2, ELBv2, ServiceDiscovery:
		return scope
	case APIGateway:
		return restService(r.URL.Path)
	}
	// Unsigned: Query requests say their Version; REST ones their path.
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.URL.Query().Has("Action") {
		return queryService(r)
	}
	return restService(r.URL.Path)
}

// queryService reads an unsigned Query request's Version to find its
// service. It leaves the body for the service's handler to parse again, so
// a malformed or oversized body is reported there, in AWS's shape.
func queryService(r *http.Request) string {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		r.Body = io.NopCloser(failing{err})
		return EC2
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	version := r.URL.Query().Get("Version")
	if form, _ := url.ParseQuery(string(body)); form.Has("Version") {
		version = form.Get("Version")
	}
	if s, ok := versionService[version]; ok {
		return s
	}
	// Let the EC2 handler answer a request it cannot place, in AWS's shape.
	return EC2
}

// failing replays a body read error to the handler.
type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

func restService(path string) string {
	if strings.HasPrefix(path, "/v2/") {
		return APIGatewayV2
	}
	return APIGateway
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
