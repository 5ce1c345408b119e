package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/lambdaproxy"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/httpmap"
	"gatehouse/internal/invoke"
)

// LambdaTarget is an AWS_PROXY integration's function.
type LambdaTarget struct {
	// Function is the function's ARN, perhaps qualified; "" when the
	// URI names stage variables, which each request's stage fills in
	// (StageURI).
	Function string
	StageURI string
	// V2 says the payload format is 2.0.
	V2 bool
	// Role says the integration names a credentialsArn: API Gateway
	// invokes the function as that role, so the function's resource
	// policy is not asked.
	Role bool
}

// FunctionFor is the ARN the integration invokes for a request on stage st,
// "" when the stage's variables make no function of its URI.
func (t *LambdaTarget) FunctionFor(st *Stage) string {
	if t.StageURI == "" {
		return t.Function
	}
	fn, _ := invoke.FromIntegrationURI(httpmap.StageVariables(t.StageURI, func(name string) string { return st.Vars[name] }))
	return fn
}

// MaxInvokePayload is Lambda's limit on a synchronous invocation's
// request and response: 6 MB.
const MaxInvokePayload = 6 << 20

// serveLambda answers a request whose route leads to a Lambda proxy
// integration: the request as the integration's payload format has it,
// the function's answer as the client's response. ctx carries the
// integration's timeout.
func serveLambda(ctx context.Context, w http.ResponseWriter, rq *request, env *Env, integ *Integration, idHeader []string, lg *accesslog.Entry) bool {
	r := rq.r
	if r.Body != nil && r.Body != http.NoBody {
		// The body may arrive for as long as the integration may take,
		// not only the moment the server grants a request it has not
		// routed yet: an authorizer's call may have used that already.
		if deadline, ok := ctx.Deadline(); ok {
			upstream.ExtendBodyRead(w, r, deadline)
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
		if err != nil {
			reply(w, http.StatusBadRequest, "Bad Request")
			return true
		}
		if len(body) > MaxPayload {
			reply(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return true
		}
		rq.body = body
	}
	var payload []byte
	if integ.Lambda.V2 {
		payload = appendV2(make([]byte, 0, eventSize+len(rq.body)*4/3), rq, nil)
	} else {
		payload = appendV1(make([]byte, 0, eventSize+len(rq.body)*4/3), rq, nil)
	}
	if len(payload) > MaxInvokePayload {
		// Lambda refuses the invocation (RequestEntityTooLargeException).
		lg.Calling()
		lg.Returned(http.StatusRequestEntityTooLarge, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		reply(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return true
	}
	if env.Functions == nil {
		logFailure(env, rq, "integration "+integ.ID, errNoEngine)
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return true
	}
	fn := integ.Lambda.FunctionFor(rq.st)
	if fn == "" {
		logFailure(env, rq, "integration "+integ.ID, errors.New("the stage's variables make no function of integration URI "+integ.Lambda.StageURI))
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return true
	}
	account := rq.api.Scope.Account
	sourceArn := rq.api.arnPrefix + rq.st.Name + "/" + integrationResource(rq.m.Route, r.Method)
	lg.Calling()
	req := invoke.Request{Account: account, Region: rq.api.Scope.Region, Function: fn, Payload: payload}
	if !integ.Lambda.Role {
		req.Caller = &invoke.Caller{Service: "apigateway.amazonaws.com", SourceArn: sourceArn, SourceAccount: account}
	}
	res, err := env.Functions.Invoke(ctx, req)
	if err != nil {
		var ie *invoke.Error
		switch {
		case errors.As(err, &ie):
			lg.Returned(ie.Status, ie.Message)
		default:
			lg.Returned(0, err.Error())
		}
		logFailure(env, rq, "integration "+integ.ID, err)
		if ctx.Err() != nil && r.Context().Err() == nil {
			// The integration's timeout passed first.
			reply(w, http.StatusServiceUnavailable, "Service Unavailable")
			return true
		}
		if ie != nil && ie.Status == http.StatusRequestEntityTooLarge {
			reply(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return true
		}
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return true
	}
	lg.Endpoint(res.RequestID)
	if res.FunctionError != "" {
		fe := &functionError{payload: res.Payload}
		lg.Returned(http.StatusOK, fe.Error())
		logFailure(env, rq, "integration "+integ.ID, fe)
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return true
	}
	var resp *lambdaproxy.Response
	if len(res.Payload) > MaxInvokePayload {
		err = errors.New("the function's response is larger than 6 MB")
	} else if integ.Lambda.V2 {
		resp, err = lambdaproxy.ParseV2(res.Payload)
	} else {
		resp, err = lambdaproxy.ParseV1(res.Payload)
	}
	if err != nil {
		lg.Returned(http.StatusOK, err.Error())
		logFailure(env, rq, "integration "+integ.ID, err)
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return true
	}
	lg.Returned(http.StatusOK, "")
	lg.Answered(resp.Status)
	if integ.Map.Response != nil {
		// Response mappings work on an answer as a backend's.
		hr := &http.Response{StatusCode: resp.Status, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(resp.Body))}
		rc := reqContext{in: r, path: rq.path, match: rq.m, stage: rq.st, apiID: rq.api.ID, requestID: rq.reqID, claims: rq.claims, lambda: rq.lambda}
		if ops := integ.Map.Response[hr.StatusCode]; ops != nil {
			if !mapResponse(ops, &rc, hr, integ.Map.ResponseBody, MaxPayload) {
				reply(w, http.StatusInternalServerError, "Internal Server Error")
				return true
			}
			resp.Status, resp.Header = hr.StatusCode, hr.Header
		}
	}
	h := w.Header()
	cors := rq.api.CORS != nil
	for k, vs := range resp.Header {
		if !upstream.HopByHop(k) && !(cors && corsHeader(k)) {
			h[k] = vs
		}
	}
	h["Apigw-Requestid"] = idHeader
	h["Content-Length"] = []string{strconv.Itoa(len(resp.Body))}
	env.Guard.Send(w, resp.Status, resp.Body)
	return true
}

// integrationResource is the part of the source ARN an integration's
// invocation presents after the stage: "$default" for the $default route,
// else the method and the route's path without its leading slash
// ("GET/pets/{id}"). An ANY route presents the request's method.
func integrationResource(rt *Route, method string) string {
	if rt.arnTail != "" {
		return rt.arnTail
	}
	if rt.Key == "$default" {
		return "$default"
	}
	p := routePath(rt.Key)
	if rt.Method != "ANY" {
		method = rt.Method
	}
	return method + "/" + p[1:]
}
