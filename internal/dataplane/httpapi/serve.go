package httpapi

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
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
}

// hopHeaders are never forwarded in either direction (RFC 9110 7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// Serve answers one invoke request for api's stage st. path is the request
// path without the stage segment (what routes match); full is the path with
// it (what a private integration's backend receives).
func Serve(w http.ResponseWriter, r *http.Request, env *Env, api *API, st *Stage, path, full string) {
	reqID := requestID()
	w.Header().Set("Apigw-Requestid", reqID)
	if r.ContentLength > MaxPayload {
		reply(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	var m Match
	if !st.Router.Lookup(r.Method, path, &m) {
		reply(w, http.StatusNotFound, "Not Found")
		return
	}
	integ := m.Route.Value.(*Integration)
	if integ.Broken != "" {
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	out := outgoing(r, integ, full, &m)
	apply(integ.Params, &reqContext{in: r, path: path, match: &m, stage: st, apiID: api.ID, requestID: reqID}, out)

	ctx, cancel := context.WithTimeout(r.Context(), integ.Timeout)
	defer cancel()
	out = out.WithContext(ctx)
	resp, err := call(out, env, integ)
	if err != nil {
		// A connection that failed, timed out or was dropped by a security
		// group: HTTP APIs answer all of these with 503.
		reply(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.Set("Apigw-Requestid", reqID)
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// outgoing builds the integration request: the client's method (unless the
// integration names one), path and query; a private integration keeps the
// full path, stage segment included, as AWS does.
func outgoing(r *http.Request, integ *Integration, full string, m *Match) *http.Request {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	if integ.Method != "" && integ.Method != "ANY" {
		out.Method = integ.Method
	}
	if integ.Private {
		out.URL.Path, out.URL.RawPath = full, ""
		out.URL.Scheme = "http"
		if integ.TLSName != "" {
			out.URL.Scheme = "https"
		}
	} else {
		u := *integ.URL
		u.Path = substitute(u.Path, m)
		u.RawPath = ""
		if u.RawQuery == "" {
			u.RawQuery = r.URL.RawQuery
		}
		out.URL = &u
		out.Host = u.Host
	}
	for _, k := range hopHeaders {
		out.Header.Del(k)
	}
	client := clientIP(r)
	if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
		out.Header.Set("X-Forwarded-For", prior+", "+client)
	} else {
		out.Header.Set("X-Forwarded-For", client)
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	out.Header.Set("X-Forwarded-Proto", proto)
	out.Header.Set("X-Forwarded-Port", port(r))
	out.Header.Set("Forwarded", "by="+quoteIfNeeded(r.Host)+";for="+quoteIfNeeded(client)+";host="+quoteIfNeeded(r.Host)+";proto="+proto)
	out.Header.Set("X-Amzn-Trace-Id", traceID())
	return out
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
		b.WriteString(v)
		p = p[j+1:]
	}
}

// call carries the request over the integration's path.
func call(out *http.Request, env *Env, integ *Integration) (*http.Response, error) {
	if !integ.Private {
		return env.Transport.RoundTrip(out)
	}
	link := integ.Link
	switch link.Status {
	case model.LinkAvailable:
	case model.LinkInactive:
		env.Links.Wake(link.ID) // traffic brings an idle link back, in minutes
		return nil, errLinkDown
	default:
		return nil, errLinkDown
	}
	env.Links.Touch(link.ID, env.Clock.Now())
	if integ.CloudMap != nil {
		return callCloudMap(out, env, integ.CloudMap)
	}
	if len(integ.Entries) == 0 {
		return nil, errLinkDown
	}
	e := &integ.Entries[rand.IntN(len(integ.Entries))]
	if !e.Verdict.Allowed {
		return nil, dropped(out.Context())
	}
	resp, _, err := env.Forwarder.RoundTrip(out, integ.Balancer, upstream.Hop{Port: integ.Port, Node: e.Node, Client: e.Src.Addr, Flow: rand.Uint64() | 1<<63})
	return resp, err
}

var errLinkDown = errors.New("VPC link is not available")

// dropped waits, as a client does for packets a security group dropped,
// until the integration timeout.
func dropped(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// callCloudMap picks a healthy instance and dials it directly from one of
// the link's interfaces.
func callCloudMap(out *http.Request, env *Env, cm *CloudMapTarget) (*http.Response, error) {
	found := model.Discover(cm.Service, cm.Instances, model.Discovery{Query: cm.Query, Health: "HEALTHY"}, env.Clock.Now())
	if len(found) == 0 || len(cm.Links) == 0 {
		return nil, errors.New("no healthy Cloud Map instance")
	}
	inst := found[rand.IntN(len(found))]
	addr, err := netip.ParseAddr(inst.Attributes["AWS_INSTANCE_IPV4"])
	port, perr := strconv.Atoi(inst.Attributes["AWS_INSTANCE_PORT"])
	if err != nil || perr != nil {
		return nil, errors.New("Cloud Map instance without AWS_INSTANCE_IPV4 and AWS_INSTANCE_PORT")
	}
	dst := network.Endpoint{Addr: addr}
	if eni := cm.Lookup(addr); eni != nil {
		dst.Groups = eni.Groups
	}
	src := cm.Links[rand.IntN(len(cm.Links))]
	if v := network.Evaluate(cm.Groups, src, dst, network.Flow{Protocol: "tcp", Port: port}); !v.Allowed {
		return nil, dropped(out.Context())
	}
	real, _ := network.RealAddress(cm.Lookup, addr, port)
	out.URL.Host = real
	return env.Transport.RoundTrip(out)
}

// NotFound answers a request for a stage the API does not have. It is the
// API's own answer, so it carries a request id like every other.
func NotFound(w http.ResponseWriter) {
	w.Header().Set("Apigw-Requestid", requestID())
	reply(w, http.StatusNotFound, "Not Found")
}

// reply writes an HTTP API's own JSON answer.
func reply(w http.ResponseWriter, code int, msg string) {
	body := `{"message":"` + msg + `"}`
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

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, ":[]") {
		return `"` + s + `"`
	}
	return s
}

// requestID is an id for apigw-requestid, in the shape AWS uses
// ("dGhpc2lzYW4=" style base64 of random bytes).
func requestID() string {
	var b [9]byte
	crand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// traceID is an X-Ray trace header: Root=1-{epoch hex}-{96 random bits}.
func traceID() string {
	var b [12]byte
	crand.Read(b[:])
	return "Root=1-" + strconv.FormatInt(time.Now().Unix(), 16) + "-" + hex.EncodeToString(b[:])
}
