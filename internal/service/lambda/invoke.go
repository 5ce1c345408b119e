package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
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
		return nil, lambdaError(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "",
			"Request must be smaller than %d bytes for the InvokeFunction operation", maxSyncPayload)
	}
	if len(in.Payload) > 0 && !json.Valid(in.Payload) {
		// Lambda reads every payload as JSON before it looks at the
		// function; what follows its prefix is gatehouse's wording.
		return nil, lambdaError(http.StatusBadRequest, "InvalidRequestContentException", "",
			"Could not parse request body into json: Could not parse payload into json: the payload is not a JSON value")
	}
	switch in.InvocationType {
	case "DryRun":
		if err := s.view(ctx, func(tx model.Tx) error { _, err := s.invocable(ctx, tx, t); return err }); err != nil {
			return nil, err
		}
		return &InvokeOutput{status: http.StatusNoContent}, nil
	case "Event":
		return s.queue(ctx, t, in.Payload)
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

// invocable finds the function and the version the target names, and
// refuses one that is not Active as Lambda does.
func (s *Service) invocable(ctx context.Context, tx model.Tx, t target) (model.FunctionConfig, error) {
	f, err := getFunction(ctx, tx, t)
	if err != nil {
		return model.FunctionConfig{}, err
	}
	c, _, err := configOf(ctx, tx, f, t)
	return c, err
}

// queue writes an Event invocation for the engine to deliver, and answers
// 202 at once: the event is durable from then on.
func (s *Service) queue(ctx context.Context, t target, payload []byte) (*InvokeOutput, error) {
	if len(payload) > maxAsyncPayload {
		return nil, lambdaError(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "",
			"Request must be smaller than %d bytes for the InvokeFunction operation", maxAsyncPayload)
	}
	now := s.now()
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := s.invocable(ctx, tx, t); err != nil {
			return err
		}
		return model.Put(tx, &model.FunctionEvent{Function: t.name, ID: api.MetaFrom(ctx).RequestID,
			Qualifier: t.qualifier, Payload: payload, Due: now, Received: now})
	})
	if err != nil {
		return nil, err
	}
	return &InvokeOutput{status: http.StatusAccepted}, nil
}

// noEngine is the answer when no engine runs functions: none ever leaves
// Pending, so an invocation of one that exists is refused for its state.
func (s *Service) noEngine(ctx context.Context, t target) error {
	return s.view(ctx, func(tx model.Tx) error {
		c, err := s.invocable(ctx, tx, t)
		if err != nil {
			return err
		}
		if c.State != stateActive {
			return conflict("The operation cannot be performed at this time. The function is currently in the following state: %s", c.State)
		}
		return lambdaError(http.StatusInternalServerError, "ServiceException", "", "gatehouse runs no Lambda engine in this process.")
	})
}
