// Package invoke is the contract between what invokes a Lambda function
// (the Lambda API's Invoke, the data plane's integrations, authorizers and
// ALB targets) and the engine that runs it; and the names both sides
// parse: function names and ARNs, and API Gateway's Lambda integration
// URIs. It is a leaf, so that the data plane need not know the engine.
package invoke

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Invoker runs functions synchronously (InvocationType RequestResponse).
type Invoker interface {
	Invoke(ctx context.Context, req Request) (Result, error)
}

// Queuer takes asynchronous invocations (InvocationType Event), as
// Lambda's Invoke does with a 202: the event is kept for the engine to
// deliver, with its retries, and the caller does not wait for the
// function.
type Queuer interface {
	// Queue checks that the function (and the qualifier) is there, that
	// req.Caller may invoke it and that the payload is JSON within the
	// asynchronous limit, keeps the event, and returns the invocation's
	// request id; a refusal is an *Error, as Lambda answers it. With
	// req.DryRun it checks and keeps nothing (InvocationType DryRun).
	Queue(ctx context.Context, req Request) (string, error)
}

// Request is one invocation.
type Request struct {
	// Account and Region scope a Function given by name; an ARN's own
	// account and region win.
	Account, Region string
	// Function is a name, a partial ARN (123456789012:function:name) or a
	// full ARN, each perhaps with ":qualifier".
	Function string
	// Qualifier is a version or alias; "" uses the one Function names, or
	// $LATEST.
	Qualifier string
	Payload   []byte
	// Tail asks for the last 4 KB of the invocation's log (LogType Tail).
	Tail bool
	// ClientContext is Invoke's X-Amz-Client-Context, base64-encoded JSON
	// about the calling app, which the function's context carries.
	ClientContext string
	// DryRun asks a Queuer to check the invocation only.
	DryRun bool
	// Caller, when set, is a service invoking on a resource's behalf: the
	// function's resource policy must allow it (model.Function.Allows),
	// or the invocation fails with AccessDenied before the function runs.
	Caller *Caller
}

// Caller is the service principal and source a resource policy judges.
type Caller struct {
	Service       string // apigateway.amazonaws.com, elasticloadbalancing.amazonaws.com
	SourceArn     string
	SourceAccount string
}

// Result is what an invocation that ran returned.
type Result struct {
	// Payload is the function's response, or with FunctionError its
	// error document ({"errorMessage": ..., "errorType": ...}).
	Payload []byte
	// FunctionError is "Unhandled" when the function or its runtime
	// failed (X-Amz-Function-Error), "" when it answered.
	FunctionError string
	// LogTail is the last 4 KB of the invocation's log, with Tail.
	LogTail []byte
	// RequestID is the invocation's id, as its log lines carry it.
	RequestID string
	// ExecutedVersion is the version that ran ("$LATEST" or a number).
	ExecutedVersion string
}

// Error is an invocation Lambda refused or could not make, as the Lambda
// API answers it: ResourceNotFoundException (404), AccessDeniedException
// (403), TooManyRequestsException (429), ResourceConflictException (409,
// a function not Active), ServiceException (500), and so on.
type Error struct {
	Status  int
	Code    string
	Message string
	// Reason is TooManyRequestsException's Reason
	// (ReservedFunctionConcurrentInvocationLimitExceeded, ...), or "".
	Reason string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf makes an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// AccessDenied is Lambda's refusal of a service principal whose
// invocation no statement of the function's resource policy allows; arn
// is the function's, qualified as invoked.
func AccessDenied(principal, arn string) *Error {
	return Errorf(http.StatusForbidden, "AccessDeniedException",
		"User: %s is not authorized to perform: lambda:InvokeFunction on resource: %s because no resource-based policy allows the lambda:InvokeFunction action",
		principal, arn)
}

// FunctionRef is a function named by name or ARN, split into its parts;
// Account and Region are "" when the name did not give them.
type FunctionRef struct {
	Partition, Account, Region, Name, Qualifier string
}

// ParseFunction splits what Lambda's FunctionName parameters take: a name
// ("my-function", "my-function:v1"), a partial ARN
// ("123456789012:function:my-function") or a full ARN
// ("arn:aws:lambda:us-west-2:123456789012:function:my-function:prod").
func ParseFunction(s string) (FunctionRef, bool) {
	var ref FunctionRef
	parts := strings.Split(s, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function":
		if len(parts) > 8 {
			return ref, false
		}
		ref = FunctionRef{Partition: parts[1], Region: parts[3], Account: parts[4], Name: parts[6]}
		if len(parts) == 8 {
			ref.Qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		if len(parts) > 4 {
			return ref, false
		}
		ref = FunctionRef{Account: parts[0], Name: parts[2]}
		if len(parts) == 4 {
			ref.Qualifier = parts[3]
		}
	case len(parts) <= 2:
		ref.Name = parts[0]
		if len(parts) == 2 {
			ref.Qualifier = parts[1]
		}
	default:
		return ref, false
	}
	if ref.Name == "" || (len(parts) == 2 || len(parts) == 4 || len(parts) == 8) && ref.Qualifier == "" {
		return ref, false
	}
	return ref, true
}

// FunctionARN is the ARN of the function in account and region, qualified
// when qualifier is not "".
func FunctionARN(region, account, name, qualifier string) string {
	arn := "arn:aws:lambda:" + region + ":" + account + ":function:" + name
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return arn
}

// FromIntegrationURI is the function an API Gateway integration URI
// invokes: "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
// (both API types), or a function ARN itself (HTTP APIs take that too).
func FromIntegrationURI(uri string) (string, bool) {
	if ref, ok := ParseFunction(uri); ok && strings.HasPrefix(uri, "arn:") {
		return FunctionARN(ref.Region, ref.Account, ref.Name, ref.Qualifier), true
	}
	rest, ok := strings.CutPrefix(uri, "arn:")
	if !ok {
		return "", false
	}
	// {partition}:apigateway:{region}:lambda:path/...
	parts := strings.SplitN(rest, ":", 5)
	if len(parts) != 5 || parts[1] != "apigateway" || parts[3] != "lambda" {
		return "", false
	}
	path, ok := strings.CutPrefix(parts[4], "path/2015-03-31/functions/")
	if !ok {
		return "", false
	}
	arn, ok := strings.CutSuffix(path, "/invocations")
	if !ok {
		return "", false
	}
	if ref, ok := ParseFunction(arn); !ok || !strings.HasPrefix(arn, "arn:") || ref.Region == "" {
		return "", false
	}
	return arn, true
}
