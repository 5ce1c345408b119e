package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/dataplane/authpolicy"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// authorizer is a Lambda authorizer as one stage's methods use it: the
// function to call, where its identity comes from, and the answers it
// cached for this stage.
type authorizer struct {
	id       string
	token    bool // TOKEN; otherwise REQUEST
	function string
	// account and region scope the invocation; caller is the principal
	// and source the function's policy must allow, nil when the
	// authorizer has credentials: API Gateway then invokes as that role,
	// which IAM authorizes, and the policy is not asked.
	account, region string
	caller          *invoke.Caller
	// deploymentID is the stage's deployment, for the REQUEST event's
	// requestContext.
	deploymentID string
	// arnPrefix is the stage's method ARNs up to the HTTP method:
	// "arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/".
	arnPrefix string
	sources   []identitySource
	// validate is a TOKEN authorizer's identityValidationExpression,
	// anchored; nil without one.
	validate *regexp.Regexp
	ttl      time.Duration
	// cache holds answers by identity for ttl; nil when ttl is 0 or there
	// is no identity to key them by.
	cache *authCache
	// broken says why the authorizer cannot be called; "" when it can.
	broken string
}

// identitySource is one request value an authorizer reads.
type identitySource struct {
	kind string // header, querystring, stageVariables, context
	name string
}

// authorizerTimeout bounds one call of an authorizer's function, as the
// integration timeout bounds an integration.
const authorizerTimeout = 29 * time.Second

// maxCached bounds each authorizer cache: past it, expired answers are
// dropped, and if that is not enough the cache starts again.
const maxCached = 10000

// compileAuthorizers builds the authorizers a deployment froze, for one
// stage, by id. Stage variables in an authorizer URI take the stage's
// values, as on AWS.
func compileAuthorizers(sc *model.Scoped, apiID string, st *model.RestStage, dep *model.RestDeployment) map[string]*authorizer {
	stage := st.Name
	if len(dep.Authorizers) == 0 {
		return nil
	}
	out := make(map[string]*authorizer, len(dep.Authorizers))
	for _, a := range dep.Authorizers {
		z := &authorizer{id: a.ID, token: a.Type == "TOKEN", account: sc.Scope.Account, region: sc.Scope.Region, deploymentID: dep.ID,
			arnPrefix: "arn:aws:execute-api:" + sc.Scope.Region + ":" + sc.Scope.Account + ":" + apiID + "/" + stage + "/",
			ttl:       time.Duration(a.ResultTTL) * time.Second}
		if a.Credentials == "" {
			z.caller = &invoke.Caller{Service: "apigateway.amazonaws.com", SourceAccount: sc.Scope.Account,
				SourceArn: "arn:aws:execute-api:" + sc.Scope.Region + ":" + sc.Scope.Account + ":" + apiID + "/authorizers/" + a.ID}
		}
		uri := stageVariableUse.ReplaceAllStringFunc(a.URI, func(ref string) string {
			return st.Variables[ref[len("${stageVariables."):len(ref)-1]]
		})
		fn, ok := invoke.FromIntegrationURI(uri)
		if !ok {
			z.broken = "the authorizer URI names no function"
		}
		z.function = fn
		if a.Type != "TOKEN" && a.Type != "REQUEST" {
			z.broken = "authorizers of type " + a.Type + " are not served"
		}
		for _, src := range strings.Split(a.IdentitySource, ",") {
			src = strings.TrimSpace(src)
			if src == "" {
				continue
			}
			s, ok := parseIdentitySource(src)
			if !ok {
				z.broken = "identity source " + src + " cannot be read"
			}
			z.sources = append(z.sources, s)
		}
		if a.IdentityValidationExpression != "" && z.token {
			if re, err := regexp.Compile("^(?:" + a.IdentityValidationExpression + ")$"); err == nil {
				z.validate = re
			}
		}
		if z.ttl > 0 && len(z.sources) > 0 {
			z.cache = &authCache{}
		}
		out[a.ID] = z
	}
	return out
}

func parseIdentitySource(src string) (identitySource, bool) {
	for _, p := range []struct{ prefix, kind string }{
		{"method.request.header.", "header"}, {"method.request.querystring.", "querystring"},
		{"stageVariables.", "stageVariables"}, {"context.", "context"},
	} {
		if name, ok := strings.CutPrefix(src, p.prefix); ok && name != "" {
			return identitySource{kind: p.kind, name: name}, true
		}
	}
	return identitySource{}, false
}

// authorizerOf is the authorizer a CUSTOM method names; a method whose
// authorizer the deployment lacks gets a broken one, so it fails rather
// than serving unguarded.
func authorizerOf(meth *model.RestMethod, authorizers map[string]*authorizer) *authorizer {
	if meth.AuthorizationType != "CUSTOM" {
		return nil
	}
	if z := authorizers[meth.AuthorizerID]; z != nil {
		return z
	}
	return &authorizer{id: meth.AuthorizerID, broken: "the deployment has no authorizer " + meth.AuthorizerID}
}

// authorizedARN compiles the method ARN a CUSTOM method's requests for
// its own path mostly have, where that path is fixed.
func authorizedARN(m *Method) {
	z := m.authorizer
	if z == nil || z.arnPrefix == "" || m.HTTPMethod == "ANY" || strings.Contains(m.Resource, "{") {
		return
	}
	m.authARN = z.arnPrefix + m.HTTPMethod + "/" + strings.TrimPrefix(m.Resource, "/")
}

// authorized is what an authorizer's answer gives the rest of the
// request: $context.authorizer for templates, mappings and access logs,
// and the API key of an AUTHORIZER key source.
type authorized struct {
	principalID string
	// context holds the answer's context, each value as a string.
	context  map[string]string
	usageKey string
	// latency is how long the authorizer took; 0 for a cached answer.
	latency time.Duration
	// ctx and ctxJSON are $context.authorizer and its JSON, built once
	// for an answer kept in the cache, since every request it admits
	// reads the same; nil for an answer served once.
	ctx     map[string]any
	ctxJSON []byte
}

// Claim is $context.authorizer.NAME for access logs.
func (a *authorized) Claim(name string) (string, bool) {
	if name == "principalId" {
		return a.principalID, a.principalID != ""
	}
	v, ok := a.context[name]
	return v, ok
}

// Context is $context.authorizer: principalId and the answer's context
// values, for templates and request parameters (context.authorizer.NAME).
// Callers only read it: a cached answer's is shared.
func (a *authorized) Context() map[string]any {
	if a.ctx != nil {
		return a.ctx
	}
	out := make(map[string]any, len(a.context)+2)
	for k, v := range a.context {
		out[k] = v
	}
	out["principalId"] = a.principalID
	out["integrationLatency"] = a.latency.Milliseconds()
	return out
}

// contextJSON is $context.authorizer as a proxy event's
// requestContext.authorizer.
func (a *authorized) contextJSON() []byte {
	if a.ctxJSON != nil {
		return a.ctxJSON
	}
	b, _ := json.Marshal(a.Context())
	return b
}

// cached is the answer as the cache keeps it for the requests that find
// it there: taking no time, with what they read of it built once.
func (a *authAnswer) cached() *authAnswer {
	c := &authAnswer{authorized: a.authorized, policy: a.policy}
	c.latency = 0
	c.ctx = c.Context()
	c.ctxJSON = c.contextJSON()
	return c
}

// authAnswer is an authorizer's answer, as cached: what it authorized and
// its policy.
type authAnswer struct {
	authorized
	policy *authpolicy.Policy
}

// verdict is the answer's policy evaluated against one method ARN: an
// explicit deny wins, an allow admits, and nothing matching denies.
func (a *authAnswer) verdict(methodARN string) *fault {
	switch a.policy.Decide(methodARN) {
	case authpolicy.Allow:
		return nil
	case authpolicy.ExplicitDeny:
		return &explicitDeny
	}
	return &implicitDeny
}

// The answers of the authorizer step, as AWS's gateway responses give
// them. A deny's default body names its member "Message".
var (
	unauthorizedFault = fault{kind: unauthorized, status: http.StatusUnauthorized, message: "Unauthorized", errorType: "UnauthorizedException"}
	explicitDeny      = fault{kind: accessDenied, status: http.StatusForbidden, errorType: "AccessDeniedException",
		message: "User is not authorized to access this resource with an explicit deny",
		body:    `{"Message":"User is not authorized to access this resource with an explicit deny"}`}
	implicitDeny = fault{kind: accessDenied, status: http.StatusForbidden, errorType: "AccessDeniedException",
		message: "User is not authorized to access this resource",
		body:    `{"Message":"User is not authorized to access this resource"}`}
	// authorizerFault is AWS's answer to an authorizer that could not be
	// called or whose answer is not a policy: a null message.
	authorizerFault = fault{kind: authorizerConfigurationError, status: http.StatusInternalServerError,
		errorType: "AuthorizerConfigurationException", body: `{"message":null}`}
)

// authorize runs the method's authorizer for q: the identity from the
// request (401 without it, before any call), the cached answer for it or
// the function's, and the answer's policy against the method ARN. It
// returns what was authorized, or the fault to answer with.
func (z *authorizer) authorize(q *request) (*authorized, *fault) {
	if z.broken != "" {
		q.authorizerFailed(z, z.broken)
		return nil, &authorizerFault
	}
	key, ok := z.identity(q)
	if !ok {
		return nil, &unauthorizedFault
	}
	methodARN := z.methodARN(q)
	now := q.env.now()
	if z.cache != nil {
		if a := z.cache.get(key, now); a != nil {
			// A cached policy is judged against this method, which may
			// not be the one it was first given for.
			if f := a.verdict(methodARN); f != nil {
				return nil, f
			}
			return &a.authorized, nil
		}
	}
	a, f := z.call(q, methodARN)
	if f != nil {
		return nil, f
	}
	if z.cache != nil {
		z.cache.put(key, a.cached(), now, z.ttl)
	}
	if f := a.verdict(methodARN); f != nil {
		return nil, f
	}
	return &a.authorized, nil
}

// methodARN is the ARN the answer's policy is judged against:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path},
// the request's verb and path. A request that names its method's own
// path with the method's own verb has the ARN compiled with the method.
func (z *authorizer) methodARN(q *request) string {
	if m := q.method; m.authARN != "" && q.path == m.Resource && q.r.Method == m.HTTPMethod {
		return m.authARN
	}
	return z.arnPrefix + q.r.Method + "/" + strings.TrimPrefix(q.path, "/")
}

// identity is the request's identity: the token, or the REQUEST
// authorizer's sources, each after its length, as the cache's key (a
// query string may hold any byte, so no separator could keep two lists of
// values apart). It is false when a source is missing or empty, or a
// token fails the validation expression.
func (z *authorizer) identity(q *request) (string, bool) {
	if z.token {
		if len(z.sources) == 0 {
			return "", false
		}
		tok := q.r.Header.Get(z.sources[0].name)
		if tok == "" || z.validate != nil && !z.validate.MatchString(tok) {
			return "", false
		}
		return tok, true
	}
	if len(z.sources) == 1 {
		v := z.sources[0].value(q)
		return v, v != ""
	}
	var b []byte
	for _, s := range z.sources {
		v := s.value(q)
		if v == "" {
			return "", false
		}
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
	}
	return string(b), true
}

func (s identitySource) value(q *request) string {
	switch s.kind {
	case "header":
		return q.r.Header.Get(s.name)
	case "querystring":
		if vs := q.queryValues()[s.name]; len(vs) > 0 {
			return vs[len(vs)-1]
		}
	case "stageVariables":
		return q.stage.Vars[s.name]
	case "context":
		return q.contextValue(s.name)
	}
	return ""
}

// call invokes the function with the authorizer's event and reads its
// answer. A function that fails with "Unauthorized" answers 401; any other
// failure, or an answer that is not a policy, is AWS's 500.
func (z *authorizer) call(q *request, methodARN string) (*authAnswer, *fault) {
	if q.env.Functions == nil {
		q.authorizerFailed(z, "no function engine runs here")
		return nil, &authorizerFault
	}
	event, err := json.Marshal(z.event(q, methodARN))
	if err != nil {
		q.authorizerFailed(z, err.Error())
		return nil, &authorizerFault
	}
	ctx, cancel := context.WithTimeout(q.r.Context(), authorizerTimeout)
	defer cancel()
	start := q.env.now()
	res, err := q.env.Functions.Invoke(ctx, invoke.Request{Account: z.account, Region: z.region, Function: z.function,
		Payload: event, Caller: z.caller})
	if err != nil {
		var ie *invoke.Error
		if errors.As(err, &ie) && ie.Code == "AccessDeniedException" {
			q.authorizerFailed(z, "Execution failed due to configuration error: Invalid permissions on Lambda function")
		} else {
			q.authorizerFailed(z, "Execution failed due to configuration error: "+err.Error())
		}
		return nil, &authorizerFault
	}
	if res.FunctionError != "" {
		var doc struct {
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(res.Payload, &doc) == nil && doc.ErrorMessage == "Unauthorized" {
			return nil, &unauthorizedFault
		}
		q.authorizerFailed(z, "the authorizer function failed: "+string(res.Payload))
		return nil, &authorizerFault
	}
	a, err := readAnswer(res.Payload)
	if err != nil {
		q.authorizerFailed(z, "Execution failed due to configuration error: "+err.Error())
		return nil, &authorizerFault
	}
	a.latency = q.env.now().Sub(start)
	return a, nil
}

// authorizerFailed logs why an authorizer could not authorize, as AWS's
// execution log would.
func (q *request) authorizerFailed(z *authorizer, why string) {
	log := q.env.Log
	if log == nil {
		log = slog.Default()
	}
	log.LogAttrs(context.Background(), slog.LevelWarn, "authorizer failed",
		slog.String("request_id", q.reqID), slog.String("api_id", q.apiID), slog.String("authorizer_id", z.id),
		slog.String("function", z.function), slog.String("err", why))
}

// event is what the function is sent: a TOKEN authorizer's token and
// method ARN, or a REQUEST authorizer's view of the request, whose
// requestContext is a proxy event's.
func (z *authorizer) event(q *request, methodARN string) any {
	if z.token {
		return map[string]string{"type": "TOKEN", "authorizationToken": q.r.Header.Get(z.sources[0].name), "methodArn": methodARN}
	}
	r := q.r
	ip, _ := clientAddress(r)
	headers, multiHeaders := map[string]string{}, map[string][]string{}
	for k, vs := range r.Header {
		headers[k] = vs[len(vs)-1]
		multiHeaders[k] = vs
	}
	var query map[string]string
	var multiQuery map[string][]string
	if qs := q.queryValues(); len(qs) > 0 {
		query, multiQuery = make(map[string]string, len(qs)), qs
		for k, vs := range qs {
			query[k] = vs[len(vs)-1]
		}
	}
	var pathParams map[string]string
	if len(q.params) > 0 {
		pathParams = q.params
	}
	var vars map[string]string
	if len(q.stage.Vars) > 0 {
		vars = q.stage.Vars
	}
	return map[string]any{
		"type":                            "REQUEST",
		"methodArn":                       methodARN,
		"resource":                        q.method.Resource,
		"path":                            q.path,
		"httpMethod":                      r.Method,
		"headers":                         headers,
		"multiValueHeaders":               multiHeaders,
		"queryStringParameters":           query,
		"multiValueQueryStringParameters": multiQuery,
		"pathParameters":                  pathParams,
		"stageVariables":                  vars,
		"requestContext":                  json.RawMessage(q.appendContext(nil, &lambdaTarget{account: z.account, deploymentID: z.deploymentID}, ip)),
	}
}

// readAnswer reads an authorizer's answer: principalId, a policy
// document whose statements allow or deny execute-api:Invoke on
// resources, a context of strings, numbers and booleans, and
// usageIdentifierKey.
func readAnswer(payload []byte) (*authAnswer, error) {
	var doc struct {
		PrincipalID        any             `json:"principalId"`
		PolicyDocument     json.RawMessage `json:"policyDocument"`
		Context            map[string]any  `json:"context"`
		UsageIdentifierKey any             `json:"usageIdentifierKey"`
	}
	d := json.NewDecoder(strings.NewReader(string(payload)))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return nil, errors.New("Could not parse policy")
	}
	if len(doc.PolicyDocument) == 0 || string(doc.PolicyDocument) == "null" {
		return nil, errors.New("Invalid policy document: the answer has no policyDocument")
	}
	a := &authAnswer{}
	a.principalID, _ = authpolicy.Scalar(doc.PrincipalID)
	a.usageKey, _ = authpolicy.Scalar(doc.UsageIdentifierKey)
	if len(doc.Context) > 0 {
		a.context = make(map[string]string, len(doc.Context))
		for k, v := range doc.Context {
			if s, ok := authpolicy.Scalar(v); ok {
				a.context[k] = s
			} else if v != nil {
				return nil, errors.New("Invalid context: the value of " + k + " is not a string, number or boolean")
			}
		}
	}
	policy, err := authpolicy.Parse(doc.PolicyDocument)
	if err != nil {
		return nil, errors.New("Invalid policy document: Statement is missing or malformed")
	}
	a.policy = policy
	return a, nil
}

// authCache holds one stage's answers of one authorizer by identity. Reads
// take no lock (sync.Map's read path); an expired answer is dropped when
// read.
type authCache struct {
	m sync.Map // identity -> *cachedAnswer
	n atomic.Int64
}

type cachedAnswer struct {
	a       *authAnswer
	expires time.Time
}

func (c *authCache) get(key string, now time.Time) *authAnswer {
	v, ok := c.m.Load(key)
	if !ok {
		return nil
	}
	e := v.(*cachedAnswer)
	if !now.Before(e.expires) {
		if c.m.CompareAndDelete(key, v) {
			c.n.Add(-1)
		}
		return nil
	}
	return e.a
}

func (c *authCache) put(key string, a *authAnswer, now time.Time, ttl time.Duration) {
	if _, had := c.m.Swap(key, &cachedAnswer{a: a, expires: now.Add(ttl)}); had {
		return
	}
	if c.n.Add(1) <= maxCached {
		return
	}
	// Over the bound: drop what has expired, and everything if that is
	// not enough. The answers come back from the function when asked.
	c.m.Range(func(k, v any) bool {
		if e := v.(*cachedAnswer); !now.Before(e.expires) && c.m.CompareAndDelete(k, v) {
			c.n.Add(-1)
		}
		return true
	})
	if c.n.Load() > maxCached {
		c.m.Range(func(k, v any) bool {
			if c.m.CompareAndDelete(k, v) {
				c.n.Add(-1)
			}
			return true
		})
	}
}

// now is the server's clock.
func (env *Env) now() time.Time {
	if env.Now != nil {
		return env.Now()
	}
	return time.Now()
}

// setAuthorized records what the authorizer authorized: the API key an
// AUTHORIZER key source takes, and $context.authorizer from now on.
func (q *request) setAuthorized(a *authorized) {
	q.auth = a
	if q.ctx != nil {
		q.ctx["authorizer"] = a.Context()
	}
}

// usageIdentifierKey is the API key the authorizer returned; "" when no
// authorizer ran.
func (a *authorized) usageIdentifierKey() string {
	if a == nil {
		return ""
	}
	return a.usageKey
}
