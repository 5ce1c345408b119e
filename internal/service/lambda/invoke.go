package lambda

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"gatehouse/internal/api"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// Lambda's payload quotas: 6 MB for a synchronous invocation's request,
// 1 MB for an asynchronous one's.
const (
	maxSyncPayload  = 6291456
	maxAsyncPayload = 1048576
)

// InvokeInput is Invoke's request: the event is the body as it came.
type InvokeInput struct {
	FunctionName   string `path:"FunctionName" json:"-"`
	Qualifier      string `querystring:"Qualifier" json:"-"`
	InvocationType string `header:"X-Amz-Invocation-Type" json:"-"`
	LogType        string `header:"X-Amz-Log-Type" json:"-"`
	ClientContext  string `header:"X-Amz-Client-Context" json:"-"`
	Payload        []byte `payload:"" json:"-"`
}

// InvokeOutput is Invoke's answer: the function's response as the body,
// and what Lambda says about the invocation in headers.
type InvokeOutput struct {
	status  int
	payload []byte
	header  map[string]string
}

func (o *InvokeOutput) Payload() ([]byte, string) {
	if o.payload == nil {
		return nil, ""
	}
	return o.payload, "application/json"
}

func (o *InvokeOutput) Response() (int, map[string]string) { return o.status, o.header }

// Invoke runs a function: RequestResponse through the engine, Event by
// queueing the event for the engine to deliver, DryRun by checking that
// the function (and the qualifier) is there.
func (s *Service) Invoke(ctx context.Context, in *InvokeInput) (*InvokeOutput, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	switch in.InvocationType {
	case "", "RequestResponse", "Event", "DryRun":
	default:
		var v validation
		v.add("Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", in.InvocationType)
		return nil, v.err()
	}
	if in.LogType != "" && in.LogType != "None" && in.LogType != "Tail" {
		var v validation
		v.add("Value '%s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]", in.LogType)
		return nil, v.err()
	}
	if len(in.Payload) > maxSyncPayload {
		return nil, payloadTooLarge(maxSyncPayload)
	}
	if len(in.Payload) > 0 && !json.Valid(in.Payload) {
		return nil, notJSON()
	}
	switch in.InvocationType {
	case "DryRun":
		if err := s.view(ctx, func(tx model.Tx) error { _, err := invocable(ctx, tx, t, nil); return err }); err != nil {
			return nil, err
		}
		return &InvokeOutput{status: http.StatusNoContent}, nil
	case "Event":
		if err := s.queue(ctx, t, in.Payload, nil); err != nil {
			return nil, err
		}
		return &InvokeOutput{status: http.StatusAccepted}, nil
	}
	if s.cfg.Functions == nil {
		return nil, s.noEngine(ctx, t)
	}
	m := api.MetaFrom(ctx)
	res, err := s.cfg.Functions.Invoke(ctx, invoke.Request{Account: m.Account, Region: m.Region,
		Function: t.name, Qualifier: t.qualifier, Payload: in.Payload, Tail: in.LogType == "Tail", ClientContext: in.ClientContext})
	if ie, ok := err.(*invoke.Error); ok {
		return nil, fromInvoke(ie)
	}
	if err != nil {
		return nil, err
	}
	out := &InvokeOutput{status: http.StatusOK, payload: res.Payload, header: map[string]string{}}
	if out.payload == nil {
		out.payload = []byte{}
	}
	if res.ExecutedVersion != "" {
		out.header["X-Amz-Executed-Version"] = res.ExecutedVersion
	}
	if res.FunctionError != "" {
		out.header["X-Amz-Function-Error"] = res.FunctionError
	}
	if in.LogType == "Tail" {
		out.header["X-Amz-Log-Result"] = base64.StdEncoding.EncodeToString(res.LogTail)
	}
	return out, nil
}

// invocable finds the function and the version the target names and,
// for a service invoking on a resource's behalf (caller, nil for none),
// checks that the function's resource policy allows it, as the engine
// checks synchronous invocations.
func invocable(ctx context.Context, tx model.Tx, t target, caller *invoke.Caller) (model.FunctionConfig, error) {
	f, err := getFunction(ctx, tx, t)
	if err != nil {
		return model.FunctionConfig{}, err
	}
	c, _, err := configOf(ctx, tx, f, t)
	if err != nil {
		return model.FunctionConfig{}, err
	}
	if caller != nil {
		if _, ok := f.Allows(model.FunctionCaller{Service: caller.Service, SourceArn: caller.SourceArn, SourceAccount: caller.SourceAccount}, t.qualifier); !ok {
			return model.FunctionConfig{}, fromInvoke(invoke.AccessDenied(caller.Service, t.arn(ctx)))
		}
	}
	return c, nil
}

// notJSON is Lambda's refusal of a payload that is not JSON: Lambda reads
// every payload as JSON before it looks at the function; what follows its
// prefix is gatehouse's wording.
func notJSON() error {
	return lambdaError(http.StatusBadRequest, "InvalidRequestContentException", "",
		"Could not parse request body into json: Could not parse payload into json: the payload is not a JSON value")
}

// queue writes an Event invocation for the engine to deliver, under the
// request id of ctx: the event is durable from then on.
func (s *Service) queue(ctx context.Context, t target, payload []byte, caller *invoke.Caller) error {
	if len(payload) > maxAsyncPayload {
		return payloadTooLarge(maxAsyncPayload)
	}
	now := s.now()
	return s.update(ctx, func(tx model.Tx) error {
		if _, err := invocable(ctx, tx, t, caller); err != nil {
			return err
		}
		return model.Put(tx, &model.FunctionEvent{Function: t.name, ID: api.MetaFrom(ctx).RequestID,
			Qualifier: t.qualifier, Payload: payload, Due: now, Received: now})
	})
}

var _ invoke.Queuer = (*Service)(nil)

// Queue is Invoke with InvocationType Event (or DryRun) for what invokes
// functions inside gatehouse (API Gateway's integrations): the same checks
// and the same durable event, answered with the invocation's request id
// or the *invoke.Error Lambda's answer would carry.
func (s *Service) Queue(ctx context.Context, req invoke.Request) (string, error) {
	ref, _ := invoke.ParseFunction(req.Function)
	id := api.NewRequestID()
	ctx = api.WithMeta(ctx, api.Meta{RequestID: id, Account: cmp.Or(ref.Account, req.Account), Region: cmp.Or(ref.Region, req.Region)})
	t, err := resolve(ctx, req.Function, req.Qualifier)
	if err == nil && len(req.Payload) > 0 && !json.Valid(req.Payload) {
		err = notJSON()
	}
	switch {
	case err != nil:
	case req.DryRun && len(req.Payload) > maxSyncPayload:
		err = payloadTooLarge(maxSyncPayload)
	case req.DryRun:
		err = s.view(ctx, func(tx model.Tx) error { _, err := invocable(ctx, tx, t, req.Caller); return err })
	default:
		err = s.queue(ctx, t, req.Payload, req.Caller)
	}
	if err != nil {
		return "", toInvoke(err)
	}
	return id, nil
}

// toInvoke is a refusal as an *invoke.Error, for callers that are not
// the Lambda API; other errors (the store's) stay as they are.
func toInvoke(err error) error {
	var e *api.Error
	if !errors.As(err, &e) {
		return err
	}
	out := &invoke.Error{Status: e.Status, Code: e.Code, Message: e.Message}
	if shape, ok := e.Shape.(errorShape); ok {
		out.Reason = shape.Reason
	}
	return out
}

// noEngine is the answer when no engine runs functions: none ever leaves
// Pending, so an invocation of one that exists is refused for its state.
func (s *Service) noEngine(ctx context.Context, t target) error {
	return s.view(ctx, func(tx model.Tx) error {
		c, err := invocable(ctx, tx, t, nil)
		if err != nil {
			return err
		}
		if c.State != stateActive {
			return conflict("The operation cannot be performed at this time. The function is currently in the following state: %s", c.State)
		}
		return lambdaError(http.StatusInternalServerError, "ServiceException", "", "gatehouse runs no Lambda engine in this process.")
	})
}
