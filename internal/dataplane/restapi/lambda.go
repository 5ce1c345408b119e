package restapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/lambdaproxy"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/invoke"
	"gatehouse/internal/mapping/restparam"
	"gatehouse/internal/model"
	"gatehouse/internal/vtl"
)

// lambdaTarget is what an AWS or AWS_PROXY integration calls: a Lambda
// function, with the caller API Gateway presents to its resource policy.
// It is settled at compile time, stage variables included.
type lambdaTarget struct {
	proxy bool
	// role says the integration has credentials: API Gateway invokes the
	// function as that role, which IAM authorizes, so the function's
	// resource policy is not asked.
	role bool
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
	// invocationType is where an AWS integration's Lambda invocation type
	// comes from: its requestParameters' mapping to the
	// X-Amz-Invocation-Type header ('Event' always, or a method request
	// header for the client to choose); nil without one, and for
	// AWS_PROXY, whose requestParameters reach no header of Lambda's.
	invocationType *restparam.Source
}

// Function is the ARN of the Lambda function an AWS or AWS_PROXY
// integration invokes, "" for other integrations.
func (in *Integration) Function() string {
	if in.lambda == nil {
		return ""
	}
	return in.lambda.function
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
	out.lambda = &lambdaTarget{proxy: in.Type == "AWS_PROXY", role: in.Credentials != "", post: in.HTTPMethod == http.MethodPost,
		account: sc.Scope.Account, region: sc.Scope.Region, function: fn, binary: binary}
	if !out.lambda.proxy {
		for i, m := range out.Params {
			// Lambda reads its headers whatever their case.
			if m.Target.In == restparam.Header && strings.EqualFold(m.Target.Name, invocationTypeHeader) {
				out.lambda.invocationType = &out.Params[i].Source
			}
		}
	}
}

// invocationTypeHeader is Lambda Invoke's InvocationType, which an AWS
// integration's requestParameters may map.
const invocationTypeHeader = "X-Amz-Invocation-Type"

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
	async, dry := false, false
	if src := l.invocationType; src != nil {
		v, ok, err := q.value(*src)
		if err != nil {
			fail(w, q, mappingFault(&badJSON))
			return
		}
		switch {
		case !ok || v == "RequestResponse":
		case v == "Event":
			async = true
		case v == "DryRun":
			// Lambda only checks the invocation, and answers 204.
			async, dry = true, true
		default:
			// Lambda refuses it: its 400 is the integration's status.
			lg.Calling()
			env.lambdaRefused(ctx, w, q, invoke.Errorf(http.StatusBadRequest, "ValidationException",
				"1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", v), lg)
			return
		}
	}
	if async && env.Events == nil || !async && env.Functions == nil {
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
	caller := &l.caller
	if l.role {
		caller = nil
	}
	lg.Calling()
	req := invoke.Request{Account: l.account, Region: l.region, Function: l.function, Payload: payload, Caller: caller, DryRun: dry}
	if async {
		env.queueLambda(ctx, w, q, integ, req, lg)
		return
	}
	res, err := env.Functions.Invoke(ctx, req)
	if err != nil {
		env.lambdaRefused(ctx, w, q, err, lg)
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

// lambdaRefused logs a call Lambda did not run (when Lambda answered,
// refusing, its status is the integration's) and answers as API Gateway
// does.
func (env *Env) lambdaRefused(ctx context.Context, w http.ResponseWriter, q *request, err error, lg *accesslog.Entry) {
	var e *invoke.Error
	if lg != nil && errors.As(err, &e) {
		lg.Called(&http.Response{StatusCode: e.Status}, nil)
	} else {
		lg.Called(nil, err)
	}
	env.lambdaFailed(ctx, w, q, err)
}

// queueLambda invokes an AWS integration's function asynchronously, as
// Lambda's Invoke with InvocationType Event: the event is kept for the
// engine to deliver, and Lambda's answer, a 202 with an empty body, goes
// through the default integration response. A DryRun is checked alone,
// and answered with a 204.
func (env *Env) queueLambda(ctx context.Context, w http.ResponseWriter, q *request, integ *Integration, req invoke.Request, lg *accesslog.Entry) {
	id, err := env.Events.Queue(ctx, req)
	if err != nil {
		env.lambdaRefused(ctx, w, q, err, lg)
		return
	}
	if lg != nil {
		status := http.StatusAccepted
		if req.DryRun {
			status = http.StatusNoContent
		}
		lg.Called(&http.Response{StatusCode: status}, nil)
	}
	mapResponse(w, env.Guard, q, integ, integ.Default, http.Header{"X-Amzn-Requestid": {id}}, nil)
}

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
	doc, err := lambdaproxy.ParseREST(res.Payload)
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
