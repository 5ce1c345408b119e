package restapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/vtl"
)

// templates are an integration's request templates, or an integration
// response's, parsed at compile time and keyed by media type.
type templates struct {
	byType map[string]*template
	// first is the template a response falls back on when the method
	// request accepts none of the types: application/json when there is
	// one, else the first type in order.
	first *template
}

type template struct {
	contentType string
	t           *vtl.Template
	// err is a template stored before templates were checked when put,
	// which fails each request that selects it.
	err error
	// mockStatus is a static MOCK request template's status, read once.
	mockStatus int
}

// compileTemplates parses a templates map; nil when it holds none. An
// empty template maps nothing, so it counts as none, as on AWS.
func compileTemplates(m map[string]string) *templates {
	var out *templates
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if out == nil {
			out = &templates{byType: make(map[string]*template, len(keys))}
		}
		t := &template{contentType: k}
		t.t, t.err = vtl.Parse(m[k])
		if t.t != nil && t.t.Static() {
			res, _ := t.t.Execute(nil)
			t.mockStatus, _ = mockStatus(res.Body)
		}
		out.byType[mediaType(k)] = t
		if out.first == nil {
			out.first = t
		}
	}
	if out != nil {
		if j := out.byType["application/json"]; j != nil {
			out.first = j
		}
	}
	return out
}

// mediaType is a Content-Type's or Accept entry's type, without
// parameters, in lower case.
func mediaType(h string) string {
	if i := strings.IndexByte(h, ';'); i >= 0 {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimSpace(h))
}

// forRequest picks the integration request template for a method request
// of contentType (application/json when it has none), or says the request
// passes through unmapped, or that passthrough refuses it with a 415.
func (ts *templates) forRequest(contentType, behavior string) (t *template, refuse bool) {
	if ts == nil {
		return nil, behavior == "NEVER"
	}
	ct := mediaType(contentType)
	if ct == "" {
		ct = "application/json"
	}
	if t := ts.byType[ct]; t != nil {
		return t, false
	}
	// Templates exist, none for this type: only WHEN_NO_MATCH passes it.
	return nil, behavior == "WHEN_NO_TEMPLATES" || behavior == "NEVER"
}

// forResponse picks the integration response template for the types the
// method request accepts, in the order it lists them.
func (ts *templates) forResponse(accept string) *template {
	if ts == nil {
		return nil
	}
	for accept != "" {
		var one string
		one, accept, _ = strings.Cut(accept, ",")
		if t := ts.byType[mediaType(one)]; t != nil {
			return t
		}
	}
	return ts.first
}

// run executes t for the request with body as $input's payload.
func (t *template) run(q *request, body []byte) (vtl.Result, error) {
	if t.err != nil {
		return vtl.Result{}, t.err
	}
	if t.t.Static() {
		return t.t.Execute(nil)
	}
	return t.t.Execute(q.templateInput(t.t, body))
}

// mapRequest applies the integration request template chosen by the
// request's Content-Type. It reports the mapped request (nil when the body
// passes through) and false once it has answered the request itself: 415
// when passthrough refuses the type, 500 when the template fails.
func (q *request) mapRequest(w http.ResponseWriter, integ *Integration) (*template, *vtl.Result, bool) {
	// Templates, mappings and conversions read the body whole, first.
	if !q.readBody(w, integ) {
		return nil, nil, false
	}
	if integ.Type == "HTTP_PROXY" {
		return nil, nil, true
	}
	t, refuse := integ.requestTemplates.forRequest(q.r.Header.Get("Content-Type"), integ.passthrough)
	if refuse {
		fail(w, q, fault{kind: unsupportedMediaType, status: http.StatusUnsupportedMediaType, message: "Unsupported Media Type", errorType: "UnsupportedMediaTypeException"})
		return nil, nil, false
	}
	if t == nil {
		return nil, nil, true
	}
	// The template maps the payload as converted: a binary one made text
	// is its base64.
	res, err := t.run(q, q.payload)
	if err != nil {
		q.templateFailed(w, "integration request", t, err)
		return nil, nil, false
	}
	return t, &res, true
}

// requestOverrides applies what a request template set under
// $context.requestOverride: headers, query string parameters and the
// values of the URI's path placeholders.
func requestOverrides(res *vtl.Result, h http.Header, query url.Values, pathVals map[string]string) (url.Values, map[string]string) {
	for k, v := range res.RequestHeaders {
		h.Set(k, v)
	}
	for k, v := range res.RequestQuery {
		if query == nil {
			query = url.Values{}
		}
		query.Set(k, v)
	}
	for k, v := range res.RequestPath {
		if pathVals == nil {
			pathVals = map[string]string{}
		}
		pathVals[k] = v
	}
	return query, pathVals
}

// templateFailed answers a template that failed at run time as AWS does,
// and logs why.
func (q *request) templateFailed(w http.ResponseWriter, which string, t *template, err error) {
	log := q.env.Log
	if log == nil {
		log = slog.Default()
	}
	log.LogAttrs(context.Background(), slog.LevelError, "mapping template failed",
		slog.String("request_id", q.reqID), slog.String("api_id", q.apiID), slog.String("template", which+" "+t.contentType),
		slog.String("err", err.Error()))
	fail(w, q, configurationError)
}

var errNoStatusCode = errors.New(`a MOCK integration's request template must give "statusCode" as an integer`)

// mockAnswer is the status a MOCK integration answers: 200 without a
// request template, else the "statusCode" its template rendered.
func mockAnswer(t *template, res *vtl.Result) (int, error) {
	if res == nil {
		return http.StatusOK, nil
	}
	if t.mockStatus != 0 {
		return t.mockStatus, nil
	}
	if n, ok := mockStatus(res.Body); ok {
		return n, nil
	}
	return 0, errNoStatusCode
}

// mockStatus reads the "statusCode" field of a MOCK request template's
// output ({"statusCode": 200}).
func mockStatus(out string) (int, bool) {
	m := statusCodeField.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// templateInput is what template t sees of the request: the method
// request's parameters, the context, the stage variables and body as the
// payload (the method request's, or the integration response's). The
// parameters and the context are built only for a template that names
// $input or $context.
func (q *request) templateInput(t *vtl.Template, body []byte) *vtl.Input {
	r := q.r
	in := &vtl.Input{Body: body, Path: q.params, StageVariables: q.stage.Vars}
	if t.Uses("context") {
		in.Context = q.context()
	}
	if !t.Uses("input") {
		return in
	}
	if r.URL.RawQuery != "" {
		in.Query = map[string]string{}
		for k, vs := range r.URL.Query() {
			in.Query[k] = vs[0]
		}
	}
	in.Header = make(map[string]string, len(r.Header))
	for k, vs := range r.Header {
		if len(vs) > 0 {
			in.Header[k] = vs[0]
		}
	}
	return in
}

// context is $context for templates, built once per request that runs a
// template. Variables gatehouse has no value for are empty, as AWS's are
// when they do not apply.
func (q *request) context() map[string]any {
	if q.ctx != nil {
		return q.ctx
	}
	r := q.r
	now := time.Now()
	if q.env.Now != nil {
		now = q.env.Now()
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	domainPrefix, _, _ := strings.Cut(r.Host, ".")
	q.ctx = map[string]any{
		"apiId":             q.apiID,
		"stage":             q.stage.Name,
		"requestId":         q.reqID,
		"extendedRequestId": q.reqID[:12],
		"httpMethod":        r.Method,
		"resourcePath":      q.method.Resource,
		"resourceId":        q.method.resourceID,
		"path":              "/" + q.stage.Name + q.path,
		"protocol":          r.Proto,
		"requestTime":       now.Format("02/Jan/2006:15:04:05 -0700"),
		"requestTimeEpoch":  now.UnixMilli(),
		"domainName":        r.Host,
		"domainPrefix":      domainPrefix,
		"accountId":         q.stage.account,
		"identity": map[string]any{
			"sourceIp": ip, "userAgent": r.Header.Get("User-Agent"),
			"accessKey": "", "accountId": "", "apiKey": "", "apiKeyId": "", "caller": "", "user": "", "userArn": "",
			"cognitoAuthenticationProvider": "", "cognitoAuthenticationType": "", "cognitoIdentityId": "", "cognitoIdentityPoolId": "",
			"principalOrgId": "",
		},
	}
	if q.auth != nil {
		q.ctx["authorizer"] = q.auth.Context()
	}
	return q.ctx
}
