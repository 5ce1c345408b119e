// Package api holds the leaf types shared by the wire protocols and the
// services: the operation table, the AWS error value, request metadata, and
// AWS-style identifiers. It has no codecs and serves nothing; both sides of the
// wire import it and neither imports the other.
package api

import (
	"context"
	"fmt"
	"net/http"
)

// Error is an AWS error: the code clients switch on, the HTTP status, and the
// message. Services return it; each wire family renders it once, in its own
// shape.
type Error struct {
	Code    string
	Status  int
	Message string
	// Server marks a fault on AWS's side (Type "Receiver" in Query errors).
	Server bool
	// Shape, when set, is the error structure a REST-JSON body carries in
	// place of the family's {"message": ...}: Lambda's errors have members
	// of their own ({"Type":"User","Message":...}, a throttle's Reason),
	// spelled differently from one error to the next.
	Shape any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400 error with the given code.
func BadRequest(code, format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, code, format, args...)
}

// Internal wraps an unexpected failure (a store error, say) as AWS's 500.
func Internal(err error) *Error {
	return &Error{Code: "InternalError", Status: http.StatusInternalServerError, Message: err.Error(), Server: true}
}

// AsError returns err as an *Error, wrapping anything else as an internal
// error. A nil err gives a nil *Error.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return e
	}
	return Internal(err)
}

// Wrap is AsError for functions that return error. Returning AsError's nil
// *Error as an error would give callers a non-nil interface holding a nil
// pointer, so a nil err must come back as a plain nil.
func Wrap(err error) error {
	if e := AsError(err); e != nil {
		return e
	}
	return nil
}

// Meta describes the request being served: who, where, and its id.
type Meta struct {
	RequestID string
	Account   string
	Region    string
	// Caller names the AWS service calling on the user's behalf:
	// "cloudformation" for gatehouse's own stack engine, which may then
	// write the tags AWS reserves for CloudFormation. The edge sets it
	// only for a call that proves it comes from the engine (CallerHeader).
	Caller string
}

// CallerHeader carries the stack engine's key: a secret each gatehouse
// process makes at start and hands only to its own engine, so a client
// that sends the header without it is not taken for CloudFormation.
const CallerHeader = "X-Gatehouse-Caller"

type metaKey struct{}

// WithMeta returns a context carrying m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request metadata carried by ctx.
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}
