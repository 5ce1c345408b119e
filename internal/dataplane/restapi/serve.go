package restapi

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/invoke"
	"gatehouse/internal/sigv4"
	"gatehouse/internal/usage"
	"gatehouse/internal/vtl"
)

// MaxPayload is API Gateway's request payload limit.
const MaxPayload = 10 << 20

// Env is what serving needs besides the compiled API.
type Env struct {
	Forwarder *upstream.Forwarder
	Transport http.RoundTripper
	Links     *usage.Links
	Now       func() time.Time
	// Log receives the access log lines of stages that have access logging.
	Log *slog.Logger
	// Guard bounds the integration requests in flight and the wait on a
	// client that stops reading, relays answers, and counts and logs what
	// it refused or cut (nil: no bound, no counts).
	Guard *upstream.Guard
	// Secret knows the access keys that may sign requests to AWS_IAM
	// methods (nil: none).
	Secret upstream.Secret
	// Functions runs Lambda integrations' and authorizers' functions.
	Functions invoke.Invoker
	// Events takes the asynchronous invocations of AWS integrations
	// that map X-Amz-Invocation-Type to Event.
	Events invoke.Queuer
}

// hop reports whether a header is never forwarded: the hop-by-hop ones,
// and two more that REST APIs drop before proxying.
func hop(key string) bool {
	return upstream.HopByHop(key) || key == "Expect" || key == "Max-Forwards"
}

// Serve answers one invoke request for api's stage st; path is the request
// path after the stage segment.
func Serve(w http.ResponseWriter, r *http.Request, env *Env, api *API, st *Stage, path string) {
	// Dot segments are resolved before matching, never above the stage:
	// a {proxy} value cannot climb out of the integration's base path.
	path = upstream.CleanPath(path)
	var ok bool
	if st.AccessLog == nil {
		ok = serve(w, r, env, api, st, path, nil)
	} else {
		// An access-logged stage answers through a writer that measures the
		// answer, and logs the request's line once it is done.
		lg := accesslog.Begin(w, r, env.Now)
		lg.Stage, lg.APIID, lg.Path = st.Name, api.ID, "/"+st.Name+path
		ok = serve(lg.Writer(), r, env, api, st, path, lg)
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
func serve(w http.ResponseWriter, r *http.Request, env *Env, api *API, st *Stage, path string, lg *accesslog.Entry) bool {
	reqID := requestID()
	h := w.Header()
	// One backing array for the three ids, under their canonical keys.
	ids := []string{reqID, reqID[:12], upstream.TraceID()}
	lg.Identify(ids[0], ids[1])
	h["X-Amzn-Requestid"] = ids[0:1:1]
	h["X-Amz-Apigw-Id"] = ids[1:2:2]
	h["X-Amzn-Trace-Id"] = ids[2:3:3]
	params := map[string]string{}
	// q is what the integration request and the gateway's own answers
	// (fail) read of the request.
	q := &request{r: r, params: params, stage: st, apiID: api.ID, reqID: reqID, env: env, path: path}
	if r.ContentLength > MaxPayload {
		fail(w, q, tooLarge)
		return true
	}
	if !upstream.AnyMethod(r.Method) {
		// Methods take the verbs ANY stands for and no other: TRACE,
		// CONNECT and made-up methods find no method, as on AWS.
		fail(w, q, noMethod)
		return true
	}
	m := st.root.match(r.Method, path, params)
	if m == nil {
		fail(w, q, noMethod)
		return true
	}
	q.method = m
	lg.Resource(m.Resource)
	if m.IAM {
		// AWS_IAM: a SigV4 signature by a known key, checked first. The
		// body it covers is held in memory, within the server's bound.
		held := upstream.BodySize(r, MaxPayload)
		if !env.Guard.Hold(held) {
			fail(w, q, tooMany)
			return true
		}
		defer env.Guard.Release(held)
		if err := upstream.SignedBy(w, r, env.Secret, MaxPayload, time.Now().Add(m.Integration.Timeout)); err != nil {
			fail(w, q, signatureAnswer(err))
			return true
		}
	}
	if z := m.authorizer; z != nil {
		// CUSTOM: the Lambda authorizer's policy must allow the method.
		a, f := z.authorize(q)
		if f != nil {
			fail(w, q, *f)
			return true
		}
		q.setAuthorized(a)
		lg.AuthorizedBy(a)
	}
	if m.APIKeyRequired {
		// A valid key on a usage plan for the stage, within the plan's
		// throttles and the key's quota; with the AUTHORIZER key source,
		// the key is the authorizer's usageIdentifierKey.
		if no := st.keys.admit(r, m, q.auth.usageIdentifierKey(), env.Now()); no != nil {
			fail(w, q, keyAnswer(no))
			return true
		}
	}
	if l := m.limit; l != nil && !l.allow(r.Method, env.Now()) {
		fail(w, q, tooMany)
		return true
	}
	if v := m.validate; v != nil {
		// The body a validator checks is held in memory, within the
		// server's bound, until the request is done.
		held, a := v.check(w, q)
		defer env.Guard.Release(held)
		if a != nil {
			fail(w, q, *a)
			return true
		}
	}
	integ := m.Integration
	hops := upstream.Hops(r.Header)
	if integ.Broken != "" || env.Guard.Loop(hops) {
		// A request that has passed through gatehouse MaxHops times is an
		// integration calling its own API: answered as the configuration
		// error it is, it ends the loop at once.
		fail(w, q, configurationError)
		return true
	}
	// A non-proxy integration's request template, chosen by content type,
	// maps the body; passthrough decides what has none.
	tmpl, mapped, ok := q.mapRequest(w, integ)
	defer env.Guard.Release(q.held)
	if !ok {
		return true
	}
	if integ.Type == "MOCK" {
		status, err := mockAnswer(tmpl, mapped)
		if err != nil {
			q.templateFailed(w, "integration request", tmpl, err)
			return true
		}
		respond(w, nil, q, integ, status, nil, nil)
		return true
	}
	if !env.Guard.Enter() {
		fail(w, q, tooMany)
		return true
	}
	defer env.Guard.Leave()
	ctx, cancel := context.WithTimeout(r.Context(), integ.Timeout)
	defer cancel()
	if integ.lambda != nil {
		env.callLambda(ctx, w, q, integ, mapped, lg)
		return true
	}
	out, a := integrationRequest(ctx, q, integ, mapped)
	if a != nil {
		fail(w, q, mappingFault(a))
		return true
	}
	upstream.SetHops(out.Header, hops)
	var limited *upstream.LimitedBody
	if mapped == nil && q.body == nil {
		limited = upstream.LimitRequestBody(w, r, out, MaxPayload)
	}
	lg.Calling()
	resp, err := call(out, env, integ)
	lg.Called(resp, err)
	if limited != nil && limited.Over() {
		// A body of unknown length grew past the limit before the
		// backend's answer: the backend request was aborted.
		if err == nil {
			resp.Body.Close()
		}
		fail(w, q, tooLarge)
		return true
	}
	if err != nil {
		fail(w, q, integrationAnswer(private.REST(private.FailureOf(ctx, err))))
		return true
	}
	defer resp.Body.Close()
	if integ.Type == "HTTP_PROXY" {
		return env.relay(w, resp, reqID, api.ID)
	}
	// A mapped answer is read whole. One that broke off, or grew past the
	// payload limit, is an integration failure, never served as complete.
	body, ok := env.Guard.ReadAnswer(resp.Body, MaxPayload, reqID, api.ID)
	if !ok {
		fail(w, q, fault{kind: integrationFailure, status: http.StatusBadGateway, message: "Internal server error", errorType: "InternalServerErrorException"})
		return true
	}
	respond(w, env.Guard, q, integ, resp.StatusCode, resp.Header, body)
	return true
}

// relay passes a proxy integration's answer to the client as it arrives.
// It returns false when the answer broke off mid-body and the client's
// connection must be aborted.
func (env *Env) relay(w http.ResponseWriter, resp *http.Response, reqID, apiID string) bool {
	h := w.Header()
	for k, vs := range resp.Header {
		if name, ok := upstream.Remapped(k); ok {
			// The gateway's own request id, date and the like stay the
			// gateway's; the backend's arrive renamed.
			h[name] = vs
			continue
		}
		if !hop(k) {
			h[k] = vs
		}
	}
	if vs, ok := resp.Header["Content-Length"]; ok {
		h["X-Amzn-Remapped-Content-Length"] = vs
	}
	return env.Guard.Relay(w, resp.StatusCode, resp.Body, reqID, apiID)
}

// refusals answer requests to AWS_IAM methods whose signature does not
// hold, as AWS's gateway responses do: 403 Missing Authentication Token
// without one, the signature's own message and type with one that is
// wrong.
var refusals = private.Refusals{
	Unsigned: private.Answer{Status: http.StatusForbidden, Message: "Missing Authentication Token", ErrorType: "MissingAuthenticationTokenException"},
	TooLarge: private.Answer{Status: http.StatusRequestEntityTooLarge, Message: "Request Too Long", ErrorType: "RequestTooLargeException"},
	Unread:   private.Answer{Status: http.StatusBadRequest, Message: "Bad Request", ErrorType: "BadRequestException"},
	Typed:    true,
}

// respond picks the integration response whose selection pattern matches
// the backend status (the default one otherwise) and writes the method
// response it maps to: its headers, then its template for the types the
// method request accepts, whose overrides have the last word.
func respond(w http.ResponseWriter, g *upstream.Guard, q *request, integ *Integration, status int, backend http.Header, body []byte) {
	sel := integ.Default
	code := strconv.Itoa(status)
	for _, r := range integ.Responses {
		if r.pattern.MatchString(code) {
			sel = r
			break
		}
	}
	mapResponse(w, g, q, integ, sel, backend, body)
}

// mapResponse writes the method response that integration response sel
// maps the backend's answer to.
func mapResponse(w http.ResponseWriter, g *upstream.Guard, q *request, integ *Integration, sel *response, backend http.Header, body []byte) {
	h := w.Header()
	if sel == nil {
		// No integration response configured: AWS cannot map the answer.
		fail(w, q, configurationError)
		return
	}
	a := &answer{header: backend, body: body}
	for _, hm := range sel.headers {
		v, ok, err := a.value(q, hm.Source)
		if err != nil {
			// A body mapping of an answer that is not JSON.
			fail(w, q, configurationError)
			return
		}
		if ok {
			h.Set(hm.Target.Name, v)
		}
	}
	// The backend's payload is converted before a template maps it.
	body, ok := integ.responsePayload(sel, body, backend.Get("Content-Type"), q.r.Header.Get("Accept"))
	if !ok {
		// Text to be made binary that is not base64.
		fail(w, q, configurationError)
		return
	}
	status := sel.status
	if t := sel.templates.forResponse(q.r.Header.Get("Accept")); t != nil {
		res, err := t.run(q, body)
		if err != nil {
			q.templateFailed(w, "integration response", t, err)
			return
		}
		body = []byte(res.Body)
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", t.contentType)
		}
		if res.Status != 0 {
			status = res.Status
		}
		for k, v := range res.Headers {
			h.Set(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	g.Send(w, status, body)
}

type request struct {
	r      *http.Request
	params map[string]string
	stage  *Stage
	apiID  string
	reqID  string
	env    *Env
	method *Method
	path   string         // the request path after the stage
	ctx    map[string]any // $context, once a template or mapping asks for it
	auth   *authorized    // what a CUSTOM method's authorizer authorized
	held   int64          // bytes of the body read whole, held from the guard
	// query is r's query string, parsed once when a mapping reads it.
	query url.Values
	// body is the method request's body when the method reads it whole
	// (not nil then, even when empty), payload it converted as
	// binaryMediaTypes and contentHandling ask; json is body decoded,
	// once a JSONPath source reads it.
	body, payload []byte
	json          *decoded
}

// integrationRequest builds the backend request: the URI (its host decides
// the Host header), path parameters substituted, the method request's query
// string and headers for proxies, the mapped parameters, and what a request
// template made (mapped: its body and overrides; nil without one). It
// copies only what the backend request needs rather than r.Clone's deep
// copy, and the result is the caller's own: later hops rewrite it in place.
//
// It answers instead when a mapping reads a body that is not JSON.
func integrationRequest(ctx context.Context, q *request, integ *Integration, mapped *vtl.Result) (*http.Request, *private.Answer) {
	r := q.r
	out := r.WithContext(ctx)
	out.RequestURI = ""
	out.Trailer = nil // trailers belong to the client's connection
	if integ.HTTPMethod != "" && integ.HTTPMethod != "ANY" {
		out.Method = integ.HTTPMethod
	}
	u := *integ.URI
	// Path values are needed only when the URI has placeholders, and the
	// query only when there is one to carry or map.
	templated := strings.Contains(u.Path, "{")
	var pathVals map[string]string
	var query url.Values
	if integ.Type == "HTTP_PROXY" {
		if r.URL.RawQuery != "" {
			query = r.URL.Query()
		}
		// A proxy resource's parameters reach a URI placeholder of the same
		// name even without an explicit mapping.
		if templated {
			pathVals = make(map[string]string, len(q.params))
			for k, v := range q.params {
				pathVals[k] = v
			}
		}
		// Values are shared with r, not copied: Set and Del replace slices,
		// so r's own headers never change.
		out.Header = make(http.Header, len(r.Header)+2)
		for k, vs := range r.Header {
			if !hop(k) {
				out.Header[k] = vs
			}
		}
		upstream.DropConnectionListed(r.Header, out.Header)
		upstream.NoUserAgent(out.Header)
		if auth := r.Header["Authorization"]; len(auth) > 0 && strings.HasPrefix(auth[0], sigv4.Algorithm) {
			// A SigV4 signature was for the gateway, not the backend.
			delete(out.Header, "Authorization")
		}
	} else {
		out.Header = make(http.Header, 4)
		out.Header.Set("User-Agent", "AmazonAPIGateway_"+q.apiID)
		if ct := r.Header.Get("Content-Type"); ct != "" {
			out.Header.Set("Content-Type", ct)
		}
	}
	query, pathVals, err := mapParams(q, integ.Params, out, query, pathVals)
	if err != nil {
		return nil, &badJSON
	}
	if mapped != nil {
		query, pathVals = requestOverrides(mapped, out.Header, query, pathVals)
		out.Body = io.NopCloser(strings.NewReader(mapped.Body))
		out.ContentLength = int64(len(mapped.Body))
		out.TransferEncoding = nil
		out.GetBody = nil
		if out.Header.Get("Content-Type") == "" {
			out.Header.Set("Content-Type", "application/json")
		}
	} else if q.body != nil {
		out.Body = io.NopCloser(bytes.NewReader(q.payload))
		out.ContentLength = int64(len(q.payload))
		out.TransferEncoding = nil
		out.GetBody = nil
	}
	if len(integ.Params) > 0 || mapped != nil {
		// A mapping cannot set a hop-by-hop header either.
		for k := range out.Header {
			if hop(k) {
				delete(out.Header, k)
			}
		}
	}
	if templated {
		u.Path = substitute(u.Path, pathVals)
	}
	u.RawPath = ""
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	out.URL = &u
	out.Host = u.Host
	vals := []string{q.apiID, upstream.TraceID()}
	out.Header["X-Amzn-Apigateway-Api-Id"] = vals[0:1:1]
	out.Header["X-Amzn-Trace-Id"] = vals[1:2:2]
	return out, nil
}

// badJSON answers a request whose body a mapping reads as JSON when it is
// not.
var badJSON = private.Answer{Status: http.StatusBadRequest, Message: "Invalid JSON in request body", ErrorType: "BadRequestException"}

func substitute(p string, vals map[string]string) string {
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
		b.WriteString(upstream.CleanValue(vals[strings.TrimSuffix(p[i+1:j], "+")]))
		p = p[j+1:]
	}
}

func call(out *http.Request, env *Env, integ *Integration) (*http.Response, error) {
	if integ.Path == nil {
		return env.Transport.RoundTrip(out)
	}
	return integ.Path.Call(out, private.Env{Forwarder: env.Forwarder, Transport: env.Transport, Links: env.Links}, env.Now())
}

// match walks the resource tree: a static segment beats {param}, which
// beats {proxy+}; a method beats ANY.
func (r *resource) match(method, path string, params map[string]string) *Method {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	return r.walk(method, segs, params)
}

func (r *resource) walk(method string, segs []string, params map[string]string) *Method {
	if len(segs) == 0 {
		return pick(r.methods, method)
	}
	if child := r.static[segs[0]]; child != nil {
		if m := child.walk(method, segs[1:], params); m != nil {
			return m
		}
	}
	if r.param != nil {
		if m := r.param.walk(method, segs[1:], params); m != nil {
			params[r.pname] = segs[0]
			return m
		}
	}
	if r.greedy != nil {
		if m := pick(r.greedy.methods, method); m != nil {
			params[r.gname] = strings.Join(segs, "/")
			return m
		}
	}
	return nil
}

func pick(methods map[string]*Method, method string) *Method {
	if m := methods[method]; m != nil {
		return m
	}
	return methods["ANY"]
}

// gatewayError writes a gateway response: {"message": ...} with
// x-amzn-ErrorType when AWS sets one.
func gatewayError(w http.ResponseWriter, code int, msg, errType string) {
	gatewayBody(w, code, `{"message":"`+msg+`"}`, errType)
}

func gatewayBody(w http.ResponseWriter, code int, body, errType string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if errType != "" {
		h.Set("X-Amzn-Errortype", errType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	io.WriteString(w, body)
}

// requestID is a UUID-shaped id. The ids need to be unique, not secret, so
// math/rand's per-thread generator serves, without a crypto/rand call per
// request.
func requestID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], rand.Uint64())
	binary.BigEndian.PutUint64(b[8:], rand.Uint64())
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
