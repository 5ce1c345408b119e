package private

import (
	"context"
	"errors"
	"net/http"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/sigv4"
)

// Answer is what API Gateway sends its caller when an integration fails.
type Answer struct {
	Status  int
	Message string
	// ErrorType is a REST API's x-amzn-ErrorType, "" when AWS sets none.
	ErrorType string
}

// Body is a's JSON body, {"message":...}, the message escaped.
func (a Answer) Body() string { return upstream.JSONMessage(a.Message) }

// Refusals are one API type's answers to a request for an AWS_IAM route or
// method that upstream.SignedBy refused: the shapes differ by API type,
// which refusal gets which does not.
type Refusals struct {
	// Unsigned answers a request without a signature; TooLarge one whose
	// signed body went past the payload limit; Unread one whose body
	// could not be read whole (a client that stalled or went away).
	Unsigned, TooLarge, Unread Answer
	// Typed: a wrong signature's answer carries the signature error's
	// type (REST's x-amzn-ErrorType).
	Typed bool
}

// Signature is the answer to err, from upstream.SignedBy: a signature
// present but wrong is answered 403 with its own message.
func (rs *Refusals) Signature(err error) Answer {
	var se *sigv4.Error
	switch {
	case errors.As(err, &se) && se.Kind == sigv4.Missing:
		return rs.Unsigned
	case errors.As(err, &se):
		a := Answer{Status: http.StatusForbidden, Message: se.Message}
		if rs.Typed {
			a.ErrorType = se.JSONCode()
		}
		return a
	case errors.Is(err, upstream.ErrTooLarge):
		return rs.TooLarge
	}
	return rs.Unread
}

// FailureOf classifies the error of calling any integration, private or
// not; ctx is the integration request's context, whose deadline is the
// integration timeout.
func FailureOf(ctx context.Context, err error) Failure {
	var e *Error
	if errors.As(err, &e) {
		return e.Failure
	}
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) || upstream.DeadlinePassed(ctx) {
		return TimedOut
	}
	return Refused
}

// httpUnavailable is an HTTP API's answer to every integration failure.
var httpUnavailable = Answer{Status: http.StatusServiceUnavailable, Message: "Service Unavailable"}

// HTTP is an HTTP API's answer to f: AWS answers a connection that failed,
// timed out, was dropped by the network or found the link down with
// 503 Service Unavailable alike.
func HTTP(f Failure) Answer { return httpUnavailable }

// REST is a REST API's answer to f: the integration timeout (which packets
// dropped by the network run into) is 504 "Endpoint request timed
// out"; a link or connection failure is a configuration error, 500.
func REST(f Failure) Answer {
	switch f {
	case Dropped, TimedOut:
		return Answer{Status: http.StatusGatewayTimeout, Message: "Endpoint request timed out"}
	}
	return Answer{Status: http.StatusInternalServerError, Message: "Internal server error", ErrorType: "InternalServerErrorException"}
}
