package httpapi

import (
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/internal/dataplane/jsonappend"
	"gatehouse/internal/dataplane/jwtauth"
)

// request is what the events sent to functions (integrations' and
// authorizers', both payload formats) are built from: one request as the
// route matched it.
type request struct {
	r *http.Request
	// m points at match, the request's own copy: the route's Match stays
	// on the request path's stack for routes that call no function.
	m     *Match
	match Match
	st    *Stage
	api   *API
	path  string // without the stage or mapping key
	full  string // as the client sent it, with either
	reqID string
	now   time.Time
	trace string
	body  []byte
	// claims are a JWT route's, lambda a CUSTOM route's authorizer
	// context; nil elsewhere.
	claims *jwtauth.Claims
	lambda *authContext
	// signer is the access key that signed an AWS_IAM route's request,
	// "" on other routes.
	signer string
	// headers are gathered by eachHeader on first use.
	headers []headerValues
}

// authHead is what an authorizer's event adds to the request's: the ARN
// the request is for and the identity source values. It leaves the body
// out.
type authHead struct {
	arn    string
	values []string
}

// eventTime is the time format of requestContext.time: the Common Log
// Format's.
const eventTime = "02/Jan/2006:15:04:05 -0700"

// appendV2 appends the payload format 2.0 event of rq: the integration's,
// or with auth the authorizer's. Members AWS leaves out when empty
// (cookies, queryStringParameters, pathParameters, stageVariables, body)
// are left out.
func appendV2(b []byte, rq *request, auth *authHead) []byte {
	r := rq.r
	b = append(b, `{"version":"2.0"`...)
	if auth != nil {
		b = append(b, `,"type":"REQUEST","routeArn":`...)
		b = jsonappend.String(b, auth.arn)
		b = append(b, `,"identitySource":`...)
		b = jsonappend.Strings(b, auth.values)
	}
	b = append(b, `,"routeKey":`...)
	b = jsonappend.String(b, rq.m.Route.Key)
	b = append(b, `,"rawPath":`...)
	b = jsonappend.String(b, rq.full)
	b = append(b, `,"rawQueryString":`...)
	b = jsonappend.String(b, r.URL.RawQuery)
	var cookies []string
	for _, line := range r.Header["Cookie"] {
		for c := range strings.SplitSeq(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	if len(cookies) > 0 {
		b = append(b, `,"cookies":`...)
		b = jsonappend.Strings(b, cookies)
	}
	b = append(b, `,"headers":{`...)
	first := true
	eachHeader(rq, func(name string, values []string) {
		if name == "cookie" {
			return // in cookies
		}
		b = member(b, &first, name)
		b = appendJoined(b, values)
	})
	b = append(b, '}')
	if q := query(r); len(q) > 0 {
		b = append(b, `,"queryStringParameters":{`...)
		first := true
		for _, k := range sortedKeys(q) {
			b = member(b, &first, k)
			b = appendJoined(b, q[k])
		}
		b = append(b, '}')
	}
	if hasPathParams(rq.m) {
		b = append(b, `,"pathParameters":`...)
		b = appendPathParams(b, rq.m)
	}
	b = append(b, `,"requestContext":{"accountId":`...)
	b = jsonappend.String(b, rq.api.Scope.Account)
	b = append(b, `,"apiId":`...)
	b = jsonappend.String(b, rq.api.ID)
	if rq.claims != nil || rq.lambda != nil || rq.signer != "" {
		b = append(b, `,"authorizer":{`...)
		if rq.signer != "" {
			b = appendIAM(b, rq.signer, rq.api.Scope.Account)
		} else if rq.claims != nil {
			b = append(b, `"jwt":{"claims":`...)
			b = appendClaims(b, rq.claims)
			b = append(b, `,"scopes":`...)
			b = jsonappend.Strings(b, rq.claims.Scopes())
			b = append(b, '}')
		} else {
			b = append(b, `"lambda":`...)
			b = rq.lambda.appendRaw(b)
		}
		b = append(b, '}')
	}
	domain := domainName(r)
	b = append(b, `,"domainName":`...)
	b = jsonappend.String(b, domain)
	b = append(b, `,"domainPrefix":`...)
	b = jsonappend.String(b, domainPrefix(domain))
	b = append(b, `,"http":{"method":`...)
	b = jsonappend.String(b, r.Method)
	b = append(b, `,"path":`...)
	b = jsonappend.String(b, rq.full)
	b = append(b, `,"protocol":`...)
	b = jsonappend.String(b, r.Proto)
	b = append(b, `,"sourceIp":`...)
	b = jsonappend.String(b, clientIP(r))
	b = append(b, `,"userAgent":`...)
	b = jsonappend.String(b, r.Header.Get("User-Agent"))
	b = append(b, `},"requestId":`...)
	b = jsonappend.String(b, rq.reqID)
	b = append(b, `,"routeKey":`...)
	b = jsonappend.String(b, rq.m.Route.Key)
	b = append(b, `,"stage":`...)
	b = jsonappend.String(b, rq.st.Name)
	b = append(b, `,"time":"`...)
	b = rq.now.UTC().AppendFormat(b, eventTime)
	b = append(b, `","timeEpoch":`...)
	b = strconv.AppendInt(b, rq.now.UnixMilli(), 10)
	b = append(b, '}')
	if len(rq.st.Vars) > 0 {
		b = append(b, `,"stageVariables":`...)
		b = appendMap(b, rq.st.Vars)
	}
	if auth == nil {
		encoded := false
		if len(rq.body) > 0 {
			b = append(b, `,"body":`...)
			b, encoded = appendBody(b, r, rq.body)
		}
		b = append(b, `,"isBase64Encoded":`...)
		b = strconv.AppendBool(b, encoded)
	}
	return append(b, '}')
}

// appendV1 appends the payload format 1.0 event of rq, the REST API
// proxy event's shape: members without a value are null. With auth it is
// the authorizer's event, whose identitySource (and authorizationToken)
// is the identity source values joined by commas.
func appendV1(b []byte, rq *request, auth *authHead) []byte {
	r := rq.r
	b = append(b, `{"version":"1.0"`...)
	if auth != nil {
		b = append(b, `,"type":"REQUEST","methodArn":`...)
		b = jsonappend.String(b, auth.arn)
		joined := strings.Join(auth.values, ",")
		b = append(b, `,"identitySource":`...)
		b = jsonappend.String(b, joined)
		b = append(b, `,"authorizationToken":`...)
		b = jsonappend.String(b, joined)
	}
	resource := rq.full
	if rp := routePath(rq.m.Route.Key); rp != "" {
		resource = rp
	}
	b = append(b, `,"resource":`...)
	b = jsonappend.String(b, resource)
	b = append(b, `,"path":`...)
	b = jsonappend.String(b, rq.full)
	b = append(b, `,"httpMethod":`...)
	b = jsonappend.String(b, r.Method)
	b = append(b, `,"headers":{`...)
	first := true
	eachHeader(rq, func(name string, values []string) {
		b = member(b, &first, name)
		b = jsonappend.String(b, values[len(values)-1])
	})
	b = append(b, `},"multiValueHeaders":{`...)
	first = true
	eachHeader(rq, func(name string, values []string) {
		b = member(b, &first, name)
		b = jsonappend.Strings(b, values)
	})
	b = append(b, '}')
	q := query(r)
	keys := sortedKeys(q)
	b = append(b, `,"queryStringParameters":`...)
	if len(q) == 0 {
		b = append(b, "null"...)
	} else {
		first = true
		b = append(b, '{')
		for _, k := range keys {
			b = member(b, &first, k)
			b = jsonappend.String(b, q[k][0])
		}
		b = append(b, '}')
	}
	b = append(b, `,"multiValueQueryStringParameters":`...)
	if len(q) == 0 {
		b = append(b, "null"...)
	} else {
		first = true
		b = append(b, '{')
		for _, k := range keys {
			b = member(b, &first, k)
			b = jsonappend.Strings(b, q[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"requestContext":{"accountId":`...)
	b = jsonappend.String(b, rq.api.Scope.Account)
	b = append(b, `,"apiId":`...)
	b = jsonappend.String(b, rq.api.ID)
	if auth == nil {
		b = append(b, `,"authorizer":`...)
		switch {
		case rq.lambda != nil:
			b = rq.lambda.appendV1(b)
		case rq.claims != nil:
			b = append(b, `{"claims":`...)
			b = appendClaims(b, rq.claims)
			b = append(b, `,"scopes":`...)
			b = jsonappend.Strings(b, rq.claims.Scopes())
			b = append(b, '}')
		default:
			b = append(b, `{"claims":null,"scopes":null}`...)
		}
	}
	domain := domainName(r)
	b = append(b, `,"domainName":`...)
	b = jsonappend.String(b, domain)
	b = append(b, `,"domainPrefix":`...)
	b = jsonappend.String(b, domainPrefix(domain))
	b = append(b, `,"extendedRequestId":`...)
	b = jsonappend.String(b, rq.reqID)
	b = append(b, `,"httpMethod":`...)
	b = jsonappend.String(b, r.Method)
	account := rq.api.Scope.Account
	b = append(b, `,"identity":{"accessKey":`...)
	b = nullOr(b, rq.signer, rq.signer)
	b = append(b, `,"accountId":`...)
	b = nullOr(b, rq.signer, account)
	b = append(b, `,"caller":`...)
	b = nullOr(b, rq.signer, account)
	b = append(b, `,"cognitoAuthenticationProvider":null,"cognitoAuthenticationType":null,"cognitoIdentityId":null,`+
		`"cognitoIdentityPoolId":null,"principalOrgId":null,"sourceIp":`...)
	b = jsonappend.String(b, clientIP(r))
	b = append(b, `,"user":`...)
	b = nullOr(b, rq.signer, account)
	b = append(b, `,"userAgent":`...)
	b = jsonappend.String(b, r.Header.Get("User-Agent"))
	b = append(b, `,"userArn":`...)
	if rq.signer == "" {
		b = append(b, "null"...)
	} else {
		b = appendRootARN(b, account)
	}
	b = append(b, `},"path":`...)
	b = jsonappend.String(b, rq.full)
	b = append(b, `,"protocol":`...)
	b = jsonappend.String(b, r.Proto)
	b = append(b, `,"requestId":`...)
	b = jsonappend.String(b, rq.reqID)
	b = append(b, `,"requestTime":"`...)
	b = rq.now.UTC().AppendFormat(b, eventTime)
	b = append(b, `","requestTimeEpoch":`...)
	b = strconv.AppendInt(b, rq.now.UnixMilli(), 10)
	b = append(b, `,"resourceId":`...)
	if rq.m.Route.Key == "$default" {
		b = append(b, "null"...)
	} else {
		b = jsonappend.String(b, rq.m.Route.Key)
	}
	b = append(b, `,"resourcePath":`...)
	b = jsonappend.String(b, resource)
	b = append(b, `,"stage":`...)
	b = jsonappend.String(b, rq.st.Name)
	b = append(b, `},"pathParameters":`...)
	if hasPathParams(rq.m) {
		b = appendPathParams(b, rq.m)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"stageVariables":`...)
	if len(rq.st.Vars) > 0 {
		b = appendMap(b, rq.st.Vars)
	} else {
		b = append(b, "null"...)
	}
	if auth == nil {
		encoded := false
		b = append(b, `,"body":`...)
		if len(rq.body) > 0 {
			b, encoded = appendBody(b, r, rq.body)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"isBase64Encoded":`...)
		b = strconv.AppendBool(b, encoded)
	}
	return append(b, '}')
}

// appendIAM appends the iam member of a 2.0 event's authorizer: the
// identity of the access key that signed the request. gatehouse has no
// IAM users, so a key stands for its account's root user, as sts
// GetCallerIdentity answers for it: the account is the caller and the
// user, and the root user's ARN the user's ARN.
func appendIAM(b []byte, key, account string) []byte {
	b = append(b, `"iam":{"accessKey":`...)
	b = jsonappend.String(b, key)
	b = append(b, `,"accountId":`...)
	b = jsonappend.String(b, account)
	b = append(b, `,"callerId":`...)
	b = jsonappend.String(b, account)
	b = append(b, `,"cognitoIdentity":null,"principalOrgId":null,"userArn":`...)
	b = appendRootARN(b, account)
	b = append(b, `,"userId":`...)
	b = jsonappend.String(b, account)
	return append(b, '}')
}

// appendRootARN appends the ARN of account's root user as a JSON string.
func appendRootARN(b []byte, account string) []byte {
	b = append(b, `"arn:aws:iam::`...)
	b = append(b, account...) // twelve digits: nothing to escape
	return append(b, `:root"`...)
}

// nullOr appends v as a JSON string when signed is set, null otherwise.
func nullOr(b []byte, signed, v string) []byte {
	if signed == "" {
		return append(b, "null"...)
	}
	return jsonappend.String(b, v)
}

// routePath is a route key's path ("/pets/{id}" of "GET /pets/{id}"), ""
// for $default.
func routePath(key string) string {
	_, p, _ := strings.Cut(key, " ")
	return p
}

// eachHeader calls f with the request's headers as a function sees them,
// by lower-cased name in order: the client's, but for hop-by-hop ones,
// with the host and the length, and the forwarding headers API Gateway
// adds. They are gathered once per request.
func eachHeader(rq *request, f func(name string, values []string)) {
	if rq.headers == nil {
		rq.headers = gatherHeaders(rq)
	}
	for _, h := range rq.headers {
		f(h.name, h.values)
	}
}

type headerValues struct {
	name   string
	values []string
}

func gatherHeaders(rq *request) []headerValues {
	r := rq.r
	client := clientIP(r)
	if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
		client = prior + ", " + client
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	// The headers API Gateway sets, their values in one backing array:
	// the host and the length it read, and the forwarding headers.
	added := [...]string{"host", "x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "content-length"}
	vals := []string{r.Host, rq.trace, client, port(r), proto, ""}
	n := len(added) - 1
	if len(rq.body) > 0 {
		vals[n] = strconv.Itoa(len(rq.body))
		n++
	}
	out := make([]headerValues, 0, len(r.Header)+n)
	for k, vs := range r.Header {
		if !hopHeader(k) && len(vs) > 0 {
			if name := lowerName(k); !slices.Contains(added[:n], name) {
				out = append(out, headerValues{name, vs})
			}
		}
	}
	for i := range n {
		out = append(out, headerValues{added[i], vals[i : i+1 : i+1]})
	}
	slices.SortFunc(out, func(a, b headerValues) int { return strings.Compare(a.name, b.name) })
	// Names that differed only in case (a client's raw header map) are
	// one header: their values join in order.
	for i := 1; i < len(out); i++ {
		if out[i].name == out[i-1].name {
			out[i-1].values = append(slices.Clip(out[i-1].values), out[i].values...)
			out = slices.Delete(out, i, i+1)
			i--
		}
	}
	return out
}

// lowerNames holds the lower-cased forms of common header names, so
// that most requests' names cost no allocation.
var lowerNames = map[string]string{}

func init() {
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control", "Content-Type",
		"Cookie", "Origin", "Referer", "User-Agent", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Amzn-Trace-Id",
		"X-Request-Id", "X-Api-Key", "If-None-Match", "If-Modified-Since", "Pragma", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-Dest"} {
		lowerNames[k] = strings.ToLower(k)
	}
}

func lowerName(k string) string {
	if l, ok := lowerNames[k]; ok {
		return l
	}
	return strings.ToLower(k)
}

// hopHeader is a header that belongs to the client's connection, not the
// request a function is handed.
func hopHeader(k string) bool {
	switch k {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// query is the request's query string; one that does not parse gives
// what parsed of it.
func query(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	return q
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func hasPathParams(m *Match) bool {
	return len(m.Route.Params) > 0 || m.Route.Greedy != ""
}

func appendPathParams(b []byte, m *Match) []byte {
	b = append(b, '{')
	first := true
	for _, name := range m.Route.Params {
		v, _ := m.Param(name)
		b = member(b, &first, name)
		b = jsonappend.String(b, v)
	}
	if m.Route.Greedy != "" {
		v, _ := m.Param(m.Route.Greedy)
		b = member(b, &first, m.Route.Greedy)
		b = jsonappend.String(b, v)
	}
	return append(b, '}')
}

func appendClaims(b []byte, c *jwtauth.Claims) []byte {
	b = append(b, '{')
	first := true
	c.Each(func(name, value string) {
		b = member(b, &first, name)
		b = jsonappend.String(b, value)
	})
	return append(b, '}')
}

func appendMap(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	first := true
	for _, k := range sortedKeys(m) {
		b = member(b, &first, k)
		b = jsonappend.String(b, m[k])
	}
	return append(b, '}')
}

// textual reports whether a request body of r's content type is sent to
// a function as text; anything else, no content type included, is sent
// base64-encoded. The type is read without mime's parser, which allocates
// its parameters: only the media type counts.
func textual(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	if len(ct) >= 5 && strings.EqualFold(ct[:5], "text/") {
		return true
	}
	for _, suffix := range []string{"+json", "+xml"} {
		if len(ct) > len(suffix) && strings.EqualFold(ct[len(ct)-len(suffix):], suffix) {
			return true
		}
	}
	for _, t := range []string{"application/json", "application/javascript", "application/xml"} {
		if strings.EqualFold(ct, t) {
			return true
		}
	}
	return false
}

// appendBody appends the body as the event carries it, text or base64,
// and reports which.
func appendBody(b []byte, r *http.Request, body []byte) ([]byte, bool) {
	if textual(r) && utf8.Valid(body) {
		return jsonappend.String(b, string(body)), false
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, body)
	return append(b, '"'), true
}

// domainName is the request's host without its port.
func domainName(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.Host); err == nil {
		return host
	}
	return r.Host
}

func domainPrefix(domain string) string {
	prefix, _, _ := strings.Cut(domain, ".")
	return prefix
}

// member starts an object member: a comma unless it is the first, and
// the name.
func member(b []byte, first *bool, name string) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = jsonappend.String(b, name)
	return append(b, ':')
}

// appendJoined appends values joined by commas, as one JSON string.
func appendJoined(b []byte, values []string) []byte {
	if len(values) == 1 {
		return jsonappend.String(b, values[0])
	}
	return jsonappend.String(b, strings.Join(values, ","))
}
