package private

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/usage"
)

// Failure is why a private path could not carry a request.
type Failure uint8

const (
	// LinkDown: the VPC link is not AVAILABLE, or has no ENIs yet.
	LinkDown Failure = iota + 1
	// Dropped: the network dropped the packets (a security group, a
	// network ACL, two unconnected VPCs, an address nobody owns), so the
	// caller waited out its own timeout.
	Dropped
	// Refused: nothing took the connection (no listener on the port, no
	// target to send to, or the target's process is down).
	Refused
	// NoInstance: the Cloud Map service has no healthy instance to send to.
	NoInstance
	// TimedOut: the target accepted but did not answer in time.
	TimedOut
)

var failureText = [...]string{LinkDown: "VPC link is not available", Dropped: "dropped by the network",
	Refused: "connection refused", NoInstance: "no healthy Cloud Map instance", TimedOut: "timed out"}

func (f Failure) String() string {
	if int(f) < len(failureText) && failureText[f] != "" {
		return failureText[f]
	}
	return "failed"
}

// Error is a failed call, with where it failed.
type Error struct {
	Failure Failure
	Hop     string
	Err     error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Hop + ": " + e.Failure.String()
	}
	return e.Hop + ": " + e.Failure.String() + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// The failures that need no detail are shared, so failing allocates
// nothing.
var (
	errLinkDown   = &Error{Failure: LinkDown, Hop: "VPC link"}
	errNoInstance = &Error{Failure: NoInstance, Hop: "Cloud Map"}
	errBadInst    = &Error{Failure: NoInstance, Hop: "Cloud Map", Err: errors.New("instance without AWS_INSTANCE_IPV4 and AWS_INSTANCE_PORT")}
)

// Env is what calling needs besides the path.
type Env struct {
	Forwarder *upstream.Forwarder
	// Transport dials Cloud Map instances (dial.Transport).
	Transport http.RoundTripper
	Links     *usage.Links
}

// Call carries req over the path: the link's state, the way in it takes
// (picked at random, as API Gateway spreads its connections), the
// balancer, and the target. req must be built for this call alone; it is
// rewritten in place. A balancer's own answers (an ALB's 502, 503 and 504
// pages) come back as responses; everything else that fails is an *Error.
func (p *Path) Call(req *http.Request, env Env, now time.Time) (*http.Response, error) {
	switch p.Link.Status {
	case model.LinkAvailable:
	case model.LinkInactive:
		if p.Link.V2 {
			env.Links.Wake(p.Link.ID) // traffic brings an idle link back, in minutes
		}
		return nil, errLinkDown
	default:
		return nil, errLinkDown
	}
	if p.Link.V2 {
		env.Links.Touch(p.Link.ID, now)
	}
	if p.CloudMap != nil {
		return p.CloudMap.call(req, env, now)
	}
	if len(p.Entries) == 0 {
		return nil, errLinkDown
	}
	e := &p.Entries[rand.IntN(len(p.Entries))]
	if !e.Verdict.Allowed {
		return nil, env.dropped(req.Context(), "VPC link -> "+p.Balancer.Name)
	}
	resp, _, err := env.Forwarder.RoundTrip(req, p.Balancer, upstream.Hop{Port: p.Port, Node: e.Node, Client: e.Src.Addr, Flow: rand.Uint64() | 1<<63})
	if err != nil {
		return nil, fromUpstream(err)
	}
	return resp, nil
}

// fromUpstream turns a balancer's failure into the path's.
func fromUpstream(err error) error {
	var ue *upstream.Error
	if !errors.As(err, &ue) {
		return &Error{Failure: Refused, Hop: "balancer", Err: err}
	}
	f := Refused
	switch ue.Fault {
	case upstream.Dropped:
		f = Dropped
	case upstream.TimedOut:
		f = TimedOut
	}
	return &Error{Failure: f, Hop: ue.Hop, Err: ue.Err}
}

// dropped holds the request until the caller gives up, as a client waits
// for packets a security group dropped; the forwarder times the wait.
func (env Env) dropped(ctx context.Context, hop string) error {
	return fromUpstream(env.Forwarder.HoldDropped(ctx, hop, 0))
}

// call picks a healthy instance and dials it directly from one of the
// link's interfaces, by what CloudMapPath settled.
func (cm *CloudMap) call(req *http.Request, env Env, now time.Time) (*http.Response, error) {
	t := cm.pick(now)
	if t == nil || len(cm.Links) == 0 {
		return nil, errNoInstance
	}
	if !t.OK {
		return nil, errBadInst
	}
	if !t.Verdicts[rand.IntN(len(cm.Links))].Allowed {
		return nil, env.dropped(req.Context(), t.hop)
	}
	req.URL.Host = t.Real
	resp, err := env.Transport.RoundTrip(req)
	if err != nil {
		return nil, transportError(req.Context(), t.Instance.ID, err)
	}
	return resp, nil
}

// transportError classifies a failed dial or exchange.
func transportError(ctx context.Context, hop string, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || upstream.DeadlinePassed(ctx) {
		return &Error{Failure: TimedOut, Hop: hop, Err: err}
	}
	return &Error{Failure: Refused, Hop: hop, Err: err}
}
