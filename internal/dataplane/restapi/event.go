package restapi

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
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
	b = appendJSONString(b, q.method.Resource)
	path := q.path
	if path == "" {
		path = "/"
	}
	b = append(b, `,"path":`...)
	b = appendJSONString(b, path)
	b = append(b, `,"httpMethod":`...)
	b = appendJSONString(b, r.Method)
	b = append(b, `,"headers":`...)
	b = appendLast(b, header)
	b = append(b, `,"multiValueHeaders":`...)
	b = appendAll(b, header)
	b = append(b, `,"queryStringParameters":`...)
	b = appendLast(b, query)
	b = append(b, `,"multiValueQueryStringParameters":`...)
	b = appendAll(b, query)
	b = append(b, `,"pathParameters":`...)
	b = appendStrings(b, q.params)
	b = append(b, `,"stageVariables":`...)
	b = appendStrings(b, q.stage.Vars)
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
		b = appendJSONString(b, string(q.body))
		b = append(b, `,"isBase64Encoded":false}`...)
	}
	return b, nil
}

// appendContext appends the event's requestContext, from the same values
// $context gives templates.
func (q *request) appendContext(b []byte, l *lambdaTarget, ip string) []byte {
	r, now := q.r, q.env.Now()
	b = append(b, `{"resourceId":`...)
	b = appendJSONString(b, q.method.resourceID)
	b = append(b, `,"resourcePath":`...)
	b = appendJSONString(b, q.method.Resource)
	b = append(b, `,"httpMethod":`...)
	b = appendJSONString(b, r.Method)
	b = append(b, `,"extendedRequestId":`...)
	b = appendJSONString(b, q.reqID[:12])
	b = append(b, `,"requestTime":"`...)
	b = now.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, `","path":`...)
	b = appendJSONString(b, "/"+q.stage.Name+q.path)
	b = append(b, `,"accountId":`...)
	b = appendJSONString(b, l.account)
	b = append(b, `,"protocol":`...)
	b = appendJSONString(b, r.Proto)
	b = append(b, `,"stage":`...)
	b = appendJSONString(b, q.stage.Name)
	prefix, _, _ := strings.Cut(r.Host, ".")
	b = append(b, `,"domainPrefix":`...)
	b = appendJSONString(b, prefix)
	b = append(b, `,"requestTimeEpoch":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	b = append(b, `,"requestId":`...)
	b = appendJSONString(b, q.reqID)
	b = append(b, `,"identity":{"cognitoIdentityPoolId":null,"accountId":null,"cognitoIdentityId":null,"caller":null,`...)
	if q.method.APIKeyRequired && q.stage.keys != nil {
		// A method that requires a key names the one the request gave.
		key := q.stage.keys.apiKey(r, q.auth.usageIdentifierKey())
		b = append(b, `"apiKey":`...)
		b = appendJSONString(b, key)
		b = append(b, `,"apiKeyId":`...)
		b = appendJSONString(b, q.stage.keys.keyID(key))
		b = append(b, ',')
	}
	b = append(b, `"sourceIp":`...)
	b = appendJSONString(b, ip)
	b = append(b, `,"principalOrgId":null,"accessKey":null,"cognitoAuthenticationType":null,"cognitoAuthenticationProvider":null,"userArn":null,"userAgent":`...)
	if ua := r.Header["User-Agent"]; len(ua) > 0 {
		b = appendJSONString(b, ua[0])
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"user":null},"domainName":`...)
	b = appendJSONString(b, r.Host)
	b = append(b, `,"deploymentId":`...)
	b = appendJSONString(b, l.deploymentID)
	b = append(b, `,"apiId":`...)
	b = appendJSONString(b, q.apiID)
	if q.auth != nil {
		// What the method's Lambda authorizer returned.
		auth, _ := json.Marshal(q.auth.Context())
		b = append(b, `,"authorizer":`...)
		b = append(b, auth...)
	}
	return append(b, '}')
}

// appendLast appends vs as a JSON object of each key's last value, null
// when it is empty.
func appendLast(b []byte, vs map[string][]string) []byte {
	if len(vs) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '{')
	first := true
	for k, v := range vs {
		if len(v) == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, v[len(v)-1])
	}
	return append(b, '}')
}

// appendAll appends vs as a JSON object of lists, null when it is empty.
func appendAll(b []byte, vs map[string][]string) []byte {
	if len(vs) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '{')
	first := true
	for k, v := range vs {
		if len(v) == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ":["...)
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendStrings appends m as a JSON object, null when it is empty.
func appendStrings(b []byte, m map[string]string) []byte {
	if len(m) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '{')
	first := true
	for k, v := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, as AWS reads a text body; <, > and & stay as they are,
// as AWS's events show them.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
