package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/internal/dataplane/jwtauth"
	"gatehouse/internal/httpmap"
	"gatehouse/internal/mapping/jsonpath"
)

// Mapping is an integration's compiled parameter mapping, parsed by
// httpmap as the management API parsed it to validate it.
type Mapping struct {
	Request []httpmap.Op
	// Response holds the mappings of each backend status code; nil when
	// the integration maps no response.
	Response map[int][]httpmap.Op
	// RequestBody and ResponseBody say a value reads the body, which
	// must then be held in memory.
	RequestBody, ResponseBody bool
}

// compileMapping parses an integration's mappings once. The management
// API refused what does not parse, so an error here means a record
// stored before the check existed: its mappings are left out.
func compileMapping(req map[string]string, resp map[string]map[string]string) Mapping {
	var m Mapping
	m.Request, _ = httpmap.Request(req)
	m.Response, _ = httpmap.Response(resp)
	for _, op := range m.Request {
		m.RequestBody = m.RequestBody || op.Value.Uses(httpmap.RequestBody)
	}
	for _, ops := range m.Response {
		for _, op := range ops {
			m.ResponseBody = m.ResponseBody || op.Value.Uses(httpmap.ResponseBody)
		}
	}
	return m
}

// compileParams is the request side of compileMapping.
func compileParams(m map[string]string) []httpmap.Op {
	return compileMapping(m, nil).Request
}

// maxMappedBody is how much of a body a JSONPath value reads: API Gateway
// evaluates the first 100 KB, so a longer body is not a JSON document to
// it and its paths are empty.
const maxMappedBody = 100 << 10

// reqContext is what mapping values can refer to.
type reqContext struct {
	in        *http.Request
	path      string // the request path without the stage
	match     *Match
	stage     *Stage
	apiID     string
	requestID string
	// claims are a JWT route's token claims, lambda a CUSTOM route's
	// authorizer context; nil elsewhere.
	claims *jwtauth.Claims
	lambda *authContext
	// bodies holds what a mapping reads of the request's and the
	// answer's bodies, nil until one does. It sits behind a pointer of
	// its own so that reading a body, which escapes, does not move the
	// rest of the request's state to the heap.
	bodies *bodies
	resp   *http.Response
}

// bodies are the request's and the integration answer's bodies, held for
// the mappings that read them, and each decoded on the first JSONPath.
type bodies struct {
	req, resp         []byte
	reqDoc, respDoc   any
	reqRead, respRead bool
}

func (c *reqContext) held() *bodies {
	if c.bodies == nil {
		c.bodies = &bodies{}
	}
	return c.bodies
}

func (c *reqContext) eval(parts httpmap.Value) string {
	if s, ok := parts.Static(); ok {
		return s
	}
	// The value is built in a buffer of its own even from one part: a
	// string that shared the request's memory would take the request's
	// state, match included, to the heap with it.
	var b strings.Builder
	for i := range parts {
		b.WriteString(c.part(&parts[i]))
	}
	return b.String()
}

func (c *reqContext) part(p *httpmap.Part) string {
	switch p.Source {
	case httpmap.Literal:
		return p.Text
	case httpmap.RequestHeader:
		return strings.Join(c.in.Header.Values(p.Text), ",")
	case httpmap.RequestQuery:
		return strings.Join(c.in.URL.Query()[p.Text], ",")
	case httpmap.RequestPath:
		return c.path
	case httpmap.RequestPathParam:
		v, _ := c.match.Param(p.Text)
		return v
	case httpmap.RequestBody:
		b := c.held()
		if !b.reqRead {
			b.reqDoc, b.reqRead = decode(b.req), true
		}
		return jsonText(b.reqDoc, p.Path)
	case httpmap.ResponseHeader:
		if c.resp != nil {
			return strings.Join(c.resp.Header.Values(p.Text), ",")
		}
	case httpmap.ResponseBody:
		b := c.held()
		if !b.respRead {
			b.respDoc, b.respRead = decode(b.resp), true
		}
		return jsonText(b.respDoc, p.Path)
	case httpmap.StageVariable:
		return c.stage.Vars[p.Text]
	case httpmap.Context:
		return c.contextVar(p.Text)
	}
	return ""
}

// decode is a body as a JSON document, nil when it is not one (or is
// longer than API Gateway reads).
func decode(b []byte) any {
	if len(b) == 0 || len(b) > maxMappedBody {
		return nil
	}
	doc, err := jsonpath.Decode(b)
	if err != nil {
		return nil
	}
	return doc
}

// jsonText is the value at path in doc as a mapping sees it: a string as
// it is, anything else as JSON, nothing when the path leads nowhere. A nil
// path is the whole body.
func jsonText(doc any, path *jsonpath.Path) string {
	if doc == nil {
		return ""
	}
	v, ok := doc, true
	if path != nil {
		v, ok = path.Select(doc)
	}
	if !ok {
		return ""
	}
	s, _ := jsonpath.Text(v)
	return s
}

func (c *reqContext) contextVar(name string) string {
	switch name {
	case "requestId", "extendedRequestId":
		return c.requestID
	case "apiId":
		return c.apiID
	case "stage":
		return c.stage.Name
	case "httpMethod":
		return c.in.Method
	case "path":
		return c.in.URL.Path
	case "protocol":
		return c.in.Proto
	case "domainName":
		return c.in.Host
	case "domainPrefix":
		prefix, _, _ := strings.Cut(c.in.Host, ".")
		return prefix
	case "identity.sourceIp":
		return clientIP(c.in)
	case "identity.userAgent":
		return c.in.Header.Get("User-Agent")
	case "routeKey":
		if c.match.Route != nil {
			return c.match.Route.Key
		}
	case "integrationStatus", "integration.status":
		if c.resp != nil {
			return strconv.Itoa(c.resp.StatusCode)
		}
	}
	if claim, ok := strings.CutPrefix(name, "authorizer.claims."); ok {
		v, _ := c.claims.Claim(claim)
		return v
	}
	if key, ok := strings.CutPrefix(name, "authorizer."); ok {
		v, _ := c.lambda.Claim(key)
		return v
	}
	return ""
}

// holdBody reads the integration request's body into memory for the
// mappings that read it, and hands the backend the same bytes. It
// reports false when the body could not be read whole within limit.
func (c *reqContext) holdBody(out *http.Request, limit int64) bool {
	if out.Body == nil || out.Body == http.NoBody {
		return true
	}
	b, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil || int64(len(b)) > limit {
		return false
	}
	c.held().req = b
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.ContentLength = int64(len(b))
	out.TransferEncoding = nil
	return true
}

// apply maps the outgoing request: headers, query string and path.
func apply(ops []httpmap.Op, c *reqContext, out *http.Request) {
	if len(ops) == 0 {
		return
	}
	q := out.URL.Query()
	qChanged := false
	for _, op := range ops {
		switch op.Target {
		case httpmap.Header:
			switch op.Action {
			case httpmap.Remove:
				out.Header.Del(op.Name)
			case httpmap.Append:
				out.Header.Add(op.Name, c.eval(op.Value))
			default:
				v := c.eval(op.Value)
				out.Header.Set(op.Name, v)
				if strings.EqualFold(op.Name, "host") {
					out.Host = v
				}
			}
		case httpmap.QueryString:
			qChanged = true
			switch op.Action {
			case httpmap.Remove:
				q.Del(op.Name)
			case httpmap.Append:
				q.Add(op.Name, c.eval(op.Value))
			default:
				q.Set(op.Name, c.eval(op.Value))
			}
		case httpmap.Path:
			out.URL.Path = c.eval(op.Value)
			out.URL.RawPath = ""
		}
	}
	if qChanged {
		out.URL.RawQuery = q.Encode()
	}
}

// mapResponse applies the mappings of the integration answer's status
// code to it. Every value is read from the answer as the backend gave
// it, before any mapping changes it. With holdBody set the body is read
// into memory first (within limit) and the answer carries the same
// bytes. It reports false when the answer cannot be given: a body that
// broke off or is too long, or a status that is not one.
func mapResponse(ops []httpmap.Op, c *reqContext, resp *http.Response, holdBody bool, limit int64) bool {
	c.resp = resp
	if holdBody {
		b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		if err != nil || int64(len(b)) > limit {
			return false
		}
		resp.Body.Close()
		c.held().resp = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	var buf [8]string
	vals := buf[:0]
	for _, op := range ops {
		v := ""
		if op.Action != httpmap.Remove {
			v = c.eval(op.Value)
		}
		vals = append(vals, v)
	}
	for i, op := range ops {
		switch {
		case op.Target == httpmap.StatusCode:
			code, ok := httpmap.Status(vals[i])
			if !ok {
				return false
			}
			resp.StatusCode = code
		case op.Action == httpmap.Remove:
			resp.Header.Del(op.Name)
		case op.Action == httpmap.Append:
			resp.Header.Add(op.Name, vals[i])
		default:
			resp.Header.Set(op.Name, vals[i])
		}
	}
	return true
}
