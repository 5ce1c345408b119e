package query

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"gatehouse/internal/api"
)

// Flavor is what differs between EC2's Query dialect and awsQuery.
type Flavor struct {
	// EC2 selects EC2's dialect.
	EC2 bool
	// Version is the API version ("2016-11-15"), XMLNS the response
	// namespace.
	Version, XMLNS string
}

// Handler serves one Query service.
type Handler struct {
	flavor Flavor
	ops    api.Table
	log    *slog.Logger
}

// NewHandler returns a handler that dispatches by Action to ops.
func NewHandler(f Flavor, ops api.Table, log *slog.Logger) *Handler {
	return &Handler{flavor: f, ops: ops, log: log}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	meta := api.MetaFrom(r.Context())
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("operation panicked", "request_id", meta.RequestID, "panic", p)
			h.writeError(w, meta, api.Internal(fmt.Errorf("internal error")))
		}
	}()
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.writeError(w, meta, api.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is larger than %d bytes.", tooBig.Limit))
			return
		}
		h.writeError(w, meta, api.BadRequest("MalformedQueryString", "The query string or form body could not be parsed: %v", err))
		return
	}
	action := r.Form.Get("Action")
	if action == "" {
		h.writeError(w, meta, api.BadRequest("MissingAction", "The request must contain the parameter Action"))
		return
	}
	op, ok := h.ops[action]
	if !ok {
		h.writeError(w, meta, api.BadRequest("InvalidAction", "The action %s is not valid for this web service.", action))
		return
	}
	in := op.NewInput()
	if err := Decode(r.Form, in, !h.flavor.EC2); err != nil {
		h.writeError(w, meta, h.decodeFailure(err))
		return
	}
	if h.flavor.EC2 && r.Form.Get("DryRun") == "true" {
		h.writeError(w, meta, api.Errorf(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."))
		return
	}
	out, err := op.Call(r.Context(), in)
	if err != nil {
		e := api.AsError(err)
		if e.Server {
			h.log.Error("operation failed", "action", action, "request_id", meta.RequestID, "err", err)
		}
		h.writeError(w, meta, e)
		return
	}
	h.writeResult(w, meta, action, out)
}

// decodeFailure maps a decoding problem to each flavour's error code.
func (h *Handler) decodeFailure(err error) *api.Error {
	var de *decodeError
	if !errors.As(err, &de) {
		return api.Internal(err)
	}
	switch {
	case h.flavor.EC2 && de.Missing:
		return api.BadRequest("MissingParameter", "The request must contain the parameter %s", de.Param)
	case h.flavor.EC2:
		return api.BadRequest("InvalidParameterValue", "Value (%s) for parameter %s is invalid.", de.Value, de.Param)
	case de.Missing:
		return api.BadRequest("ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(de.Param))
	default:
		return api.BadRequest("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have a valid value", de.Value, lowerFirst(de.Param))
	}
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

func (h *Handler) writeResult(w http.ResponseWriter, meta api.Meta, action string, out any) {
	fields, err := innerXML(out)
	if err != nil {
		h.writeError(w, meta, api.Internal(err))
		return
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString("<" + action + `Response xmlns="` + h.flavor.XMLNS + `">`)
	if h.flavor.EC2 {
		// EC2 puts the request id and the output's fields side by side under
		// the response element.
		buf.WriteString("<requestId>" + meta.RequestID + "</requestId>")
		buf.Write(fields)
	} else {
		buf.WriteString("<" + action + "Result>")
		buf.Write(fields)
		buf.WriteString("</" + action + "Result>")
		buf.WriteString("<ResponseMetadata><RequestId>" + meta.RequestID + "</RequestId></ResponseMetadata>")
	}
	buf.WriteString("</" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("x-amzn-RequestId", meta.RequestID)
	w.Write(buf.Bytes())
}

// innerXML encodes the fields of out without an element of its own.
func innerXML(out any) ([]byte, error) {
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"x"`
		V       any
	}{V: out})
	if err != nil {
		return nil, err
	}
	// The wrapper renders as <x><V>fields</V></x>.
	b = bytes.TrimPrefix(b, []byte("<x><V>"))
	b = bytes.TrimSuffix(b, []byte("</V></x>"))
	if bytes.Equal(b, []byte("<x></x>")) {
		return nil, nil
	}
	return b, nil
}

type ec2ErrorEnvelope struct {
	XMLName   xml.Name   `xml:"Response"`
	Errors    []ec2Error `xml:"Errors>Error"`
	RequestID string     `xml:"RequestID"`
}

type ec2Error struct {
	Code    string
	Message string
}

type queryErrorEnvelope struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	XMLNS   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// Refuse answers a request the edge turned away (a refused signature, a
// spent body budget) with e, in this family's error shape.
func (h *Handler) Refuse(w http.ResponseWriter, r *http.Request, e *api.Error) {
	h.writeError(w, api.MetaFrom(r.Context()), e)
}

// writeError is the family's one error encoder.
func (h *Handler) writeError(w http.ResponseWriter, meta api.Meta, e *api.Error) {
	var body any
	if h.flavor.EC2 {
		body = ec2ErrorEnvelope{Errors: []ec2Error{{Code: e.Code, Message: e.Message}}, RequestID: meta.RequestID}
	} else {
		env := queryErrorEnvelope{XMLNS: h.flavor.XMLNS, RequestID: meta.RequestID}
		env.Error.Type = "Sender"
		if e.Server {
			env.Error.Type = "Receiver"
		}
		env.Error.Code, env.Error.Message = e.Code, e.Message
		body = env
	}
	out, _ := xml.Marshal(body)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("x-amzn-RequestId", meta.RequestID)
	w.WriteHeader(e.Status)
	w.Write([]byte(xml.Header))
	w.Write(out)
}
