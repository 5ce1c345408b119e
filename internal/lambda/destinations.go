package lambda

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// asyncPolicy is how a function's asynchronous invocations are handled
// under one qualifier: its event invoke config, or Lambda's defaults.
type asyncPolicy struct {
	retries              int
	maxAge               time.Duration
	onSuccess, onFailure string
}

// policy reads c (nil: none is set).
func (e *Engine) policy(c *model.FunctionEventInvokeConfig) asyncPolicy {
	p := asyncPolicy{retries: len(e.cfg.RetryDelays), maxAge: MaxEventAge}
	if c == nil {
		return p
	}
	if r := c.MaximumRetryAttempts; r != nil {
		p.retries = max(min(*r, len(e.cfg.RetryDelays)), 0)
	}
	if a := c.MaximumEventAgeInSeconds; a != nil {
		p.maxAge = time.Duration(*a) * time.Second
	}
	p.onSuccess, p.onFailure = c.OnSuccess, c.OnFailure
	return p
}

// expired reports whether ev is too old to be tried at now.
func (p asyncPolicy) expired(ev *model.FunctionEvent, now time.Time) bool {
	return !ev.Received.IsZero() && now.Sub(ev.Received) >= p.maxAge
}

// maxHops is the longest chain of invocation records gatehouse follows:
// functions that are each other's destinations would otherwise call each
// other for ever. Lambda's recursive loop detection stops loops after
// about 16 invocations; gatehouse stops destination chains there too.
const maxHops = 16

// sentRecord is where an event's invocation record went, for the log.
type sentRecord struct {
	destination string
	// id is the destination function's invocation, "" when the
	// destination is a service gatehouse does not deliver to or the
	// chain of records is too long (loop).
	id   string
	loop bool
}

// sendRecord writes Lambda's invocation record of ev, ended with cond,
// as an asynchronous invocation of the destination function cond calls
// for, in the transaction stx that deletes ev. Destinations of other
// services (SQS, SNS, EventBridge, S3) are kept in the config but
// nothing is sent to them: gatehouse has none of those services.
func (e *Engine) sendRecord(stx store.Tx, scope model.Scope, ev *model.FunctionEvent, pol asyncPolicy, cond string,
	now time.Time, res invoke.Result, ran bool) (sentRecord, error) {
	dest := pol.onFailure
	switch cond {
	case condSuccess:
		dest = pol.onSuccess
	case condGone:
		dest = ""
	}
	if dest == "" {
		return sentRecord{}, nil
	}
	sent := sentRecord{destination: dest}
	ref, ok := invoke.ParseFunction(dest)
	if !ok || !strings.HasPrefix(dest, "arn:") {
		return sent, nil
	}
	if ev.Hops+1 >= maxHops {
		sent.loop = true
		return sent, nil
	}
	version := res.ExecutedVersion
	if version == "" {
		version = model.ConfigQualifier(ev.Qualifier)
	}
	rec := invocationRecord{Version: "1.0", Timestamp: now.UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: recordRequest{RequestID: ev.ID, FunctionArn: invoke.FunctionARN(scope.Region, scope.Account, ev.Function, version),
			Condition: cond, ApproximateInvokeCount: ev.Attempts},
		RequestPayload: jsonOrString(ev.Payload)}
	if ran {
		rec.ResponseContext = &recordResponse{StatusCode: http.StatusOK, ExecutedVersion: res.ExecutedVersion, FunctionError: res.FunctionError}
		rec.ResponsePayload = jsonOrString(res.Payload)
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return sent, err
	}
	sent.id = newRequestID()
	tx := model.Tx{Tx: stx, Account: ref.Account, Region: ref.Region}
	return sent, model.Put(tx, &model.FunctionEvent{Function: ref.Name, Qualifier: ref.Qualifier, ID: sent.id,
		Payload: payload, Due: now, Received: now, Hops: ev.Hops + 1})
}

// logRecord says once per event where its invocation record went, or
// that gatehouse does not deliver to that kind of destination.
func (e *Engine) logRecord(sent sentRecord, cond string, attrs []any) {
	switch {
	case sent.destination == "":
	case sent.loop:
		e.log.Warn("lambda asynchronous invocation record not sent: a chain of destinations this long is a recursive loop",
			append(attrs, "condition", cond, "destination", sent.destination, "invocations", maxHops)...)
	case sent.id != "":
		e.log.Info("lambda asynchronous invocation record sent to its destination",
			append(attrs, "condition", cond, "destination", sent.destination, "destinationRequestId", sent.id)...)
	default:
		e.log.Warn("lambda asynchronous invocation record not sent: gatehouse delivers invocation records to Lambda functions only",
			append(attrs, "condition", cond, "destination", sent.destination)...)
	}
}

// invocationRecord is the JSON document Lambda sends a destination.
type invocationRecord struct {
	Version         string          `json:"version"`
	Timestamp       string          `json:"timestamp"`
	RequestContext  recordRequest   `json:"requestContext"`
	RequestPayload  json.RawMessage `json:"requestPayload"`
	ResponseContext *recordResponse `json:"responseContext,omitempty"`
	ResponsePayload json.RawMessage `json:"responsePayload,omitempty"`
}

type recordRequest struct {
	RequestID              string `json:"requestId"`
	FunctionArn            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

type recordResponse struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

// jsonOrString is b as it is when it is JSON, as a JSON string when it
// is not, and null when empty.
func jsonOrString(b []byte) json.RawMessage {
	switch {
	case len(b) == 0:
		return json.RawMessage("null")
	case json.Valid(b):
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}
