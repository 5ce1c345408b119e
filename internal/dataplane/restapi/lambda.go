package restapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/lambdaproxy"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/vtl"
)

// lambdaTarget is what an AWS or AWS_PROXY integration calls: a Lambda
// function, with the caller API Gateway presents to its resource policy.
// It is settled at compile time, stage variables included.
type lambdaTarget struct {
	proxy bool
	// post says the integration's method is POST, Lambda's Invoke; AWS
	// stores any other and fails each request with 500.
	post            bool
	account, region string
	function        string // the function's ARN, perhaps qualified
	// caller names the API's method as the source:
	// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{resource path}.
	caller       invoke.Caller
	deploymentID string
	// binary is the API's binaryMediaTypes as deployed: a proxy's request
	// body of one of them reaches the function base64-encoded, and its
	// base64 answers reach a client accepting one decoded.
	binary mediaTypes
}

// compileLambda compiles a Lambda integration; a URI that names no
// function leaves the integration broken.
func compileLambda(sc *model.Scoped, in *model.RestIntegration, st *model.RestStage, binary mediaTypes, out *Integration) {
	uri := stageVariableUse.ReplaceAllStringFunc(in.URI, func(ref string) string {
		return st.Variables[ref[len("${stageVariables."):len(ref)-1]]
	})
	fn, ok := invoke.FromIntegrationURI(uri)
	if !ok || !strings.Contains(uri, ":lambda:path/") {
		out.Broken = "integration URI names no Lambda function"
		return
	}
	out.lambda = &lambdaTarget{proxy: in.Type == "AWS_PROXY", post: in.HTTPMethod == http.MethodPost,
		account: sc.Scope.Account, region: sc.Scope.Region, function: fn, binary: binary}
}

// lambdaSource sets the source ARN of a method's Lambda integration, once
// the method is known.
func lambdaSource(sc *model.Scoped, apiID string, st *model.RestStage, m *Method) {
	l := m.Integration.lambda
	if l == nil {
		return
	}
	l.deploymentID = st.DeploymentID
	l.caller = invoke.Caller{Service: "apigateway.amazonaws.com", SourceAccount: sc.Scope.Account,
		SourceArn: "arn:aws:execute-api:" + sc.Scope.Region + ":" + sc.Scope.Account + ":" + apiID + "/" + st.Name + "/" +
			m.HTTPMethod + "/" + strings.TrimPrefix(m.Resource, "/")}
}

// callLambda is the integration step of a Lambda integration: it invokes
// the function with the proxy event, or with the mapped payload, and
// answers with what it returned, or with the gateway's own answer when
// the invocation failed.
func (env *Env) callLambda(ctx context.Context, w http.ResponseWriter, q *request, integ *Integration, mapped *vtl.Result, lg *accesslog.Entry) {
	l := integ.lambda
	if !l.post {
		q.logLambda("Execution failed due to configuration error: Lambda integrations must use the POST integration method, not " + integ.HTTPMethod)
		fail(w, q, configurationError)
		return
	}
	if env.Functions == nil {
		q.logLambda("Execution failed due to configuration error: no function engine runs Lambda functions")
		fail(w, q, configurationError)
		return
	}
	var payload []byte
	switch {
	case l.proxy:
		var err error
		if payload, err = q.proxyEvent(w, integ); err != nil {
			fail(w, q, mappingFault(&badJSON))
			return
		}
	case mapped != nil:
		payload = []byte(mapped.Body)
	default:
		payload = q.payload
	}
	if len(payload) == 0 {
		// Lambda takes an empty payload as an empty object.
		payload = emptyObject
	}
	lg.Calling()
	res, err := env.Functions.Invoke(ctx, invoke.Request{Account: l.account, Region: l.region, Function: l.function,
		Payload: payload, Caller: &l.caller})
	if err != nil {
		lg.Called(nil, err)
		env.lambdaFailed(ctx, w, q, err)
		return
	}
	if lg != nil {
		lg.Called(&http.Response{StatusCode: http.StatusOK}, nil)
	}
	if l.proxy {
		env.proxyAnswer(w, q, l, res)
		return
	}
	// A function's error is matched by the integration responses'
	// selection patterns on its errorMessage; an answer, and an error
	// none matches, goes to the default response.
	sel := integ.Default
	if res.FunctionError != "" {
		msg := errorMessage(res.Payload)
		for _, r := range integ.Responses {
			if r.pattern.MatchString(msg) {
				sel = r
				break
			}
		}
	}
	backend := http.Header{"Content-Type": {"application/json"}, "X-Amz-Executed-Version": {res.ExecutedVersion},
		"X-Amzn-Requestid": {res.RequestID}}
	if res.FunctionError != "" {
		backend["X-Amz-Function-Error"] = []string{res.FunctionError}
	}
	mapResponse(w, env.Guard, q, integ, sel, backend, res.Payload)
}

var emptyObject = []byte("{}")

// lambdaFailed answers an invocation Lambda refused or that did not end
// in time. AWS answers each refusal (no permission, no function,
// throttled, not active) with 500, logging why, and the integration
// timeout with 504.
func (env *Env) lambdaFailed(ctx context.Context, w http.ResponseWriter, q *request, err error) {
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		q.logLambda("Execution failed due to a timeout error")
		fail(w, q, integrationAnswer(private.REST(private.TimedOut)))
		return
	}
	var e *invoke.Error
	switch {
	case errors.As(err, &e) && e.Status == http.StatusForbidden:
		q.logLambda("Execution failed due to configuration error: Invalid permissions on Lambda function", slog.String("err", e.Error()))
	case errors.As(err, &e):
		q.logLambda("Lambda invocation failed with status: "+strconv.Itoa(e.Status), slog.String("err", e.Error()))
	default:
		q.logLambda("Execution failed due to an internal error", slog.String("err", err.Error()))
	}
	fail(w, q, configurationError)
}

// badLambdaAnswer is AWS's answer to a proxy function that failed or
// answered with something other than the proxy response document.
var badLambdaAnswer = fault{kind: default5xx, status: http.StatusBadGateway, message: "Internal server error", errorType: "InternalServerErrorException"}

// proxyAnswer sends an AWS_PROXY function's answer: the status, headers
// and body of its response document.
func (env *Env) proxyAnswer(w http.ResponseWriter, q *request, l *lambdaTarget, res invoke.Result) {
	if res.FunctionError != "" {
		q.logLambda("Lambda execution failed with status 200 due to customer function error: "+errorMessage(res.Payload),
			slog.String("lambda_request_id", res.RequestID))
		fail(w, q, badLambdaAnswer)
		return
	}
	doc, err := lambdaproxy.ParseV1(res.Payload)
	if err != nil {
		q.logLambda("Execution failed due to configuration error: Malformed Lambda proxy response",
			slog.String("lambda_request_id", res.RequestID))
		fail(w, q, badLambdaAnswer)
		return
	}
	h := w.Header()
	for k, vs := range doc.Header {
		if k == "X-Amzn-Errortype" {
			// A function names its error type for the client this way.
			h[k] = vs
			continue
		}
		if name, ok := upstream.Remapped(k); ok {
			h[name] = vs
			continue
		}
		if !hop(k) {
			h[k] = vs
		}
	}
	body := doc.Body
	if doc.Base64 && !l.binary.binary(q.r.Header.Get("Accept")) {
		// A client that does not accept a binary media type gets the
		// base64 text the function returned.
		body = make([]byte, base64.StdEncoding.EncodedLen(len(doc.Body)))
		base64.StdEncoding.Encode(body, doc.Body)
	}
	if _, ok := h["Content-Type"]; !ok {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	env.Guard.Send(w, doc.Status, body)
}

// errorMessage is a Lambda error document's errorMessage, "" when it has
// none.
func errorMessage(payload []byte) string {
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(payload, &doc) != nil {
		return ""
	}
	return doc.ErrorMessage
}

// logLambda logs why a Lambda integration failed, as AWS's execution log
// says it.
func (q *request) logLambda(msg string, attrs ...slog.Attr) {
	log := q.env.Log
	if log == nil {
		log = slog.Default()
	}
	attrs = append(attrs, slog.String("request_id", q.reqID), slog.String("api_id", q.apiID),
		slog.String("function", q.method.Integration.lambda.function), slog.String("source_arn", q.method.Integration.lambda.caller.SourceArn))
	log.LogAttrs(context.Background(), slog.LevelError, msg, attrs...)
}

// proxyEvent is the event an AWS_PROXY integration sends: the method
// request as REST APIs' Lambda proxy input format gives it, with the
// integration's request parameters applied to its headers and query
// string. Where AWS sends null (no query string, no path parameters, no
// stage variables, no body), so does it.
func (q *request) proxyEvent(w http.ResponseWriter, integ *Integration) ([]byte, error) {
	r, l := q.r, integ.lambda
	ev := proxyEvent{Resource: q.method.Resource, Path: q.path, HTTPMethod: r.Method}
	if ev.Path == "" {
		ev.Path = "/"
	}
	header := make(http.Header, len(r.Header)+5)
	for k, vs := range r.Header {
		if !hop(k) && k != "Content-Length" {
			header[k] = vs
		}
	}
	header["Host"] = []string{r.Host}
	ip, port := clientAddress(r)
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		header["X-Forwarded-For"] = []string{xff + ", " + ip}
	} else {
		header["X-Forwarded-For"] = []string{ip}
	}
	header["X-Forwarded-Port"] = []string{port}
	header["X-Forwarded-Proto"] = []string{scheme(r)}
	header["X-Amzn-Trace-Id"] = w.Header()["X-Amzn-Trace-Id"]
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
	ev.Headers, ev.MultiValueHeaders = make(map[string]string, len(header)), map[string][]string(header)
	for k, vs := range header {
		// A value given more than once is given by its last.
		ev.Headers[k] = vs[len(vs)-1]
	}
	if len(query) > 0 {
		ev.QueryStringParameters, ev.MultiValueQueryStringParameters = make(map[string]string, len(query)), map[string][]string(query)
		for k, vs := range query {
			ev.QueryStringParameters[k] = vs[len(vs)-1]
		}
	}
	if len(q.params) > 0 {
		ev.PathParameters = q.params
	}
	if len(q.stage.Vars) > 0 {
		ev.StageVariables = q.stage.Vars
	}
	if len(q.body) > 0 {
		var s string
		if l.binary.binary(r.Header.Get("Content-Type")) {
			s, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(q.body), true
		} else {
			s = string(validUTF8(q.body))
		}
		ev.Body = &s
	}
	q.proxyContext(&ev.RequestContext, l, ip)
	return json.Marshal(&ev)
}

// proxyContext fills an event's requestContext from the same values
// $context gives templates.
func (q *request) proxyContext(c *eventContext, l *lambdaTarget, ip string) {
	r, now := q.r, q.env.Now()
	c.ResourceID, c.ResourcePath, c.HTTPMethod = q.method.resourceID, q.method.Resource, r.Method
	c.ExtendedRequestID, c.RequestID = q.reqID[:12], q.reqID
	c.RequestTime, c.RequestTimeEpoch = now.Format("02/Jan/2006:15:04:05 -0700"), now.UnixMilli()
	c.Path = "/" + q.stage.Name + q.path
	c.AccountID, c.Protocol, c.Stage = l.account, r.Proto, q.stage.Name
	c.DomainName = r.Host
	c.DomainPrefix, _, _ = strings.Cut(r.Host, ".")
	c.DeploymentID, c.APIID = l.deploymentID, q.apiID
	c.Identity.SourceIP = ip
	if ua, ok := r.Header["User-Agent"]; ok && len(ua) > 0 {
		c.Identity.UserAgent = &ua[0]
	}
	if q.method.APIKeyRequired && q.stage.keys != nil {
		// A method that requires a key names the one the request gave.
		key := q.stage.keys.apiKey(r, q.auth.usageIdentifierKey())
		id := q.stage.keys.keyID(key)
		c.Identity.APIKey, c.Identity.APIKeyID = &key, &id
	}
	if q.auth != nil {
		c.Authorizer = q.auth.Context()
	}
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

// proxyEvent is REST APIs' Lambda proxy input format.
type proxyEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  eventContext        `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type eventContext struct {
	ResourceID        string `json:"resourceId"`
	ResourcePath      string `json:"resourcePath"`
	HTTPMethod        string `json:"httpMethod"`
	ExtendedRequestID string `json:"extendedRequestId"`
	RequestTime       string `json:"requestTime"`
	Path              string `json:"path"`
	AccountID         string `json:"accountId"`
	Protocol          string `json:"protocol"`
	Stage             string `json:"stage"`
	DomainPrefix      string `json:"domainPrefix"`
	RequestTimeEpoch  int64  `json:"requestTimeEpoch"`
	RequestID         string `json:"requestId"`
	Identity          struct {
		CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
		AccountID                     *string `json:"accountId"`
		CognitoIdentityID             *string `json:"cognitoIdentityId"`
		Caller                        *string `json:"caller"`
		APIKey                        *string `json:"apiKey,omitempty"`
		APIKeyID                      *string `json:"apiKeyId,omitempty"`
		SourceIP                      string  `json:"sourceIp"`
		PrincipalOrgID                *string `json:"principalOrgId"`
		AccessKey                     *string `json:"accessKey"`
		CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
		CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
		UserArn                       *string `json:"userArn"`
		UserAgent                     *string `json:"userAgent"`
		User                          *string `json:"user"`
	} `json:"identity"`
	DomainName   string `json:"domainName"`
	DeploymentID string `json:"deploymentId"`
	APIID        string `json:"apiId"`
	// Authorizer is what a Lambda authorizer returned; absent without one.
	Authorizer map[string]any `json:"authorizer,omitempty"`
}
