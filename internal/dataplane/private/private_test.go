package private

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
	"gatehouse/internal/usage"
)

// Each API type answers each failure as AWS does: HTTP APIs with 503 for
// all; REST APIs with 504 where the caller ran into the integration
// timeout and a 500 configuration error otherwise.
func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		f          Failure
		http, rest int
		restType   string
	}{
		{LinkDown, 503, 500, "InternalServerErrorException"},
		{Dropped, 503, 504, ""},
		{Refused, 503, 500, "InternalServerErrorException"},
		{NoInstance, 503, 500, "InternalServerErrorException"},
		{TimedOut, 503, 504, ""},
	} {
		if a := HTTP(tc.f); a.Status != tc.http || a.Message != "Service Unavailable" || a.ErrorType != "" {
			t.Errorf("HTTP(%v) = %+v, want %d", tc.f, a, tc.http)
		}
		if a := REST(tc.f); a.Status != tc.rest || a.ErrorType != tc.restType {
			t.Errorf("REST(%v) = %+v, want %d %q", tc.f, a, tc.rest, tc.restType)
		}
	}
	if a := REST(TimedOut); a.Message != "Endpoint request timed out" {
		t.Errorf("REST timeout message %q", a.Message)
	}
}

func TestFailureOf(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	if f := FailureOf(ctx, errors.New("read: connection reset")); f != TimedOut {
		t.Errorf("past the integration timeout: %v, want TimedOut", f)
	}
	if f := FailureOf(context.Background(), errors.New("connection refused")); f != Refused {
		t.Errorf("a plain dial error: %v, want Refused", f)
	}
	// A connect cut by the deadline can fail before the context's timer
	// marks it done, with a bare "i/o timeout".
	if f := FailureOf(lapsed{context.Background()}, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}); f != TimedOut {
		t.Errorf("a dial cut by the deadline: %v, want TimedOut", f)
	}
	if e := transportError(lapsed{context.Background()}, "i1", &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}); e.(*Error).Failure != TimedOut {
		t.Errorf("a Cloud Map dial cut by the deadline: %v, want TimedOut", e)
	}
	if f := FailureOf(ctx, &Error{Failure: LinkDown, Hop: "VPC link"}); f != LinkDown {
		t.Errorf("a path error keeps its failure: %v", f)
	}
	if f := FailureOf(context.Background(), fromUpstream(&upstream.Error{Fault: upstream.Dropped, Hop: "nlb", Err: context.Canceled})); f != Dropped {
		t.Errorf("a balancer's drop: %v, want Dropped", f)
	}
}

// lapsed is a context whose deadline has passed and whose timer has not
// yet marked it done.
type lapsed struct{ context.Context }

func (lapsed) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// A link that is not AVAILABLE fails at once; an idle V2 link is woken
// by the request, a v1 link never is; a way in whose groups deny waits out
// the caller's timeout.
func TestCallFailures(t *testing.T) {
	links := usage.NewLinks()
	env := Env{Links: links}
	req := httptest.NewRequest("GET", "http://x/", nil)
	for _, tc := range []struct {
		link Link
		wake bool
	}{
		{Link{ID: "v2", Status: model.LinkInactive, V2: true}, true},
		{Link{ID: "v2p", Status: model.LinkPending, V2: true}, false},
		{Link{ID: "v1", Status: model.LinkInactive}, false},
	} {
		_, err := (&Path{Link: tc.link}).Call(req, env, time.Time{})
		var pe *Error
		if !errors.As(err, &pe) || pe.Failure != LinkDown {
			t.Fatalf("%+v: %v, want LinkDown", tc.link, err)
		}
		select {
		case id := <-links.Woken():
			if !tc.wake || id != tc.link.ID {
				t.Errorf("%+v woke %s", tc.link, id)
			}
		default:
			if tc.wake {
				t.Errorf("%+v: the request did not wake the link", tc.link)
			}
		}
	}

	b := &upstream.Balancer{Name: "alb", Nodes: []upstream.Node{{ENI: "eni-n"}}}
	p := &Path{Link: Link{ID: "v2", Status: model.LinkAvailable, V2: true}, Balancer: b, Port: 80,
		Entries: []Entry{{ENI: "eni-l", Verdict: network.Verdict{Side: network.SideIngress}}}}
	// The caller waits on the forwarder's clock, until its deadline.
	clk := clocktest.New(time.Unix(0, 0))
	held := Env{Links: links, Forwarder: &upstream.Forwarder{Clock: clk}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := p.Call(req.WithContext(ctx), held, time.Time{})
		done <- err
	}()
	for clk.Pending() == 0 {
		select {
		case err := <-done:
			t.Fatalf("denied way in answered at once: %v", err)
		case <-time.After(time.Millisecond): // until the request is held
		}
	}
	clk.Advance(time.Minute)
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("denied way in: still held after the clock passed the caller's deadline")
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Failure != Dropped {
		t.Fatalf("denied way in: %v, want Dropped at the caller's deadline", err)
	}
	// An AVAILABLE link without ENIs yet has no way in.
	_, err = (&Path{Link: p.Link, Balancer: b}).Call(req, env, time.Time{})
	if !errors.As(err, &pe) || pe.Failure != LinkDown {
		t.Fatalf("no ENIs: %v, want LinkDown", err)
	}
}
