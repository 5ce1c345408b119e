package upstream

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/internal/dataplane/jsonappend"
	"gatehouse/internal/dataplane/lambdaproxy"
	"gatehouse/internal/invoke"
)

// An ALB forwarding to a target group of type lambda invokes the group's
// function instead of dialing: it sends the request as a JSON event and
// turns the function's answer into the response. No socket is opened, so no
// security group is in the way, as AWS documents.

// MaxLambdaBody is ALB's limit on a request body sent to a function and on
// the JSON a function answers with: 1 MB.
const MaxLambdaBody = 1 << 20

// elbPrincipal is who invokes, for the function's policy to judge.
const elbPrincipal = "elasticloadbalancing.amazonaws.com"

// lambda invokes the function t names for req and answers as the ALB does:
// the function's answer, or the ALB's own page when the request is too
// large (413), the function throttled (503), or the invocation failed or
// answered what is no ALB response document (502).
func (f *Forwarder) lambda(req *http.Request, b *Balancer, p *Pool, t *Target, hop Hop, l *Listener) (*http.Response, *Target, error) {
	hopName := b.Name + " -> " + t.ID
	// The body is held whole, and again in the event (base64 at worst):
	// within the server's bound on held bytes, as signed bodies are.
	held := BodySize(req, MaxLambdaBody) * 7 / 3
	if !f.Guard.Hold(held) {
		return albPage(req, http.StatusServiceUnavailable), t, nil
	}
	defer f.Guard.Release(held)
	body, err := readLambdaBody(req)
	switch {
	case errors.Is(err, errTooLarge):
		return f.lambdaFailed(req, http.StatusRequestEntityTooLarge, "LambdaRequestTooLarge", t, nil), t, nil
	case err != nil && req.Context().Err() != nil:
		return nil, t, &Error{Fault: TimedOut, Hop: hopName, Err: err}
	case err != nil:
		return albPage(req, http.StatusBadRequest), t, nil
	}
	addForwarded(req, hop.Client, l)
	if _, ok := req.Header["X-Amzn-Trace-Id"]; !ok {
		req.Header["X-Amzn-Trace-Id"] = []string{TraceID()}
	}
	if f.Functions == nil {
		return f.lambdaFailed(req, http.StatusBadGateway, "LambdaServiceException", t, errors.New("no Lambda engine runs")), t, nil
	}
	event := AppendEvent(make([]byte, 0, 512+len(body)*4/3), req, p.ARN, body, p.MultiValue)
	t.inflight.Add(1)
	res, err := f.Functions.Invoke(req.Context(), invoke.Request{
		Account: p.Account, Region: p.Region, Function: t.ID, Payload: event,
		Caller: &invoke.Caller{Service: elbPrincipal, SourceArn: p.ARN, SourceAccount: p.Account},
	})
	t.inflight.Add(-1)
	if err != nil {
		if req.Context().Err() != nil || DeadlinePassed(req.Context()) {
			// The caller gave up first, as with a target that is slow to
			// answer: it answers for its own deadline.
			return nil, t, &Error{Fault: TimedOut, Hop: hopName, Err: err}
		}
		var ie *invoke.Error
		if errors.As(err, &ie) {
			status, reason := lambdaRefusal(ie)
			return f.lambdaFailed(req, status, reason, t, err), t, nil
		}
		return f.lambdaFailed(req, http.StatusBadGateway, "LambdaServiceException", t, err), t, nil
	}
	switch {
	case res.FunctionError != "":
		return f.lambdaFailed(req, http.StatusBadGateway, "LambdaUnhandled", t, errors.New(string(res.Payload))), t, nil
	case len(res.Payload) > MaxLambdaBody:
		return f.lambdaFailed(req, http.StatusBadGateway, "LambdaResponseTooLarge", t, nil), t, nil
	}
	answer, err := lambdaproxy.ParseALB(res.Payload, p.MultiValue)
	if err != nil {
		return f.lambdaFailed(req, http.StatusBadGateway, "LambdaInvalidResponse", t, err), t, nil
	}
	return lambdaResponse(req, answer), t, nil
}

// CheckLambda runs a health check of the lambda group p: it invokes the
// function with ELB's check event for req (the check path, the user agent,
// nothing else) and returns the function's answer, or an error when the
// invocation failed or its answer is not a response document.
func (f *Forwarder) CheckLambda(req *http.Request, p *Pool) (*http.Response, error) {
	if !p.Lambda || len(p.Targets) == 0 {
		return nil, errors.New("target group " + p.Name + " has no function")
	}
	if f.Functions == nil {
		return nil, errors.New("no Lambda engine runs")
	}
	res, err := f.Functions.Invoke(req.Context(), invoke.Request{
		Account: p.Account, Region: p.Region, Function: p.Targets[0].ID,
		Payload: AppendEvent(nil, req, p.ARN, nil, p.MultiValue),
		Caller:  &invoke.Caller{Service: elbPrincipal, SourceArn: p.ARN, SourceAccount: p.Account},
	})
	if err != nil {
		return nil, err
	}
	if res.FunctionError != "" {
		return nil, errors.New("the function failed: " + string(res.Payload))
	}
	answer, err := lambdaproxy.ParseALB(res.Payload, p.MultiValue)
	if err != nil {
		return nil, err
	}
	return lambdaResponse(req, answer), nil
}

// lambdaRefusal is the ALB's status for an invocation Lambda refused, with
// the reason code its access log records: a throttled function is
// unavailable for now; anything else (no permission, no function, a
// function not Active) is a bad gateway.
func lambdaRefusal(e *invoke.Error) (int, string) {
	switch {
	case e.Status == http.StatusTooManyRequests:
		return http.StatusServiceUnavailable, "LambdaThrottling"
	case e.Status == http.StatusForbidden:
		return http.StatusBadGateway, "LambdaAccessDenied"
	case e.Status == http.StatusNotFound:
		return http.StatusBadGateway, "LambdaResourceNotFound"
	case e.Status == http.StatusRequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge, "LambdaRequestTooLarge"
	}
	return http.StatusBadGateway, "LambdaServiceException"
}

// lambdaFailed logs why the ALB answers with its own page, under the
// reason code AWS's access logs use, and returns that page.
func (f *Forwarder) lambdaFailed(req *http.Request, status int, reason string, t *Target, err error) *http.Response {
	if f.Log != nil {
		args := []any{"function", t.ID, "status", status, "error_reason", reason}
		if err != nil {
			args = append(args, "error", err.Error())
		}
		f.Log.Warn("ALB lambda target failed", args...)
	}
	return albPage(req, status)
}

// lambdaResponse is the function's answer as the ALB sends it: without
// hop-by-hop headers, which it does not honour, and with the
// Content-Length it computes.
func lambdaResponse(req *http.Request, a *lambdaproxy.Response) *http.Response {
	h := a.Header
	for k := range h {
		if HopByHop(k) || k == "Content-Length" {
			delete(h, k)
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(a.Body))}
	status := strconv.Itoa(a.Status) + " " + http.StatusText(a.Status)
	if strings.HasPrefix(a.StatusDescription, strconv.Itoa(a.Status)+" ") {
		status = a.StatusDescription
	}
	return &http.Response{
		StatusCode: a.Status, Status: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(a.Body)), ContentLength: int64(len(a.Body)), Request: req,
	}
}

var errTooLarge = errors.New("request body over 1 MB")

// readLambdaBody reads the request body whole, as the event carries it,
// refusing one over MaxLambdaBody without reading further.
func readLambdaBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.ContentLength > MaxLambdaBody {
		return nil, errTooLarge
	}
	size := 512
	if req.ContentLength > 0 {
		size = int(req.ContentLength) + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	n, err := buf.ReadFrom(io.LimitReader(req.Body, MaxLambdaBody+1))
	if err != nil {
		return nil, err
	}
	if n > MaxLambdaBody {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

// AppendEvent appends the event an ALB sends a lambda target for req:
// requestContext.elb.targetGroupArn, httpMethod, path and the query
// parameters as received (ALB decodes neither), the headers with lower-case
// names, and the body, base64-encoded unless its type is text. With
// multiValue (the group's lambda.multi_value_headers.enabled) headers and
// query parameters are arrays of every value sent; without, the last value
// sent wins. It is written directly, without reflection: every request to
// a lambda target builds one.
func AppendEvent(b []byte, req *http.Request, tgARN string, body []byte, multiValue bool) []byte {
	b = append(b, `{"requestContext":{"elb":{"targetGroupArn":`...)
	b = jsonappend.String(b, tgARN)
	b = append(b, `}},"httpMethod":`...)
	b = jsonappend.String(b, req.Method)
	b = append(b, `,"path":`...)
	b = jsonappend.String(b, req.URL.EscapedPath())
	if multiValue {
		b = append(b, `,"multiValueQueryStringParameters":`...)
	} else {
		b = append(b, `,"queryStringParameters":`...)
	}
	b = appendQuery(b, req.URL.RawQuery, multiValue)
	if multiValue {
		b = append(b, `,"multiValueHeaders":`...)
	} else {
		b = append(b, `,"headers":`...)
	}
	b = appendHeaders(b, req, multiValue)
	b = append(b, `,"body":`...)
	switch {
	case len(body) == 0:
		b = append(b, `"","isBase64Encoded":false}`...)
	case textual(req.Header.Get("Content-Type")):
		b = jsonappend.String(b, string(body))
		b = append(b, `,"isBase64Encoded":false}`...)
	default:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, body)
		b = append(b, `","isBase64Encoded":true}`...)
	}
	return b
}

// textual reports whether ALB sends a body of this type as it is: text/*,
// application/json, application/javascript and application/xml. Every
// other body, one without a type among them, goes base64-encoded.
func textual(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	if len(mt) >= 5 && strings.EqualFold(mt[:5], "text/") {
		return true
	}
	for _, t := range [...]string{"application/json", "application/javascript", "application/xml"} {
		if strings.EqualFold(mt, t) {
			return true
		}
	}
	return false
}

// appendQuery writes the query's parameters, still percent-encoded, as an
// object: with multi, each name once with all its values in order; else
// each name with its last value. It scans the query rather than building a
// map; queries are short.
func appendQuery(b []byte, raw string, multi bool) []byte {
	b = append(b, '{')
	first := true
	for pos := 0; pos < len(raw); {
		start := pos
		end := strings.IndexByte(raw[pos:], '&')
		if end < 0 {
			end = len(raw)
		} else {
			end += pos
		}
		pos = end + 1
		pair := raw[start:end]
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		rest := ""
		if pos < len(raw) {
			rest = raw[pos:]
		}
		if multi && hasParam(raw[:start], name) || !multi && hasParam(rest, name) {
			continue // written with its first (multi) or last value
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = jsonappend.String(b, name)
		b = append(b, ':')
		if !multi {
			b = jsonappend.String(b, value)
			continue
		}
		b = append(b, '[')
		b = jsonappend.String(b, value)
		for rest != "" {
			var p string
			p, rest, _ = strings.Cut(rest, "&")
			if n, v, _ := strings.Cut(p, "="); n == name && p != "" {
				b = append(b, ',')
				b = jsonappend.String(b, v)
			}
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// hasParam reports whether the query part q has a parameter named name.
func hasParam(q, name string) bool {
	for q != "" {
		var p string
		p, q, _ = strings.Cut(q, "&")
		if n, _, _ := strings.Cut(p, "="); n == name && p != "" {
			return true
		}
	}
	return false
}

// appendHeaders writes the request's headers with lower-case names, the
// host first (a health check has none); with multi each with every value,
// else with its last.
func appendHeaders(b []byte, req *http.Request, multi bool) []byte {
	b = append(b, '{')
	sep := false
	if req.Host != "" {
		b = append(b, `"host":`...)
		if multi {
			b = append(b, '[')
		}
		b = jsonappend.String(b, req.Host)
		if multi {
			b = append(b, ']')
		}
		sep = true
	}
	if _, ok := req.Header["Content-Length"]; !ok && req.ContentLength > 0 {
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, `"content-length":`...)
		if multi {
			b = append(b, '[')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, req.ContentLength, 10)
		b = append(b, '"')
		if multi {
			b = append(b, ']')
		}
	}
	for k, vs := range req.Header {
		if len(vs) == 0 || k == "Host" {
			continue
		}
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, '"')
		for i := 0; i < len(k); i++ {
			c := k[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
		b = append(b, '"', ':')
		if !multi {
			b = jsonappend.String(b, vs[len(vs)-1])
			continue
		}
		b = append(b, '[')
		for i, v := range vs {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonappend.String(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
