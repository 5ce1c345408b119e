package health

import "strconv"

// Status is a target's health in AWS's terms. The zero Status means the
// target has not been probed yet; the elbv2 service shows its own initial
// state then.
type Status struct {
	State       string
	Reason      string
	Description string
}

// Target states, as DescribeTargetHealth spells them.
const (
	StateInitial   = "initial"
	StateHealthy   = "healthy"
	StateUnhealthy = "unhealthy"
)

// Reason codes for the states this package sets.
const (
	ReasonInitialChecking  = "Elb.InitialHealthChecking"
	ReasonTimeout          = "Target.Timeout"
	ReasonCodeMismatch     = "Target.ResponseCodeMismatch"
	ReasonFailedChecks     = "Target.FailedHealthChecks"
	descInitialChecking    = "Initial health checks in progress"
	descTimeout            = "Request timed out"
	descFailedHealthChecks = "Health checks failed"
)

// The statuses that never vary are shared, so recording them allocates
// nothing.
var (
	statusHealthy = &Status{State: StateHealthy}
	statusInitial = &Status{State: StateInitial, Reason: ReasonInitialChecking, Description: descInitialChecking}
	statusTimeout = &Status{State: StateUnhealthy, Reason: ReasonTimeout, Description: descTimeout}
	statusFailed  = &Status{State: StateUnhealthy, Reason: ReasonFailedChecks, Description: descFailedHealthChecks}
)

// codeMismatch is the status for a response whose code the matcher refused.
func codeMismatch(code int) *Status {
	return &Status{State: StateUnhealthy, Reason: ReasonCodeMismatch,
		Description: "Health checks failed with these codes: [" + strconv.Itoa(code) + "]"}
}
