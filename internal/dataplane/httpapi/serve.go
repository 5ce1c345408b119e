package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/jwtauth"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/httpmap"
	"gatehouse/internal/invoke"
	"gatehouse/internal/usage"
)

// MaxPayload is API Gateway's request payload limit.
const MaxPayload = 10 << 20

// Env is what serving needs besides the compiled API.
type Env struct {
	Forwarder *upstream.Forwarder
	// Transport carries INTERNET and Cloud Map integrations (dial.Transport).
	Transport http.RoundTripper
	Links     *usage.Links
	Clock     clock.Clock
	// Log receives the access log lines of stages that have access logging.
	Log *slog.Logger
	// Guard bounds the integration requests in flight and the wait on a
	// client that stops reading, relays answers, and counts and logs what
	// it refused or cut (nil: no bound, no counts).
	Guard *upstream.Guard
	// Secret knows the access keys that may sign requests to AWS_IAM
	// routes (nil: none).
	Secret upstream.Secret
	// Issuers hold the signing keys of the issuers JWT routes trust.
	Issuers *jwtauth.Issuers
	// Functions runs AWS_PROXY integrations' and Lambda authorizers'
	// functions.
	Functions invoke.Invoker
}

// Serve answers one invoke request for api's stage st. path is the request
// path without the stage segment (what routes match); full is the path with
// it (what a private integration's backend receives, and what events and
// the access log show).
func Serve(w http.ResponseWriter, r *http.Request, env *Env, api *API, st *Stage, path, full string) {
	if upstream.HasDotSegment(path) {
		// Dot segments are resolved before routing, as a browser or an
		// edge proxy would, and never above the stage: a {proxy} value
		// cannot climb out of the path the backend was given.
		prefix := full[:len(full)-len(path)]
		path = upstream.CleanPath(path)
		full = prefix + path
	}
	serveStage(w, r, env, api, st, path, full, full, "")
}

// ServeMapped answers a request that a custom domain's API mapping sent to
// api's stage st: prefix is the mapping's key as a path ("/orders", "" for
// the domain's root), path the request path without it. Routes match path,
// and a private integration's backend is sent it; events and the access
// log show the path as the client sent it, the key included, as AWS
// shows it.
func ServeMapped(w http.ResponseWriter, r *http.Request, env *Env, api *API, st *Stage, path, prefix string) {
	raw := r.URL.Path // the prefix and path, as matched
	if upstream.HasDotSegment(path) {
		path = upstream.CleanPath(path)
		raw = prefix + path
	}
	serveStage(w, r, env, api, st, path, path, raw, prefix)
}

// serveStage serves a request with its paths settled: raw is the path as
// the client sent it, prefix the mapping key that took it ("" for none).
func serveStage(w http.ResponseWriter, r *http.Request, env *Env, api *API, st *Stage, path, full, raw, prefix string) {
	var ok bool
	if st.AccessLog == nil {
		ok = serve(w, r, env, api, st, path, full, raw, nil)
	} else {
		// An access-logged stage answers through a writer that measures the
		// answer, and logs the request's line once it is done.
		lg := accesslog.Begin(w, r, env.Clock.Now)
		lg.Stage, lg.APIID, lg.Account, lg.Path = st.Name, api.ID, api.Scope.Account, raw
		if prefix != "" {
			lg.BasePath = prefix[1:]
		}
		ok = serve(lg.Writer(), r, env, api, st, path, full, raw, lg)
		st.AccessLog.Emit(env.Log, lg)
	}
	if !ok {
		// The integration's answer broke off after its status was sent:
		// the client must see a broken connection, not a complete answer.
		panic(http.ErrAbortHandler)
	}
}

// serve is the request path. lg collects what the access log line reports;
// it is nil, and its methods do nothing, when the stage has no access log.
// It returns false when the answer was cut short and the client's
// connection must be aborted.
func serve(w http.ResponseWriter, r *http.Request, env *Env, api *API, st *Stage, path, full, raw string, lg *accesslog.Entry) bool {
	reqID := requestID()
	lg.Identify(reqID, reqID)
	idHeader := []string{reqID}
	w.Header()["Apigw-Requestid"] = idHeader
	if r.ContentLength > MaxPayload {
		reply(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return true
	}
	if !upstream.AnyMethod(r.Method) {
		// Routes take the methods ANY stands for and no other: TRACE,
		// CONNECT and made-up methods match nothing.
		reply(w, http.StatusNotFound, "Not Found")
		return true
	}
	var m Match
	matched := st.Router.Lookup(r.Method, path, &m)
	if api.CORS != nil {
		// A preflight no route takes is the gateway's to answer; one a
		// route takes (OPTIONS, ANY or $default) goes to the route,
		// as on AWS. Every answer carries the API's CORS headers.
		preflight := Preflight(r)
		if preflight && !matched {
			api.CORS.answerPreflight(w, r)
			return true
		}
		api.CORS.decorate(w.Header(), r, preflight)
	}
	if !matched {
		reply(w, http.StatusNotFound, "Not Found")
		return true
	}
	lg.Route(m.Route.Key)
	integ := st.Integrations[m.Route.Integration]
	var signer string
	if m.Route.IAM {
		// AWS_IAM: a SigV4 signature by a known key, checked before
		// anything else of the route runs. The body it covers is held
		// in memory, within the server's bound.
		held := upstream.BodySize(r, MaxPayload)
		if !env.Guard.Hold(held) {
			reply(w, http.StatusTooManyRequests, "Too Many Requests")
			return true
		}
		defer env.Guard.Release(held)
		key, err := upstream.SignedByKey(w, r, env.Secret, MaxPayload, time.Now().Add(integ.Timeout))
		if err != nil {
			a := refusals.Signature(err)
			replyBody(w, a.Status, a.Body())
			return true
		}
		signer = key
		lg.Signed(key)
	}
	var claims *jwtauth.Claims
	if m.Route.JWT != nil {
		lg.Authorizing()
		if claims = authorize(w, r, env, api, m.Route.JWT, lg); claims == nil {
			return true
		}
	}
	// rq is the request as functions see it, made for the routes that
	// call one: those others pay nothing for it.
	var rq *request
	if m.Route.Custom != "" || integ.Lambda != nil {
		rq = &request{r: r, match: m, st: st, api: api, path: path, full: raw, reqID: reqID, now: env.Clock.Now(),
			trace: upstream.TraceID(), claims: claims, signer: signer}
		rq.m = &rq.match
	}
	if m.Route.Custom != "" {
		rc := reqContext{in: r, path: path, match: rq.m, stage: st, apiID: api.ID, requestID: reqID}
		lg.Authorizing()
		if rq.lambda = authorizeLambda(w, rq, &rc, env, lg); rq.lambda == nil {
			return true
		}
	}
	if b := st.throttleFor(m.Route.Key); b != nil && !b.Allow(env.Clock.Now()) {
		reply(w, http.StatusTooManyRequests, "Too Many Requests")
		return true
	}
	hops := upstream.Hops(r.Header)
	if integ.Broken != "" || env.Guard.Loop(hops) {
		// A request that has passed through gatehouse MaxHops times is an
		// integration calling its own API: answered as the configuration
		// error it is, it ends the loop at once.
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return true
	}
	if !env.Guard.Enter() {
		reply(w, http.StatusTooManyRequests, "Too Many Requests")
		return true
	}
	defer env.Guard.Leave()
	ctx, cancel := context.WithTimeout(r.Context(), integ.Timeout)
	defer cancel()
	if integ.Lambda != nil {
		return serveLambda(ctx, w, rq, env, integ, idHeader, lg)
	}
	target := integ.URL
	if integ.StageURI != "" {
		// The stage's variables complete the URI; one that then is no
		// URL is the configuration's fault.
		if target = stageURL(integ.StageURI, st); target == nil {
			reply(w, http.StatusInternalServerError, "Internal Server Error")
			return true
		}
	}
	out := outgoing(ctx, r, integ, target, full, &m)
	limited := upstream.LimitRequestBody(w, r, out, MaxPayload)
	rc := reqContext{in: r, path: path, match: &m, stage: st, apiID: api.ID, requestID: reqID, claims: claims}
	if rq != nil {
		rc.lambda = rq.lambda
	}
	if integ.Map.RequestBody && !rc.holdBody(out, MaxPayload) {
		reply(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return true
	}
	apply(integ.Map.Request, &rc, out)
	upstream.SetHops(out.Header, hops)
	lg.Calling()
	resp, err := call(out, env, integ)
	lg.Called(resp, err)
	if limited != nil && limited.Over() {
		// A body of unknown length grew past the limit before the
		// backend's answer: the backend request was aborted.
		if err == nil {
			resp.Body.Close()
		}
		reply(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return true
	}
	if err != nil {
		a := private.HTTP(private.FailureOf(ctx, err))
		reply(w, a.Status, a.Message)
		return true
	}
	defer resp.Body.Close()
	if integ.Map.Response != nil {
		if ops := integ.Map.Response[resp.StatusCode]; ops != nil && !mapResponse(ops, &rc, resp, integ.Map.ResponseBody, MaxPayload) {
			reply(w, http.StatusInternalServerError, "Internal Server Error")
			return true
		}
	}
	return env.relay(w, resp, idHeader, api.ID, api.CORS != nil)
}

// relay passes the integration's answer to the client as it arrives, with
// the request's id. It returns false when the answer broke off mid-body
// and the client's connection must be aborted. With cors set the API
// answers CORS itself, and the backend's own CORS headers are dropped.
func (env *Env) relay(w http.ResponseWriter, resp *http.Response, idHeader []string, apiID string, cors bool) bool {
	h := w.Header()
	for k, vs := range resp.Header {
		if !upstream.HopByHop(k) && !(cors && corsHeader(k)) {
			h[k] = vs
		}
	}
	upstream.DropConnectionListed(resp.Header, h)
	h["Apigw-Requestid"] = idHeader
	return env.Guard.Relay(w, resp.StatusCode, resp.Body, idHeader[0], apiID)
}

// refusals answer requests to AWS_IAM routes whose signature does not
// hold: 403 {"message":"Forbidden"} without one, AWS's signature message
// with one that is wrong.
var refusals = private.Refusals{
	Unsigned: private.Answer{Status: http.StatusForbidden, Message: "Forbidden"},
	TooLarge: private.Answer{Status: http.StatusRequestEntityTooLarge, Message: "Request Entity Too Large"},
	Unread:   private.Answer{Status: http.StatusBadRequest, Message: "Bad Request"},
}

// outgoing builds the integration request: the client's method (unless the
// integration names one), path and query; a private integration keeps the
// full path, stage segment included, as AWS does, and so does a public one
// on the $default route, after its URI's path. It copies only what the
// backend request needs (not r.Clone's deep copy of every header value and
// form), and it is the caller's own: later hops rewrite it in place.
func outgoing(ctx context.Context, r *http.Request, integ *Integration, target *url.URL, full string, m *Match) *http.Request {
	out := r.WithContext(ctx)
	out.RequestURI = ""
	out.Trailer = nil // trailers belong to the client's connection
	if integ.Method != "" && integ.Method != "ANY" {
		out.Method = integ.Method
	}
	if integ.Private {
		u := *r.URL
		u.Path, u.RawPath = full, ""
		u.Scheme = "http"
		if integ.TLSName != "" {
			u.Scheme = "https"
		}
		out.URL = &u
	} else {
		u := *target
		if m.Route.Key == "$default" {
			// The $default route sends the full request path on, after
			// the URI's own.
			u.Path = strings.TrimSuffix(u.Path, "/") + full
		} else {
			u.Path = substitute(u.Path, m)
		}
		u.RawPath = ""
		if u.RawQuery == "" {
			u.RawQuery = r.URL.RawQuery
		}
		out.URL = &u
		out.Host = u.Host
	}
	// Values are shared with r, not copied: Set and Del replace slices, and
	// Add appends past r's length, so r's own headers never change.
	out.Header = make(http.Header, len(r.Header)+5)
	for k, vs := range r.Header {
		if !upstream.HopByHop(k) {
			out.Header[k] = vs
		}
	}
	upstream.DropConnectionListed(r.Header, out.Header)
	upstream.NoUserAgent(out.Header)
	client := clientIP(r)
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	// One backing array for the five values this adds, set under their
	// canonical keys directly.
	vals := make([]string, 5)
	vals[0] = client
	if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
		vals[0] = prior + ", " + client
	}
	vals[1], vals[2] = proto, port(r)
	vals[3] = forwarded(r.Host, client, proto)
	vals[4] = upstream.TraceID()
	out.Header["X-Forwarded-For"] = vals[0:1:1]
	out.Header["X-Forwarded-Proto"] = vals[1:2:2]
	out.Header["X-Forwarded-Port"] = vals[2:3:3]
	out.Header["Forwarded"] = vals[3:4:4]
	out.Header["X-Amzn-Trace-Id"] = vals[4:5:5]
	return out
}

// IntegrationURL is where a public integration sends this stage's
// requests: its URL, or its URI completed by the stage's variables (nil
// when that is no URL).
func (st *Stage) IntegrationURL(integ *Integration) *url.URL {
	if integ.StageURI != "" {
		return stageURL(integ.StageURI, st)
	}
	return integ.URL
}

// stageURL is an integration URI with the stage's variables filled in,
// nil when that is not an http or https URL.
func stageURL(uri string, st *Stage) *url.URL {
	u, err := url.Parse(httpmap.StageVariables(uri, func(name string) string { return st.Vars[name] }))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	return u
}

// forwarded is the RFC 7239 Forwarded value, built in one allocation.
func forwarded(host, client, proto string) string {
	var buf [128]byte
	b := append(buf[:0], "by="...)
	b = appendQuoted(b, host)
	b = append(b, ";for="...)
	b = appendQuoted(b, client)
	b = append(b, ";host="...)
	b = appendQuoted(b, host)
	b = append(b, ";proto="...)
	b = append(b, proto...)
	return string(b)
}

// substitute fills {name} and {name+} placeholders of an integration URL's
// path from the route's path parameters.
func substitute(p string, m *Match) string {
	if !strings.Contains(p, "{") {
		return p
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		name := strings.TrimSuffix(p[i+1:j], "+")
		v, _ := m.Param(name)
		b.WriteString(upstream.CleanValue(v))
		p = p[j+1:]
	}
}

// call carries the request over the integration's path.
func call(out *http.Request, env *Env, integ *Integration) (*http.Response, error) {
	if integ.Path == nil {
		return env.Transport.RoundTrip(out)
	}
	return integ.Path.Call(out, private.Env{Forwarder: env.Forwarder, Transport: env.Transport, Links: env.Links}, env.Clock.Now())
}

// NotFound answers a request for a stage the API does not have. It is the
// API's own answer, so it carries a request id like every other.
func NotFound(w http.ResponseWriter) {
	w.Header().Set("Apigw-Requestid", requestID())
	reply(w, http.StatusNotFound, "Not Found")
}

// reply writes an HTTP API's own JSON answer.
func reply(w http.ResponseWriter, code int, msg string) {
	replyBody(w, code, `{"message":"`+msg+`"}`)
}

func replyBody(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	io.WriteString(w, body)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func port(r *http.Request) string {
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		return p
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// appendQuoted quotes a node that holds a port or an IPv6 address, as RFC
// 7239 requires.
func appendQuoted(b []byte, s string) []byte {
	if strings.ContainsAny(s, ":[]") {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return append(b, s...)
}

// requestID is an id for apigw-requestid, in the shape AWS uses
// ("dGhpc2lzYW4=" style base64 of random bytes). The ids need to be unique,
// not secret, so math/rand's per-thread generator serves, without a
// crypto/rand call per request.
func requestID() string {
	var b [9]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	b[8] = byte(rand.Uint32())
	var s [12]byte
	base64.RawURLEncoding.Encode(s[:], b[:])
	return string(s[:])
}
