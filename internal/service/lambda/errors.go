package lambda

import (
	"fmt"
	"net/http"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/invoke"
)

// Lambda's errors carry a body of their own: the message, under "message"
// or "Message" as each error's shape spells it, and a Type, "User" for the
// caller's mistakes and "Service" for Lambda's.

// errorShape is that body. Only one of the two message members is set.
type errorShape struct {
	Message      string `json:"Message,omitempty"`
	MessageLower string `json:"message,omitempty"`
	Type         string `json:"Type"`
	Reason       string `json:"Reason,omitempty"`
}

// capitalMessage lists the errors whose shape spells the member "Message";
// the others spell it "message".
var capitalMessage = map[string]bool{
	"ResourceNotFoundException": true, "ServiceException": true, "InvalidZipFileException": true,
	"ResourceInUseException": true, "InvalidRuntimeException": true, "CodeSigningConfigNotFoundException": true,
	"EC2AccessDeniedException": true, "EC2ThrottledException": true, "EC2UnexpectedException": true,
	"ENILimitReachedException": true, "KMSAccessDeniedException": true, "KMSDisabledException": true,
	"KMSInvalidStateException": true, "KMSNotFoundException": true, "SnapStartException": true,
	"SnapStartNotReadyException": true, "SnapStartTimeoutException": true, "RecursiveInvocationException": true,
}

// lambdaError is an error with Lambda's body.
func lambdaError(status int, code, reason, format string, args ...any) *api.Error {
	e := api.Errorf(status, code, format, args...)
	shape := errorShape{Type: "User", Reason: reason}
	if status >= 500 {
		shape.Type = "Service"
		e.Server = true
	}
	if capitalMessage[code] {
		shape.Message = e.Message
	} else {
		shape.MessageLower = e.Message
	}
	e.Shape = shape
	return e
}

func invalidParameter(format string, args ...any) error {
	return lambdaError(http.StatusBadRequest, "InvalidParameterValueException", "", format, args...)
}

// notFound is Lambda's answer for a function, version or alias that is
// not there, naming it by its (qualified) ARN.
func notFound(arn string) error {
	return lambdaError(http.StatusNotFound, "ResourceNotFoundException", "", "Function not found: %s", arn)
}

func resourceNotFound(format string, args ...any) error {
	return lambdaError(http.StatusNotFound, "ResourceNotFoundException", "", format, args...)
}

func conflict(format string, args ...any) error {
	return lambdaError(http.StatusConflict, "ResourceConflictException", "", format, args...)
}

func preconditionFailed(format string, args ...any) error {
	return lambdaError(http.StatusPreconditionFailed, "PreconditionFailedException", "", format, args...)
}

// payloadTooLarge is Lambda's answer to an invocation's payload over
// limit bytes.
func payloadTooLarge(limit int) error {
	return lambdaError(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "",
		"Request must be smaller than %d bytes for the InvokeFunction operation", limit)
}

// packageTooLarge is Lambda's answer to a deployment package over the
// 50 MB a request may carry.
func packageTooLarge(op string) error {
	return lambdaError(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "",
		"Request must be smaller than 70167211 bytes for the %s operation", op)
}

// fromInvoke answers an invocation the engine refused as the Lambda API
// does.
func fromInvoke(e *invoke.Error) error {
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return lambdaError(status, e.Code, e.Reason, "%s", e.Message)
}

// validation collects the constraint failures Lambda's front end reports
// together as one ValidationException ("2 validation errors detected:
// ...; ..."), in the order of the input's members.
type validation []string

func (v *validation) add(format string, args ...any) {
	*v = append(*v, fmt.Sprintf(format, args...))
}

// pattern records a member that does not match its pattern.
func (v *validation) pattern(value, member, pattern string) {
	v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", value, member, pattern)
}

func (v *validation) atLeast(value int, member string, min int) {
	v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", value, member, min)
}

func (v *validation) atMost(value int, member string, max int) {
	v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", value, member, max)
}

func (v *validation) length(value, member string, max int) {
	v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, max)
}

func (v validation) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return api.BadRequest("ValidationException", "1 validation error detected: %s", v[0])
	}
	return api.BadRequest("ValidationException", "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}
