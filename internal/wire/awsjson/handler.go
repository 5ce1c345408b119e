package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/wire/jsonbody"
)

// Error codes of the failures this package answers itself.
const (
	codeUnknownOp = "UnknownOperationException"
	codeTooLarge  = "RequestEntityTooLarge"
)

// contentType is what awsJson 1.1 requests and responses are labelled.
const contentType = "application/x-amz-json-1.1"

// Handler serves one awsJson service.
type Handler struct {
	prefix string // the target prefix and its dot
	ops    api.Table
	log    *slog.Logger
}

// NewHandler returns a handler that dispatches "targetPrefix.OpName" to the op
// of that name. It panics if an op's input is not a pointer to a struct: a
// mistake in a service's table, to be found at start-up.
func NewHandler(targetPrefix string, ops api.Table, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for name, op := range ops {
		if t := reflect.TypeOf(op.NewInput()); t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			panic(fmt.Sprintf("awsjson: op %s: input %s is not a pointer to a struct", name, t))
		}
	}
	return &Handler{prefix: targetPrefix + ".", ops: ops, log: log}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	meta := api.MetaFrom(r.Context())
	if meta.RequestID == "" {
		// Served without the edge (a test, an embedder): every answer still
		// carries an id, and the op sees the same one.
		meta.RequestID = api.NewRequestID()
		r = r.WithContext(api.WithMeta(r.Context(), meta))
	}
	body, e := h.serve(r, meta)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", meta.RequestID)
	if e != nil {
		writeError(w, e)
		return
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// serve dispatches, decodes, calls and encodes. It writes nothing, so that a
// panic anywhere in it can still be answered with one clean error.
func (h *Handler) serve(r *http.Request, meta api.Meta) (body []byte, e *api.Error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("operation panicked", "request_id", meta.RequestID,
				"target", r.Header.Get("X-Amz-Target"), "panic", p, "stack", string(debug.Stack()))
			body, e = nil, api.Internal(errors.New("internal error"))
		}
	}()
	op, in, e := h.decodeRequest(r)
	if e != nil {
		return nil, e
	}
	out, err := op.Call(r.Context(), in)
	if err != nil {
		e := api.AsError(err)
		if e.Server {
			h.log.Error("operation failed", "op", op.Name, "request_id", meta.RequestID, "err", err)
		}
		return nil, e
	}
	if body, err = encodeOutput(out); err != nil {
		h.log.Error("output not encodable", "op", op.Name, "request_id", meta.RequestID, "err", err)
		return nil, api.Internal(err)
	}
	return body, nil
}

// decodeRequest finds the op r names and decodes its input. It is everything
// this package does with untrusted bytes before an op runs.
func (h *Handler) decodeRequest(r *http.Request) (api.Op, any, *api.Error) {
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, h.prefix)
	op, found := h.ops[name]
	switch {
	case target == "":
		return api.Op{}, nil, api.BadRequest(codeUnknownOp, "The request names no operation: the X-Amz-Target header is missing.")
	case !ok || !found:
		return api.Op{}, nil, api.BadRequest(codeUnknownOp, "gatehouse has no operation %q.", target)
	case r.Method != http.MethodPost:
		return api.Op{}, nil, api.BadRequest(codeUnknownOp, "%s is served to POST requests only, not %s.", target, r.Method)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return api.Op{}, nil, api.Errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "Request body is larger than %d bytes.", tooBig.Limit)
		}
		return api.Op{}, nil, api.BadRequest(jsonbody.CodeSerialization, "The request body could not be read: %v", err)
	}
	in := op.NewInput()
	if e := jsonbody.Decode(body, in); e != nil {
		return api.Op{}, nil, e
	}
	return op, in, nil
}

// encodeOutput renders out as the response body. awsJson always answers with
// an object, so an output without members, or none at all, is {}.
func encodeOutput(out any) ([]byte, error) {
	v := reflect.ValueOf(out)
	if !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return []byte("{}"), nil
	}
	return marshal(out)
}

// errorBody is the one error shape. The SDKs take the code from __type
// (stripping any "namespace#" prefix) and the message from "Message", which
// is how Cloud Map's model spells it.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
}

// Refuse answers a request the edge turned away (a refused signature, a
// spent body budget) with e, in this family's error shape.
func (h *Handler) Refuse(w http.ResponseWriter, r *http.Request, e *api.Error) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", api.MetaFrom(r.Context()).RequestID)
	writeError(w, e)
}

// writeError is the family's one error encoder; the caller has set the
// content type and request id.
func writeError(w http.ResponseWriter, e *api.Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
		if e.Server {
			status = http.StatusInternalServerError
		}
	}
	body, _ := marshal(errorBody{Type: e.Code, Message: e.Message})
	w.WriteHeader(status)
	w.Write(body)
}

// marshal encodes v without escaping <, > and &, which AWS's JSON leaves as
// they are.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
