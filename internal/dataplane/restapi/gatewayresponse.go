package restapi

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/mapping/restparam"
	"gatehouse/internal/model"
	"gatehouse/internal/vtl"
)

// responseKind is one of AWS's gateway response types: what kind of
// answer the gateway makes itself. It indexes model.GatewayResponseTypes,
// which lists the types in this order (TestResponseKinds holds the two
// together).
type responseKind uint8

const (
	default4xx responseKind = iota
	default5xx
	accessDenied
	apiConfigurationError
	authorizerConfigurationError
	authorizerFailure
	badRequestParameters
	badRequestBody
	expiredToken
	integrationFailure
	integrationTimeout
	invalidAPIKey
	invalidSignature
	missingAuthenticationToken
	quotaExceeded
	requestTooLarge
	resourceNotFound
	throttled
	unauthorized
	unsupportedMediaType
	wafFiltered
	nKinds
)

// fault is one of the gateway's own answers, as it is without
// customization.
type fault struct {
	kind      responseKind
	status    int
	message   string
	errorType string
	// detail is $context.error.validationErrorString.
	detail string
	// escaped says message must be escaped in the default body: it
	// quotes what the caller sent.
	escaped bool
	// body, when set, is the default body in place of {"message": ...}:
	// an authorizer's deny names its member "Message", and a failed
	// authorizer's message is null.
	body string
}

// The answers the pipeline gives in more than one place.
var (
	tooLarge = fault{kind: requestTooLarge, status: http.StatusRequestEntityTooLarge, message: "Request Too Long", errorType: "RequestTooLargeException"}
	noMethod = fault{kind: missingAuthenticationToken, status: http.StatusForbidden, message: "Missing Authentication Token", errorType: "MissingAuthenticationTokenException"}
	tooMany  = fault{kind: throttled, status: http.StatusTooManyRequests, message: "Too Many Requests", errorType: "TooManyRequestsException"}
)

// configurationError is AWS's 500 for an API that cannot answer as
// configured: no integration or integration response, a template or
// conversion that failed, a loop.
var configurationError = fault{kind: apiConfigurationError, status: http.StatusInternalServerError, message: "Internal server error", errorType: "InternalServerErrorException"}

// mappingFault is the answer to a parameter mapping the request could not
// satisfy.
func mappingFault(a *private.Answer) fault {
	kind := default4xx
	if a.Status >= 500 {
		kind = apiConfigurationError
	}
	return fault{kind: kind, status: a.Status, message: a.Message, errorType: a.ErrorType}
}

// signatureAnswer is the answer to a request for an AWS_IAM method whose
// signature upstream.SignedBy refused.
func signatureAnswer(err error) fault {
	a := refusals.Signature(err)
	out := fault{status: a.Status, message: a.Message, errorType: a.ErrorType, escaped: true, kind: invalidSignature}
	switch a {
	case refusals.Unsigned:
		out.kind = missingAuthenticationToken
	case refusals.TooLarge:
		out.kind = requestTooLarge
	case refusals.Unread:
		out.kind = default4xx
	}
	return out
}

// keyAnswer is the answer to a request the API key step refused: no
// valid key, a plan's throttle, or the key's quota.
func keyAnswer(no *refusal) fault {
	kind := invalidAPIKey
	switch no {
	case &keyThrottled:
		kind = throttled
	case &overQuota:
		kind = quotaExceeded
	}
	return fault{kind: kind, status: no.status, message: no.message, errorType: no.kind}
}

// integrationAnswer is the answer to an integration that failed: a
// timeout is INTEGRATION_TIMEOUT, anything else INTEGRATION_FAILURE.
func integrationAnswer(a private.Answer) fault {
	kind := integrationFailure
	if a.Status == http.StatusGatewayTimeout {
		kind = integrationTimeout
	}
	return fault{kind: kind, status: a.Status, message: a.Message, errorType: a.ErrorType}
}

// gatewayResponse is a customized gateway response, compiled.
type gatewayResponse struct {
	status      int // 0: the answer's own
	headers     []restparam.Mapping
	template    *vtl.Template // nil: the default body
	contentType string
}

// gatewayResponses are a stage's customized gateway responses by kind,
// each kind already resolved to its own customization or its class's
// (DEFAULT_4XX or DEFAULT_5XX), nil where neither is customized.
type gatewayResponses [nKinds]*gatewayResponse

// compileGatewayResponses builds a deployment's gateway responses: nil
// when it customizes none, so a stage without them answers as before.
func compileGatewayResponses(dep *model.RestDeployment) *gatewayResponses {
	if len(dep.GatewayResponses) == 0 {
		return nil
	}
	var own [nKinds]*gatewayResponse
	for _, g := range dep.GatewayResponses {
		for k, t := range model.GatewayResponseTypes {
			if t.Name == g.ResponseType {
				own[k] = compileGatewayResponse(g)
			}
		}
	}
	out := &gatewayResponses{}
	for k := range out {
		out[k] = own[k]
		if out[k] == nil && k > int(default5xx) {
			if model.GatewayResponseTypes[k].Status >= 500 {
				out[k] = own[default5xx]
			} else {
				out[k] = own[default4xx]
			}
		}
	}
	return out
}

func compileGatewayResponse(g model.RestGatewayResponse) *gatewayResponse {
	out := &gatewayResponse{}
	out.status, _ = strconv.Atoi(g.StatusCode)
	out.headers = restparam.GatewayResponse(g.ResponseParameters)
	// A JSON template answers when there is one, as clients of these APIs
	// expect JSON; otherwise the first by content type.
	ct := ""
	if _, ok := g.ResponseTemplates["application/json"]; ok {
		ct = "application/json"
	} else {
		for k := range g.ResponseTemplates {
			if ct == "" || k < ct {
				ct = k
			}
		}
	}
	if ct != "" {
		if t, err := vtl.Parse(g.ResponseTemplates[ct]); err == nil {
			out.template, out.contentType = t, ct
		}
	}
	return out
}

// fail writes one of the gateway's own answers. Without customized
// gateway responses (gr nil) it is the plain {"message": ...} answer, at
// no more cost than that; otherwise the kind's customization applies its
// status, its headers and its template.
func fail(w http.ResponseWriter, q *request, a fault) {
	var g *gatewayResponse
	if q.stage.responses != nil {
		g = q.stage.responses[a.kind]
	}
	if g == nil {
		if a.body != "" {
			gatewayBody(w, a.status, a.body, a.errorType)
		} else if a.escaped {
			gatewayBody(w, a.status, upstream.JSONMessage(a.message), a.errorType)
		} else {
			gatewayError(w, a.status, a.message, a.errorType)
		}
		return
	}
	status := a.status
	if g.status != 0 {
		status = g.status
	}
	ctx := q.errorContext(a)
	h := w.Header()
	for _, hm := range g.headers {
		if v, ok, _ := q.value(hm.Source); ok {
			h.Set(hm.Target.Name, v)
		}
	}
	body := upstream.JSONMessage(a.message)
	if a.body != "" {
		body = a.body
	}
	ct := "application/json"
	if g.template != nil {
		res, err := g.template.Execute(&vtl.Input{
			Path: q.params, Query: firstValues(q.r.URL.Query()), Header: firstValues(q.r.Header),
			Context: ctx, StageVariables: q.stage.Vars,
		})
		if err != nil {
			log := q.env.Log
			if log == nil {
				log = slog.Default()
			}
			log.Warn("gateway response template failed", "request_id", q.reqID, "api_id", q.apiID,
				"type", model.GatewayResponseTypes[a.kind].Name, "err", err.Error())
		} else {
			body, ct = res.Body, g.contentType
			if res.Status != 0 {
				status = res.Status
			}
			for k, v := range res.Headers {
				h.Set(k, v)
			}
		}
	}
	h.Set("Content-Type", ct)
	if a.errorType != "" {
		h.Set("X-Amzn-Errortype", a.errorType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// errorContext is $context for a gateway response: the request's
// variables (the few known before a method matched) and $context.error.
func (q *request) errorContext(a fault) map[string]any {
	var ctx map[string]any
	if q.method != nil {
		ctx = q.context()
	} else {
		ip, _, err := net.SplitHostPort(q.r.RemoteAddr)
		if err != nil {
			ip = q.r.RemoteAddr
		}
		ctx = map[string]any{
			"requestId":         q.reqID,
			"extendedRequestId": q.reqID[:12],
			"apiId":             q.apiID,
			"stage":             q.stage.Name,
			"httpMethod":        q.r.Method,
			"path":              "/" + q.stage.Name + q.path,
			"domainName":        q.r.Host,
			"identity":          map[string]any{"sourceIp": ip, "userAgent": q.r.UserAgent()},
		}
	}
	q.ctx = ctx // what context.NAME sources read
	ctx["error"] = map[string]any{
		"message":               a.message,
		"messageString":         messageString(a),
		"responseType":          model.GatewayResponseTypes[a.kind].Name,
		"validationErrorString": a.detail,
	}
	return ctx
}

// messageString is $context.error.messageString: the message as a JSON
// string, or null for a failed authorizer, which has none.
func messageString(a fault) string {
	if a.message == "" && a.body != "" {
		return "null"
	}
	return jsonString(a.message)
}

// jsonString is s as a JSON string, quotes included.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func firstValues(vs map[string][]string) map[string]string {
	out := make(map[string]string, len(vs))
	for k, v := range vs {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}
