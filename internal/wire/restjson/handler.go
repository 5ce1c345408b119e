package restjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"

	"gatehouse/internal/api"
)

// Handler serves one REST-JSON service from its compiled route tree.
type Handler struct {
	root *node
	log  *slog.Logger
}

// NewHandler compiles ops into a route tree and a binding plan per route. It
// panics when an op has no Method and Path, when two ops bind the same
// method, path and literal query, or when an input's tags do not fit its
// path: those are mistakes in a service's table, to be found at start-up.
func NewHandler(ops api.Table, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{root: &node{}, log: log}
	names := make([]string, 0, len(ops))
	for name := range ops {
		names = append(names, name)
	}
	// Sorted, so that a conflict is reported the same way on every start.
	slices.Sort(names)
	for _, name := range names {
		op := ops[name]
		if op.Method == "" || op.Path == "" {
			panic(fmt.Sprintf("restjson: op %s has no Method and Path", name))
		}
		path, rawQuery, _ := strings.Cut(op.Path, "?")
		query, err := url.ParseQuery(rawQuery)
		if err != nil {
			panic(fmt.Sprintf("restjson: op %s: query of %q: %v", name, op.Path, err))
		}
		r := &route{method: op.Method, pattern: op.Path, query: query, op: op}
		if err := h.root.insert(r, path); err != nil {
			panic(fmt.Sprintf("restjson: op %s: %v", name, err))
		}
		if r.plan, err = newPlan(reflect.TypeOf(op.NewInput()), r.labels); err != nil {
			panic(fmt.Sprintf("restjson: op %s: %v", name, err))
		}
	}
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	meta := api.MetaFrom(r.Context())
	if meta.RequestID == "" {
		// Served without the edge (a test, an embedder): every answer still
		// carries an id, and the op sees the same one.
		meta.RequestID = api.NewRequestID()
		r = r.WithContext(api.WithMeta(r.Context(), meta))
	}
	status, header, body, ctype, e := h.serve(r, meta)
	w.Header().Set("X-Amzn-Requestid", meta.RequestID)
	if e != nil {
		writeError(w, e)
		return
	}
	for k, v := range header {
		w.Header().Set(k, v)
	}
	if body != nil {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(status)
	w.Write(body)
}

// serve matches, decodes, calls and encodes. It writes nothing, so that a
// panic anywhere in it can still be answered with one clean error.
func (h *Handler) serve(r *http.Request, meta api.Meta) (status int, header map[string]string, body []byte, ctype string, e *api.Error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("operation panicked", "request_id", meta.RequestID, "method", r.Method,
				"path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			status, header, body, e = 0, nil, nil, api.Internal(errors.New("internal error"))
		}
	}()
	rt, in, e := h.decodeRequest(r)
	if e != nil {
		return 0, nil, nil, "", e
	}
	out, err := rt.op.Call(r.Context(), in)
	if err != nil {
		e := api.AsError(err)
		if e.Server {
			h.log.Error("operation failed", "op", rt.op.Name, "request_id", meta.RequestID, "err", err)
		}
		return 0, nil, nil, "", e
	}
	ctype = "application/json"
	if p, ok := out.(Payload); ok {
		body, ctype = p.Payload()
	} else if body, err = encodeOutput(out); err != nil {
		h.log.Error("output not encodable", "op", rt.op.Name, "request_id", meta.RequestID, "err", err)
		return 0, nil, nil, "", api.Internal(err)
	}
	status = rt.op.Status
	if rs, ok := out.(Response); ok {
		var s int
		if s, header = rs.Response(); s != 0 {
			status = s
		}
	}
	if status == 0 {
		status = http.StatusOK
	}
	return status, header, body, ctype, nil
}

// Payload is an output whose body is a document of its own rather than
// JSON members, as ExportApi's OpenAPI file is: the body goes out as it
// is, with its content type.
type Payload interface {
	Payload() (body []byte, contentType string)
}

// Response is an output whose status and headers depend on the call, as
// Lambda's Invoke answers 200, 202 or 204 by invocation type with
// X-Amz-Function-Error and X-Amz-Log-Result: status 0 keeps the op's own,
// and the headers (named as the API spells them) join the answer.
type Response interface {
	Response() (status int, header map[string]string)
}

// decodeRequest finds the route that serves r and decodes its input. It is
// everything this package does with untrusted bytes before an op runs.
func (h *Handler) decodeRequest(r *http.Request) (*route, any, *api.Error) {
	m := matcher{path: r.URL.EscapedPath(), method: r.Method, rawQuery: r.URL.RawQuery}
	rt := m.find(h.root)
	if rt == nil {
		return nil, nil, unknownOperation(r, &m)
	}
	in := rt.op.NewInput()
	if e := rt.plan.decode(r, &m, in); e != nil {
		return nil, nil, e
	}
	return rt, in, nil
}

// unknownOperation answers a request no route takes. API Gateway has far more
// operations than gatehouse serves, so the answer says which method and path
// found nothing rather than pretending a resource is missing.
func unknownOperation(r *http.Request, m *matcher) *api.Error {
	if m.known != nil {
		return api.Errorf(http.StatusNotFound, codeUnknownOp,
			"gatehouse has no operation for %s %s; this path takes %s.", r.Method, r.URL.Path, allowed(m.known))
	}
	return api.Errorf(http.StatusNotFound, codeUnknownOp, "gatehouse has no operation for %s %s.", r.Method, r.URL.Path)
}

// encodeOutput renders out as the response body, or nil when the output
// shape has no members: AWS answers DeleteVpcLink, say, with no body at all.
func encodeOutput(out any) ([]byte, error) {
	v := reflect.ValueOf(out)
	if !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, nil
	}
	t := reflect.Indirect(v).Type()
	if t.Kind() == reflect.Struct && t.NumField() == 0 {
		return nil, nil
	}
	return marshal(out)
}

// errorBody is the one error shape: the SDKs read the code from the
// x-amzn-ErrorType header and the message from "message" (or "Message").
type errorBody struct {
	Message string `json:"message"`
}

// Refuse answers a request the edge turned away (a refused signature, a
// spent body budget) with e, in this family's error shape.
func (h *Handler) Refuse(w http.ResponseWriter, r *http.Request, e *api.Error) {
	w.Header().Set("X-Amzn-Requestid", api.MetaFrom(r.Context()).RequestID)
	writeError(w, e)
}

// writeError is the family's one error encoder.
func writeError(w http.ResponseWriter, e *api.Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
		if e.Server {
			status = http.StatusInternalServerError
		}
	}
	var body []byte
	if e.Shape != nil {
		body, _ = marshal(e.Shape)
	} else {
		body, _ = marshal(errorBody{Message: e.Message})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.WriteHeader(status)
	w.Write(body)
}

// marshal encodes v without escaping <, > and &, which AWS's JSON leaves as
// they are (policy documents and messages are full of them).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
