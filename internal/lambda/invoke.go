package lambda

import (
	"cmp"
	"context"
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"time"

	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

var _ invoke.Invoker = (*Engine)(nil)

// Invoke runs a function synchronously (InvocationType RequestResponse):
// it resolves the function and qualifier from the index, checks the
// caller's permission, the function's state and the concurrency limits,
// and runs the event in a warm sandbox or a new one. A refusal is an
// *invoke.Error; a function that failed is a Result with FunctionError.
// When ctx ends first, Invoke returns its error and the invocation runs
// on to its end, holding its concurrency, as on Lambda.
func (e *Engine) Invoke(ctx context.Context, req invoke.Request) (invoke.Result, error) {
	return e.invoke(ctx, req, newRequestID())
}

// invoke runs req as the invocation id: asynchronous invocations keep the
// request id Invoke answered with through every attempt.
func (e *Engine) invoke(ctx context.Context, req invoke.Request, id string) (invoke.Result, error) {
	ref, ok := invoke.ParseFunction(req.Function)
	scope := model.Scope{Account: cmp.Or(ref.Account, req.Account), Region: cmp.Or(ref.Region, req.Region)}
	qual := ref.Qualifier
	if req.Qualifier != "" {
		if qual != "" && qual != req.Qualifier {
			return invoke.Result{}, invoke.Errorf(http.StatusBadRequest, "InvalidParameterValueException",
				"The derived qualifier from the function name does not match the specified qualifier.")
		}
		qual = req.Qualifier
	}
	if !ok {
		return invoke.Result{}, notFound(invoke.FunctionARN(scope.Region, scope.Account, req.Function, ""))
	}
	idx := e.idx.Load()
	ent := idx.lookup(scope, ref.Name)
	if ent == nil {
		return invoke.Result{}, notFound(invoke.FunctionARN(scope.Region, scope.Account, ref.Name, qual))
	}
	version, cfg, ok := ent.resolve(qual)
	if !ok {
		return invoke.Result{}, notFound(invoke.FunctionARN(scope.Region, scope.Account, ref.Name, qual))
	}
	arn := ent.arn
	if qual != "" {
		arn += ":" + qual
	}
	if c := req.Caller; c != nil {
		if _, ok := ent.fn.Allows(model.FunctionCaller{Service: c.Service, SourceArn: c.SourceArn, SourceAccount: c.SourceAccount}, qual); !ok {
			return invoke.Result{}, invoke.AccessDenied(c.Service, arn)
		}
	}
	if cfg.State != StateActive {
		return invoke.Result{}, invoke.Errorf(http.StatusConflict, "ResourceConflictException",
			"The operation cannot be performed at this time. The function is currently in the following state: %s", cfg.State)
	}

	inv := &invocation{id: id, payload: req.Payload, arn: arn, version: version, cfg: cfg,
		wantTail: req.Tail, clientContext: clientContext(req.ClientContext), done: make(chan invoke.Result, 1)}
	if err := inv.charge(ent, idx.scopes[scope]); err != nil {
		return invoke.Result{}, err
	}
	b, warm, ok := ent.state.take(version, ent.gen(version))
	if !ok {
		inv.uncharge()
		return invoke.Result{}, invoke.Errorf(http.StatusServiceUnavailable, "ServiceException", "Lambda is shutting down.")
	}
	inv.limit = time.Duration(max(cfg.Timeout, 1)) * time.Second
	if warm {
		b.dispatch(inv)
	} else {
		b.start(inv)
	}
	select {
	case res := <-inv.done:
		return res, nil
	case <-ctx.Done():
		return invoke.Result{}, ctx.Err()
	}
}

// resolve finds the version qual names: "" or $LATEST, a version number,
// or an alias, which may send a share of invocations to other versions.
func (en *entry) resolve(qual string) (string, *model.FunctionConfig, bool) {
	if qual == "" || qual == "$LATEST" {
		return "$LATEST", &en.fn.Config, true
	}
	if c, ok := en.versions[qual]; ok {
		return qual, c, true
	}
	a, ok := en.aliases[qual]
	if !ok {
		return "", nil, false
	}
	version := a.FunctionVersion
	if len(a.Weights) > 0 {
		r := rand.Float64()
		for v, w := range a.Weights {
			if r < w {
				version = v
				break
			}
			r -= w
		}
	}
	c, ok := en.config(version)
	if version == "" || version == "$LATEST" {
		version = "$LATEST"
	}
	return version, c, ok
}

func notFound(arn string) error {
	return invoke.Errorf(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", arn)
}

// charge counts the invocation against the function's reserved
// concurrency, or against what the account has unreserved; over the limit
// it is Lambda's 429.
func (inv *invocation) charge(ent *entry, sc *scopeIndex) error {
	f := ent.state
	if rc := ent.fn.ReservedConcurrency; rc != nil {
		if f.inflight.Add(1) > int64(*rc) {
			f.inflight.Add(-1)
			return throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
		}
		inv.fn = f
		return nil
	}
	if sc.acct.inflight.Add(1) > sc.unreserved {
		sc.acct.inflight.Add(-1)
		return throttled("ConcurrentInvocationLimitExceeded")
	}
	f.inflight.Add(1)
	inv.fn, inv.acct = f, sc.acct
	return nil
}

// uncharge gives the invocation's concurrency back.
func (inv *invocation) uncharge() {
	inv.fn.inflight.Add(-1)
	if inv.acct != nil {
		inv.acct.inflight.Add(-1)
	}
}

func throttled(reason string) error {
	return &invoke.Error{Status: http.StatusTooManyRequests, Code: "TooManyRequestsException", Message: "Rate Exceeded.", Reason: reason}
}

// clientContext is the JSON a base64 X-Amz-Client-Context holds, which
// the Runtime API hands on decoded; what does not decode goes as it is.
func clientContext(s string) string {
	if s == "" {
		return ""
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return string(b)
	}
	return s
}
