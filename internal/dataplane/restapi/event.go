package restapi

import (
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/internal/dataplane/jsonappend"
)

// proxyEvent is the event an AWS_PROXY integration sends, REST APIs'
// Lambda proxy input format: the method request's resource, path, method,
// headers (with those API Gateway adds, and the integration's mapped
// ones), query string (with mapped parameters), path parameters, stage
// variables, requestContext, and body. Where AWS sends null (no query
// string, no path parameters, no stage variables, no body, no user agent,
// the identity's caller fields), so does it.
//
// It writes the JSON itself, in AWS's member order: the event is built
// on every request, and encoding/json's reflection and sorted map keys
// cost several times as much.
func (q *request) proxyEvent(w http.ResponseWriter, integ *Integration) ([]byte, error) {
	r, l := q.r, integ.lambda
	ip, port := clientAddress(r)
	header := make(http.Header, len(r.Header)+5)
	for k, vs := range r.Header {
		if !hop(k) && k != "Content-Length" && len(vs) > 0 {
			header[k] = vs
		}
	}
	added := make([]string, 4)
	added[0] = r.Host
	added[1] = ip
	if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 {
		added[1] = xff[len(xff)-1] + ", " + ip
	}
	added[2], added[3] = port, scheme(r)
	header["Host"], header["X-Forwarded-For"] = added[0:1:1], added[1:2:2]
	header["X-Forwarded-Port"], header["X-Forwarded-Proto"] = added[2:3:3], added[3:4:4]
	if trace := w.Header()["X-Amzn-Trace-Id"]; len(trace) > 0 {
		header["X-Amzn-Trace-Id"] = trace
	}
	query := q.queryValues()
	if len(integ.Params) > 0 {
		// Mapped headers and query string parameters reach the function
		// beside the client's own, as AWS sends them.
		mq := make(url.Values, len(query))
		for k, vs := range query {
			mq[k] = vs
		}
		var err error
		if query, _, err = mapParams(q, integ.Params, &http.Request{Header: header}, mq, nil); err != nil {
			return nil, err
		}
	}

	b := make([]byte, 0, 1536+len(q.body)*4/3)
	b = append(b, `{"resource":`...)
	b = jsonappend.String(b, q.method.Resource)
	path := q.path
	if path == "" {
		path = "/"
	}
	b = append(b, `,"path":`...)
	b = jsonappend.String(b, path)
	b = append(b, `,"httpMethod":`...)
	b = jsonappend.String(b, r.Method)
	b = append(b, `,"headers":`...)
	b = jsonappend.Last(b, header)
	b = append(b, `,"multiValueHeaders":`...)
	b = jsonappend.All(b, header)
	b = append(b, `,"queryStringParameters":`...)
	b = jsonappend.Last(b, query)
	b = append(b, `,"multiValueQueryStringParameters":`...)
	b = jsonappend.All(b, query)
	b = append(b, `,"pathParameters":`...)
	b = jsonappend.Map(b, q.params)
	b = append(b, `,"stageVariables":`...)
	b = jsonappend.Map(b, q.stage.Vars)
	b = append(b, `,"requestContext":`...)
	b = q.appendContext(b, l, ip)
	b = append(b, `,"body":`...)
	switch {
	case len(q.body) == 0:
		b = append(b, `null,"isBase64Encoded":false}`...)
	case l.binary.binary(r.Header.Get("Content-Type")):
		// A binary media type's body is sent base64-encoded.
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, q.body)
		b = append(b, `","isBase64Encoded":true}`...)
	default:
		b = jsonappend.String(b, string(q.body))
		b = append(b, `,"isBase64Encoded":false}`...)
	}
	return b, nil
}

// appendContext appends the event's requestContext, from the same values
// $context gives templates.
func (q *request) appendContext(b []byte, l *lambdaTarget, ip string) []byte {
	r, now := q.r, q.env.Now()
	b = append(b, `{"resourceId":`...)
	b = jsonappend.String(b, q.method.resourceID)
	b = append(b, `,"resourcePath":`...)
	b = jsonappend.String(b, q.method.Resource)
	b = append(b, `,"httpMethod":`...)
	b = jsonappend.String(b, r.Method)
	b = append(b, `,"extendedRequestId":`...)
	b = jsonappend.String(b, q.reqID[:12])
	b = append(b, `,"requestTime":"`...)
	b = now.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, `","path":`...)
	b = jsonappend.String(b, "/"+q.stage.Name+q.path)
	b = append(b, `,"accountId":`...)
	b = jsonappend.String(b, l.account)
	b = append(b, `,"protocol":`...)
	b = jsonappend.String(b, r.Proto)
	b = append(b, `,"stage":`...)
	b = jsonappend.String(b, q.stage.Name)
	prefix, _, _ := strings.Cut(r.Host, ".")
	b = append(b, `,"domainPrefix":`...)
	b = jsonappend.String(b, prefix)
	b = append(b, `,"requestTimeEpoch":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	b = append(b, `,"requestId":`...)
	b = jsonappend.String(b, q.reqID)
	b = append(b, `,"identity":{"cognitoIdentityPoolId":null,"accountId":null,"cognitoIdentityId":null,"caller":null,`...)
	if q.method.APIKeyRequired && q.stage.keys != nil {
		// A method that requires a key names the one the request gave.
		key := q.stage.keys.apiKey(r, q.auth.usageIdentifierKey())
		b = append(b, `"apiKey":`...)
		b = jsonappend.String(b, key)
		b = append(b, `,"apiKeyId":`...)
		b = jsonappend.String(b, q.stage.keys.keyID(key))
		b = append(b, ',')
	}
	b = append(b, `"sourceIp":`...)
	b = jsonappend.String(b, ip)
	b = append(b, `,"principalOrgId":null,"accessKey":null,"cognitoAuthenticationType":null,"cognitoAuthenticationProvider":null,"userArn":null,"userAgent":`...)
	if ua := r.Header["User-Agent"]; len(ua) > 0 {
		b = jsonappend.String(b, ua[0])
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"user":null},"domainName":`...)
	b = jsonappend.String(b, r.Host)
	b = append(b, `,"deploymentId":`...)
	b = jsonappend.String(b, l.deploymentID)
	b = append(b, `,"apiId":`...)
	b = jsonappend.String(b, q.apiID)
	if q.auth != nil {
		// What the method's Lambda authorizer returned.
		b = append(b, `,"authorizer":`...)
		b = append(b, q.auth.contextJSON()...)
	}
	return append(b, '}')
}

// clientAddress is the client's address and the port it reached the
// gateway on.
func clientAddress(r *http.Request) (ip, port string) {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	port = "80"
	if r.TLS != nil {
		port = "443"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			port = p
		}
	}
	return ip, port
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
