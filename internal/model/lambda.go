package model

import (
	"strings"
	"time"

	"gatehouse/internal/wildcard"
)

// Function is a Lambda function: its unpublished version ($LATEST), of
// which published versions are frozen copies, and what belongs to the
// function as a whole (its resource policy, reserved concurrency, tags).
type Function struct {
	Name string
	// ARN is the unqualified function ARN.
	ARN    string
	Config FunctionConfig
	// Policy is the function's resource-based policy, each statement with
	// the qualifier it was added for ("" for the unqualified function).
	Policy []PermissionStatement `json:",omitempty"`
	// PolicyRevision changes with every change of Policy (GetPolicy's
	// RevisionId).
	PolicyRevision string `json:",omitempty"`
	// ReservedConcurrency is PutFunctionConcurrency's value; nil when the
	// function draws on the account's unreserved pool.
	ReservedConcurrency *int `json:",omitempty"`
	// LastVersion is the number of the last published version (0: none).
	LastVersion int  `json:",omitempty"`
	Tags        Tags `json:",omitempty"`
}

func (Function) Kind() string  { return "lambda-function" }
func (f Function) Key() string { return f.Name }

// FunctionConfig is one version's configuration and code, as
// GetFunctionConfiguration reports it.
type FunctionConfig struct {
	// Version is "$LATEST" or a published version's number.
	Version     string
	Runtime     string `json:",omitempty"` // "" for an OS-only runtime's image; zip functions name one
	Handler     string `json:",omitempty"`
	Role        string
	Description string            `json:",omitempty"`
	Environment map[string]string `json:",omitempty"`
	// Timeout is in seconds, MemorySize in MB, EphemeralStorage in MB.
	Timeout          int
	MemorySize       int
	EphemeralStorage int
	Architectures    []string
	PackageType      string
	// CodeSha256 is the base64 SHA-256 of the deployment package, as
	// Lambda reports it; CodeID names the unpacked code in the engine's
	// code store; CodeSize is the package's size in bytes.
	CodeSha256   string
	CodeID       string
	CodeSize     int64
	RevisionID   string
	LastModified time.Time
	// State is Pending, Active, Inactive or Failed; LastUpdateStatus is
	// InProgress, Successful or Failed, and "" for a new function until
	// it is first Active, as Lambda reports none before. The reasons are
	// "" when there is nothing to explain.
	State                      string
	StateReason                string `json:",omitempty"`
	StateReasonCode            string `json:",omitempty"`
	LastUpdateStatus           string
	LastUpdateStatusReason     string `json:",omitempty"`
	LastUpdateStatusReasonCode string `json:",omitempty"`
}

// FunctionVersion is a published version: a frozen copy of the function's
// configuration and code. Keyed "function/version".
type FunctionVersion struct {
	Function string
	ARN      string // qualified with the version number
	Config   FunctionConfig
}

func (FunctionVersion) Kind() string  { return "lambda-version" }
func (v FunctionVersion) Key() string { return v.Function + "/" + v.Config.Version }

// FunctionAlias names a version of a function. Keyed "function/alias".
type FunctionAlias struct {
	Function        string
	Name            string
	ARN             string
	FunctionVersion string
	Description     string `json:",omitempty"`
	// Weights send a share of invocations to other versions (the
	// alias's RoutingConfig.AdditionalVersionWeights).
	Weights    map[string]float64 `json:",omitempty"`
	RevisionID string
}

func (FunctionAlias) Kind() string  { return "lambda-alias" }
func (a FunctionAlias) Key() string { return a.Function + "/" + a.Name }

// PermissionStatement is one statement of a function's resource-based
// policy, as AddPermission made it.
type PermissionStatement struct {
	Sid string
	// Qualifier is the version or alias the statement was added for; ""
	// for the unqualified function.
	Qualifier string `json:",omitempty"`
	Action    string
	// Principal is a service ("apigateway.amazonaws.com"), an account id,
	// an ARN, or "*".
	Principal        string
	SourceArn        string `json:",omitempty"`
	SourceAccount    string `json:",omitempty"`
	PrincipalOrgID   string `json:",omitempty"`
	EventSourceToken string `json:",omitempty"`
	// FunctionURLAuthType is kept for lambda:InvokeFunctionUrl statements.
	FunctionURLAuthType string `json:",omitempty"`
}

// FunctionCaller is who invokes a function on another service's behalf,
// for the resource policy to judge: API Gateway or Elastic Load Balancing
// with the ARN of what calls (an execute-api ARN, a target group ARN) and
// the account that owns it.
type FunctionCaller struct {
	Service       string // "apigateway.amazonaws.com"
	SourceArn     string
	SourceAccount string
}

// Allows reports whether the function's policy lets caller invoke it
// through qualifier ("" or "$LATEST" for the unqualified function, else a
// version or alias), and the Sid of the statement that does. A statement
// applies only to invocations under the qualifier it was added for, as on
// Lambda; SourceArn is matched as IAM's ArnLike does (* and ?).
func (f *Function) Allows(caller FunctionCaller, qualifier string) (string, bool) {
	if qualifier == "$LATEST" {
		qualifier = ""
	}
	for _, s := range f.Policy {
		sq := s.Qualifier
		if sq == "$LATEST" {
			sq = ""
		}
		if sq != qualifier {
			continue
		}
		if !wildcard.Match(s.Action, "lambda:InvokeFunction", true) {
			continue
		}
		if s.Principal != "*" && s.Principal != caller.Service {
			continue
		}
		if s.SourceArn != "" && !arnLike(s.SourceArn, caller.SourceArn) {
			continue
		}
		if s.SourceAccount != "" && s.SourceAccount != caller.SourceAccount {
			continue
		}
		return s.Sid, true
	}
	return "", false
}

// arnLike matches an ARN against a pattern part by part, as IAM's ArnLike
// does: a wildcard within one of the first five parts stays within it.
func arnLike(pattern, arn string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return wildcard.Match(pattern, arn, false)
	}
	for i := range pp {
		if !wildcard.Match(pp[i], ap[i], false) {
			return false
		}
	}
	return true
}

// FunctionEvent is an asynchronous invocation (InvocationType Event) kept
// until it is delivered or has used its attempts, so that a restart loses
// none. Keyed "function/id".
type FunctionEvent struct {
	Function  string
	ID        string // the invocation's request id
	Qualifier string `json:",omitempty"`
	Payload   []byte
	// Attempts made so far, and when the next may start.
	Attempts int
	Due      time.Time
	Received time.Time
	// Refusals counts the tries in a row the engine refused (throttled,
	// not Active) since the last attempt, for the backoff before the
	// next; Due already holds its end, so a restart keeps it.
	Refusals int `json:",omitempty"`
	// Hops counts the invocation records that led to this event: one
	// more than the event whose destination it was.
	Hops int `json:",omitempty"`
}

func (FunctionEvent) Kind() string  { return "lambda-event" }
func (e FunctionEvent) Key() string { return e.Function + "/" + e.ID }

// FunctionEventInvokeConfig is how Lambda handles the asynchronous
// invocations of a function under one qualifier: how often it retries a
// function error, how old an event may grow, and where it sends a record
// of each outcome. Keyed "function/qualifier", the unqualified function
// being "$LATEST".
type FunctionEventInvokeConfig struct {
	Function  string
	Qualifier string
	// Nil where the caller gave none: Lambda's two retries and six hours
	// apply, and the API reports no value.
	MaximumRetryAttempts     *int `json:",omitempty"`
	MaximumEventAgeInSeconds *int `json:",omitempty"`
	// OnSuccess and OnFailure are destination ARNs; "" for none.
	OnSuccess    string `json:",omitempty"`
	OnFailure    string `json:",omitempty"`
	LastModified time.Time
}

func (FunctionEventInvokeConfig) Kind() string  { return "lambda-event-invoke-config" }
func (c FunctionEventInvokeConfig) Key() string { return EventInvokeConfigKey(c.Function, c.Qualifier) }

// EventInvokeConfigKey is the key of function's event invoke config for
// qualifier; the unqualified function's is $LATEST's.
func EventInvokeConfigKey(function, qualifier string) string {
	return function + "/" + ConfigQualifier(qualifier)
}

// ConfigQualifier is the qualifier an event invoke config is kept under:
// qualifier, or $LATEST for none.
func ConfigQualifier(qualifier string) string {
	if qualifier == "" {
		return "$LATEST"
	}
	return qualifier
}
