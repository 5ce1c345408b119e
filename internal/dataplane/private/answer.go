package private

import (
	"context"
	"errors"
	"net/http"

	"gatehouse/internal/dataplane/upstream"
)

// Answer is what API Gateway sends its caller when an integration fails.
type Answer struct {
	Status  int
	Message string
	// ErrorType is a REST API's x-amzn-ErrorType, "" when AWS sets none.
	ErrorType string
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
// timed out, was dropped by a security group or found the link down with
// 503 Service Unavailable alike.
func HTTP(f Failure) Answer { return httpUnavailable }

// REST is a REST API's answer to f: the integration timeout (which packets
// dropped by a security group run into) is 504 "Endpoint request timed
// out"; a link or connection failure is a configuration error, 500.
func REST(f Failure) Answer {
	switch f {
	case Dropped, TimedOut:
		return Answer{Status: http.StatusGatewayTimeout, Message: "Endpoint request timed out"}
	}
	return Answer{Status: http.StatusInternalServerError, Message: "Internal server error", ErrorType: "InternalServerErrorException"}
}
