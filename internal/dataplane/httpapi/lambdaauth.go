package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/authpolicy"
	"gatehouse/internal/dataplane/jsonappend"
	"gatehouse/internal/httpmap"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// LambdaAuthorizer is a compiled Lambda (REQUEST) authorizer.
type LambdaAuthorizer struct {
	ID string
	// Function is the ARN of the function it invokes, "" when its URI
	// names none (every request it guards then gets a 500) or names
	// stage variables, which each request's stage fills in (StageURI).
	Function string
	StageURI string
	// V2 says the payload format is 2.0, Simple that the function answers
	// {"isAuthorized": ...} rather than a policy.
	V2, Simple bool
	// SourceArn is the ARN API Gateway presents to the function's policy:
	// arn:aws:execute-api:{region}:{account}:{apiId}/authorizers/{id}.
	SourceArn string
	Account   string
	// Role says the authorizer names authorizerCredentialsArn: API
	// Gateway then invokes the function as that role, and the function's
	// resource policy plays no part (gatehouse models no IAM roles, so
	// the role may invoke anything).
	Role    bool
	Sources []identitySource
	TTL     time.Duration
	// cache holds answers by identity source values; nil without caching
	// (a TTL of 0, or no identity sources to key on).
	cache *authCache
	// record is the authorizer record compiled, so that the next compile
	// of the same record keeps the cache.
	record *model.Authorizer
}

// authorizerTimeout bounds an authorizer function's invocation: API
// Gateway gives Lambda authorizers 10 seconds.
const authorizerTimeout = 10 * time.Second

// identitySource is one of an authorizer's identity sources.
type identitySource struct {
	from sourceKind
	name string // the header (canonical), query parameter, context or stage variable
}

type sourceKind uint8

const (
	fromHeader sourceKind = iota
	fromQuery
	fromContext
	fromStageVariable
)

// compileLambdaAuthorizer compiles a REQUEST authorizer record; last is
// what the previous compile of the API made of it (nil: nothing), whose
// cache is kept when the record would give the same answers.
func compileLambdaAuthorizer(sc *model.Scoped, a *model.Authorizer, last *LambdaAuthorizer) *LambdaAuthorizer {
	if last != nil && last.record == a {
		return last
	}
	out := &LambdaAuthorizer{ID: a.ID, V2: a.PayloadFormatVersion == "2.0", Simple: a.EnableSimpleResponses,
		SourceArn: "arn:aws:execute-api:" + sc.Scope.Region + ":" + sc.Scope.Account + ":" + a.APIID + "/authorizers/" + a.ID,
		Account:   sc.Scope.Account, TTL: time.Duration(a.ResultTTLSeconds) * time.Second, Role: a.CredentialsARN != "", record: a}
	if httpmap.HasStageVariables(a.URI) {
		out.StageURI = a.URI
	} else {
		out.Function, _ = invoke.FromIntegrationURI(a.URI)
	}
	for _, src := range a.IdentitySource {
		if s, ok := parseIdentitySource(src); ok {
			out.Sources = append(out.Sources, s)
		}
	}
	if out.TTL > 0 && len(out.Sources) > 0 {
		out.cache = &authCache{}
		if last != nil && last.cache != nil && sameAnswers(last.record, a) {
			// The answers it holds are the ones this authorizer would
			// give, and expire as they would have: a new name, a new
			// role, or a change elsewhere in the API loses none.
			out.cache = last.cache
		}
	}
	return out
}

// sameAnswers reports whether two records of one authorizer would be
// asked the same way and answer alike: the same function, identity
// sources, payload format, response kind and TTL.
func sameAnswers(was, is *model.Authorizer) bool {
	return was.URI == is.URI && slices.Equal(was.IdentitySource, is.IdentitySource) && was.PayloadFormatVersion == is.PayloadFormatVersion &&
		was.EnableSimpleResponses == is.EnableSimpleResponses && was.ResultTTLSeconds == is.ResultTTLSeconds
}

// parseIdentitySource reads "$request.header.X", "$request.querystring.X",
// "$context.X" or "$stageVariables.X".
func parseIdentitySource(s string) (identitySource, bool) {
	for _, p := range []struct {
		prefix string
		from   sourceKind
	}{{"$request.header.", fromHeader}, {"$request.querystring.", fromQuery}, {"$context.", fromContext}, {"$stageVariables.", fromStageVariable}} {
		if name, ok := strings.CutPrefix(s, p.prefix); ok && name != "" {
			if p.from == fromHeader {
				name = http.CanonicalHeaderKey(name)
			}
			return identitySource{from: p.from, name: name}, true
		}
	}
	return identitySource{}, false
}

// values reads the identity source values of a request; ok is false when
// one is missing or empty, and the function is then not called.
func (a *LambdaAuthorizer) values(rc *reqContext) (vals []string, ok bool) {
	if len(a.Sources) == 0 {
		return nil, true
	}
	vals = make([]string, len(a.Sources))
	for i, s := range a.Sources {
		var v string
		switch s.from {
		case fromHeader:
			v = strings.Join(rc.in.Header.Values(s.name), ",")
		case fromQuery:
			v = strings.Join(rc.in.URL.Query()[s.name], ",")
		case fromContext:
			v = rc.contextVar(s.name)
		case fromStageVariable:
			v = rc.stage.Vars[s.name]
		}
		if v == "" {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

// verdict is what an authorizer's function answered, as it is cached: a
// simple answer, or a policy judged against each request's route ARN.
type verdict struct {
	simple  bool
	allowed bool
	policy  *authpolicy.Policy
	ctx     *authContext
	expires time.Time
}

func (v *verdict) allows(arn string) bool {
	if v.policy != nil {
		return v.policy.Allows(arn)
	}
	return v.allowed
}

// authCache holds an authorizer's verdicts by identity source values. A
// hit is one concurrent-map load; entries past their TTL are replaced by
// the next call's answer.
type authCache struct {
	m sync.Map // key string → *verdict
	n atomic.Int64
}

// maxCached bounds an authorizer's cache: identity values are the
// client's to choose, so past the bound it starts again empty rather than
// grow without end.
const maxCached = 10000

func (c *authCache) get(key string, now time.Time) *verdict {
	v, ok := c.m.Load(key)
	if !ok {
		return nil
	}
	if vd := v.(*verdict); now.Before(vd.expires) {
		return vd
	}
	return nil
}

func (c *authCache) put(key string, v *verdict) {
	if c.n.Add(1) > maxCached {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(key, v)
}

// authContext is the context an authorizer returned, as the integration
// and the access log see it.
type authContext struct {
	// raw is the context object as the function gave it (compact), nil
	// when it gave none.
	raw []byte
	// values renders each member for $context.authorizer.NAME.
	values      map[string]string
	principalID string
	latency     time.Duration
}

// Claim is a context value, for the access log's $context.authorizer.NAME.
func (c *authContext) Claim(name string) (string, bool) {
	if c == nil {
		return "", false
	}
	if name == "principalId" && c.principalID != "" {
		return c.principalID, true
	}
	v, ok := c.values[name]
	return v, ok
}

// appendRaw appends the context object, null without one.
func (c *authContext) appendRaw(b []byte) []byte {
	if c == nil || c.raw == nil {
		return append(b, "null"...)
	}
	return append(b, c.raw...)
}

// appendV1 appends requestContext.authorizer of a 1.0 event: the context's
// members, with principalId and the authorizer's integrationLatency.
func (c *authContext) appendV1(b []byte) []byte {
	b = append(b, '{')
	if c.raw != nil && len(c.raw) > 2 {
		b = append(b, c.raw[1:len(c.raw)-1]...)
		b = append(b, ',')
	}
	if c.principalID != "" {
		b = append(b, `"principalId":`...)
		b = jsonappend.String(b, c.principalID)
		b = append(b, ',')
	}
	b = append(b, `"integrationLatency":`...)
	b = strconv.AppendInt(b, c.latency.Milliseconds(), 10)
	return append(b, '}')
}

// answer is an authorizer function's response document.
type answer struct {
	IsAuthorized   *bool           `json:"isAuthorized"`
	PrincipalID    json.RawMessage `json:"principalId"`
	PolicyDocument json.RawMessage `json:"policyDocument"`
	Context        json.RawMessage `json:"context"`
}

var errAnswer = errors.New("the authorizer's response is not valid")

// readAnswer reads a function's response into a verdict.
func (a *LambdaAuthorizer) readAnswer(payload []byte) (*verdict, error) {
	var ans answer
	if err := json.Unmarshal(payload, &ans); err != nil {
		return nil, errAnswer
	}
	v := &verdict{}
	ctx, err := readContext(ans.Context)
	if err != nil {
		return nil, err
	}
	if a.V2 && a.Simple {
		if ans.IsAuthorized == nil {
			return nil, errAnswer
		}
		v.simple, v.allowed = true, *ans.IsAuthorized
	} else {
		if v.policy, err = authpolicy.Parse(ans.PolicyDocument); err != nil {
			return nil, errAnswer
		}
		if len(ans.PrincipalID) > 0 {
			var p any
			if json.Unmarshal(ans.PrincipalID, &p) == nil && p != nil {
				if ctx == nil {
					ctx = &authContext{}
				}
				ctx.principalID = authpolicy.Render(p)
			}
		}
	}
	v.ctx = ctx
	return v, nil
}

// readContext reads a context object; none (or null) is nil.
func readContext(raw json.RawMessage) (*authContext, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var members map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&members); err != nil || members == nil {
		return nil, errAnswer
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, errAnswer
	}
	c := &authContext{raw: buf.Bytes(), values: make(map[string]string, len(members))}
	for k, v := range members {
		c.values[k] = authpolicy.Render(v)
	}
	return c, nil
}

// authorizeLambda runs a CUSTOM route's Lambda authorizer. It returns the
// authorizer's context (an empty one when it gave none), or nil once it
// has answered the request: 401 when an identity source is missing, 403
// when the function denies, 500 when it cannot be called or answers
// nonsense.
func authorizeLambda(w http.ResponseWriter, rq *request, rc *reqContext, env *Env, lg *accesslog.Entry) *authContext {
	a := rq.api.Lambdas[rq.m.Route.Custom]
	var fn string
	if a != nil {
		fn = a.functionFor(rq.st)
	}
	if fn == "" {
		lg.Denied(http.StatusInternalServerError, "authorizer "+rq.m.Route.Custom+" does not exist or names no function")
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return nil
	}
	vals, ok := a.values(rc)
	if !ok {
		lg.Denied(http.StatusUnauthorized, "an identity source is missing")
		reply(w, http.StatusUnauthorized, "Unauthorized")
		return nil
	}
	arn := rq.api.arnPrefix + rq.st.Name + "/" + rq.r.Method + rq.path
	now := env.Clock.Now()
	var key string
	var v *verdict
	if a.cache != nil {
		key = cacheKey(vals)
		if a.StageURI != "" {
			// Stages may name different functions: each its own answers.
			key += "\x00" + fn
		}
		v = a.cache.get(key, now)
	}
	if v == nil {
		var err error
		if v, err = a.call(rq, env, fn, arn, vals); err != nil {
			lg.Denied(http.StatusInternalServerError, err.Error())
			logFailure(env, rq, "authorizer "+a.ID, err)
			reply(w, http.StatusInternalServerError, "Internal Server Error")
			return nil
		}
		if a.cache != nil {
			v.expires = now.Add(a.TTL)
			a.cache.put(key, v)
		}
	}
	if !v.allows(arn) {
		lg.Denied(http.StatusForbidden, "the authorizer denied the request")
		reply(w, http.StatusForbidden, "Forbidden")
		return nil
	}
	ctx := v.ctx
	if ctx == nil {
		ctx = &authContext{}
	}
	lg.AuthorizedBy(ctx)
	return ctx
}

// cacheKey is the identity source values as one string, each prefixed
// with its length: no two lists of values give the same key, whatever
// bytes a query parameter smuggles in.
func cacheKey(vals []string) string {
	n := 0
	for _, v := range vals {
		n += len(v) + 8
	}
	var b strings.Builder
	b.Grow(n)
	var num [20]byte
	for _, v := range vals {
		b.Write(strconv.AppendInt(num[:0], int64(len(v)), 10))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// functionFor is the ARN of the function the authorizer invokes for a
// request on stage st, "" when there is none.
func (a *LambdaAuthorizer) functionFor(st *Stage) string {
	if a.StageURI == "" {
		return a.Function
	}
	fn, _ := invoke.FromIntegrationURI(httpmap.StageVariables(a.StageURI, func(name string) string { return st.Vars[name] }))
	return fn
}

// call invokes the authorizer's function fn for a request to arn.
func (a *LambdaAuthorizer) call(rq *request, env *Env, fn, arn string, vals []string) (*verdict, error) {
	if env.Functions == nil {
		return nil, errNoEngine
	}
	head := &authHead{arn: arn, values: vals}
	var payload []byte
	if a.V2 {
		payload = appendV2(make([]byte, 0, eventSize), rq, head)
	} else {
		payload = appendV1(make([]byte, 0, eventSize), rq, head)
	}
	ctx, cancel := context.WithTimeout(rq.r.Context(), authorizerTimeout)
	defer cancel()
	start := env.Clock.Now()
	req := invoke.Request{Account: a.Account, Function: fn, Payload: payload}
	if !a.Role {
		req.Caller = &invoke.Caller{Service: "apigateway.amazonaws.com", SourceArn: a.SourceArn, SourceAccount: a.Account}
	}
	res, err := env.Functions.Invoke(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.FunctionError != "" {
		return nil, &functionError{payload: res.Payload}
	}
	v, err := a.readAnswer(res.Payload)
	if err != nil {
		return nil, err
	}
	if v.ctx != nil {
		v.ctx.latency = env.Clock.Now().Sub(start)
	}
	return v, nil
}

// logFailure logs why a function could not answer a request: a refusal
// by Lambda (the function is missing, API Gateway lacks the permission to
// invoke it, it is throttled), a function error, or an answer that is not
// what API Gateway reads.
func logFailure(env *Env, rq *request, what string, err error) {
	if env.Log == nil {
		return
	}
	cause := "invocation failed"
	var ie *invoke.Error
	var fe *functionError
	switch {
	case errors.As(err, &ie) && ie.Code == "AccessDeniedException":
		cause = "permission denied: API Gateway is not allowed to invoke the function"
	case errors.As(err, &ie):
		cause = "Lambda refused the invocation"
	case errors.As(err, &fe):
		cause = "the function failed"
	case errors.Is(err, context.DeadlineExceeded):
		cause = "timed out"
	}
	env.Log.LogAttrs(context.Background(), slog.LevelWarn, "Lambda "+cause, slog.String("request_id", rq.reqID),
		slog.String("api_id", rq.api.ID), slog.String("stage", rq.st.Name), slog.String("caller", what), slog.String("error", err.Error()))
}

var errNoEngine = errors.New("no Lambda engine runs functions")

// functionError is a function's own failure (X-Amz-Function-Error).
type functionError struct{ payload []byte }

func (e *functionError) Error() string {
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal(e.payload, &doc) == nil && doc.ErrorMessage != "" {
		if doc.ErrorType != "" {
			return doc.ErrorType + ": " + doc.ErrorMessage
		}
		return doc.ErrorMessage
	}
	return "the function returned an error"
}

// eventSize is the room an event starts with: most requests' fit. The
// buffer is not pooled: the engine may still hold a payload after a
// timed-out Invoke returned.
const eventSize = 2048
