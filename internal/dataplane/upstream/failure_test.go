package upstream_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/dial"
)

// alb makes an internal ALB in the fixture's subnets with a listener on 80
// forwarding to tg, and returns its ARN.
func (f *fixture) alb(t testing.TB, name string, tg *string) string {
	t.Helper()
	lb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: f.subnets, SecurityGroups: []string{f.albGroup}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg}}}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
}

func TestALBAnswersForBrokenTargets(t *testing.T) {
	f := newFixture(t)
	empty := f.targetGroup(t, "empty")
	down := f.targetGroup(t, "down", refusing(t))
	balancers := map[string]string{"empty": f.alb(t, "alb-empty", empty), "down": f.alb(t, "alb-down", down)}
	compiled := f.compile(t)
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}

	for name, want := range map[string]int{"empty": 503, "down": 502} {
		code, body := get(t, fw, compiled[balancers[name]], "/", nil)
		if code != want || !containsAll(body, "<html>", "<center><h1>") {
			t.Errorf("%s: ALB answered %d %q, want its own %d page", name, code, body, want)
		}
	}
}

func TestDeniedHopTimesOutAtTheALB(t *testing.T) {
	f := newFixture(t)
	port := backend(t, "app")
	// The target's interface admits nothing: its group has no ingress rule.
	g, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: aws.String(f.vpc)})
	if err != nil {
		t.Fatal(err)
	}
	f.ownWith(t, aws.ToString(g.GroupId), "10.0.1.10")
	tg := f.targetGroup(t, "app", port)
	arn := f.alb(t, "alb", tg)
	b := f.compile(t)[arn]
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}

	done := make(chan result, 1)
	armed := f.srv.Clock.Pending() // health checks hold timers too
	go func() {
		req := httptest.NewRequest("GET", "http://alb/", nil)
		resp, _, err := fw.RoundTrip(req, b, upstream.Hop{Port: 80})
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{code: resp.StatusCode}
	}()
	// The ALB waits out its ten-second connect timeout on the clock.
	for f.srv.Clock.Pending() == armed {
		time.Sleep(time.Millisecond) // until the request has armed its timer
	}
	f.srv.Clock.Advance(10 * time.Second)
	if r := <-done; r.err != nil || r.code != 504 {
		t.Fatalf("denied hop = %d, %v; want the ALB's 504", r.code, r.err)
	}

	// Admitting the ALB's group fixes it after a recompile.
	if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId,
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(int32(port)), ToPort: aws.Int32(int32(port)),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(f.albGroup)}}}}}); err != nil {
		t.Fatal(err)
	}
	b = f.compile(t)[b.ARN]
	if code, body := get(t, fw, b, "/ok", nil); code != 200 || !containsAll(body, "app /ok") {
		t.Fatalf("after admitting the ALB: %d %q", code, body)
	}
}

// healthOf is a fixed health answer for unit tests.
type healthOf map[string]bool

func (h healthOf) Healthy(_ string, id string, _ int) bool { return h[id] }

func TestHealthyTargetsOnlyThenFailOpen(t *testing.T) {
	f := newFixture(t)
	tg := f.targetGroup(t, "app", backend(t, "a"), backend(t, "b"))
	arn := f.alb(t, "alb", tg)
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}

	b := f.compileWith(t, healthOf{"10.0.1.11": true})[arn]
	for i := 0; i < 10; i++ {
		if _, body := get(t, fw, b, "/", nil); !containsAll(body, "b /") {
			t.Fatalf("request went to an unhealthy target: %q", body)
		}
	}
	b = f.compileWith(t, healthOf{})[arn]
	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		_, body := get(t, fw, b, "/", nil)
		seen[body[:1]] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Fatalf("with no healthy target the ALB must fail open to all: %v", seen)
	}
}

func TestNLBFlowsAndClientAddress(t *testing.T) {
	f := newFixture(t)
	out, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), VpcId: aws.String(f.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	tg := out.TargetGroups[0].TargetGroupArn
	f.own(t, "10.0.1.10", "10.0.1.11")
	if _, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg, Targets: []types.TargetDescription{
		{Id: aws.String("10.0.1.10"), Port: aws.Int32(int32(backend(t, "x")))}, {Id: aws.String("10.0.1.11"), Port: aws.Int32(int32(backend(t, "y")))}}}); err != nil {
		t.Fatal(err)
	}
	lb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: f.subnets})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Protocol: types.ProtocolEnumTcp, Port: aws.Int32(443), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg}}}); err != nil {
		t.Fatal(err)
	}
	b := f.compile(t)[aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)]
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}

	// One flow always lands on one target.
	first := ""
	for i := 0; i < 5; i++ {
		req := httptest.NewRequest("GET", "http://nlb/p", nil)
		req.RemoteAddr = "10.0.1.200:40000"
		resp, target, err := fw.RoundTrip(req, b, upstream.Hop{Port: 443, Client: netip.MustParseAddr("10.0.1.200")})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if first == "" {
			first = target.ID
		} else if target.ID != first {
			t.Fatalf("flow moved from %s to %s", first, target.ID)
		}
	}
	// No listener on the port: refused, as a TCP reset.
	_, _, err = fw.RoundTrip(httptest.NewRequest("GET", "http://nlb/", nil), b, upstream.Hop{Port: 80})
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Fault != upstream.Refused {
		t.Fatalf("no listener: %v, want a Refused fault", err)
	}
	// A denied hop drops the flow: the caller waits for its own deadline.
	if _, err := f.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(f.appGroup), IpPermissions: openVPC}); err != nil {
		t.Fatal(err)
	}
	b = f.compile(t)[b.ARN]
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, _, err = fw.RoundTrip(httptest.NewRequest("GET", "http://nlb/", nil).WithContext(dctx), b, upstream.Hop{Port: 443})
	if !errors.As(err, &ue) || ue.Fault != upstream.Dropped {
		t.Fatalf("denied hop: %v, want a Dropped fault", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestALBBehindNLB: an NLB whose target group has type alb hands the
// request to the ALB, whose rules pick the real target.
func TestALBBehindNLB(t *testing.T) {
	f := newFixture(t)
	albARN := f.alb(t, "inner", f.targetGroup(t, "app", backend(t, "app")))
	out, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("to-alb"), Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), VpcId: aws.String(f.vpc), TargetType: types.TargetTypeEnumAlb})
	if err != nil {
		t.Fatal(err)
	}
	tg := out.TargetGroups[0].TargetGroupArn
	if _, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg, Targets: []types.TargetDescription{{Id: aws.String(albARN), Port: aws.Int32(80)}}}); err != nil {
		t.Fatal(err)
	}
	nlb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("outer"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: f.subnets})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg}}}); err != nil {
		t.Fatal(err)
	}
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}
	nlbARN := aws.ToString(nlb.LoadBalancers[0].LoadBalancerArn)

	// The ALB's group admits nothing yet: the NLB's flow is dropped, and the
	// caller gives up at its own deadline.
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, _, err = fw.RoundTrip(httptest.NewRequest("GET", "http://nlb/", nil).WithContext(dctx), f.compile(t)[nlbARN], upstream.Hop{Port: 80})
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Fault != upstream.Dropped {
		t.Fatalf("NLB -> ALB without an ingress rule: %v, want a Dropped fault", err)
	}
	// Admitting the NLB's subnets lets the flow through.
	if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(f.albGroup),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}}); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, fw, f.compile(t)[nlbARN], "/through", nil); code != 200 || !strings.HasPrefix(body, "app /through") {
		t.Fatalf("NLB -> ALB -> target = %d %q", code, body)
	}
	_, err = f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(albARN)})
	if err == nil || !strings.Contains(err.Error(), "ResourceInUse") {
		t.Fatalf("deleting an ALB that is an NLB's target: %v, want ResourceInUse", err)
	}
}

// A hop a security group drops holds the request on the forwarder's clock:
// until the caller's deadline, or through an ALB until its connect timeout
// when that comes first. Moving the clock ends the wait, so no test (and
// no answer) waits on the wall clock for a modeled drop; the guard counts
// the request once it is held.
func TestDroppedHopIsHeldOnTheClock(t *testing.T) {
	f := newFixture(t)
	closed, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("closed"), Description: aws.String("closed"), VpcId: aws.String(f.vpc)})
	if err != nil {
		t.Fatal(err)
	}
	f.ownWith(t, aws.ToString(closed.GroupId), "10.0.1.10")
	alb := f.alb(t, "alb", f.targetGroup(t, "app", backend(t, "app")))
	out, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), VpcId: aws.String(f.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: out.TargetGroups[0].TargetGroupArn,
		Targets: []types.TargetDescription{{Id: aws.String("10.0.1.10"), Port: aws.Int32(int32(backend(t, "x")))}}}); err != nil {
		t.Fatal(err)
	}
	nlb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: f.subnets})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn,
		Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: out.TargetGroups[0].TargetGroupArn}}}); err != nil {
		t.Fatal(err)
	}
	compiled := f.compile(t)
	var g upstream.Guard
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock, Guard: &g}

	for _, tc := range []struct {
		name     string
		lb       string
		deadline time.Duration // the caller's, on the wall clock as well
		advance  time.Duration
		code     int // the ALB's page, or 0 for a Dropped fault
	}{
		{"NLB", aws.ToString(nlb.LoadBalancers[0].LoadBalancerArn), time.Minute, time.Minute, 0},
		{"ALB, caller first", alb, 5 * time.Second, 5 * time.Second, 0},
		{"ALB, connect timeout first", alb, time.Minute, upstream.ConnectTimeout, 504},
	} {
		held := g.Dropped.Load()
		done := make(chan result, 1)
		go func() {
			dctx, cancel := context.WithTimeout(ctx, tc.deadline)
			defer cancel()
			resp, _, err := fw.RoundTrip(httptest.NewRequest("GET", "http://lb/", nil).WithContext(dctx), compiled[tc.lb], upstream.Hop{Port: 80})
			if err != nil {
				done <- result{err: err}
				return
			}
			resp.Body.Close()
			done <- result{code: resp.StatusCode}
		}()
		for g.Dropped.Load() == held {
			select {
			case r := <-done:
				t.Fatalf("%s: answered %+v without being held", tc.name, r)
			case <-time.After(time.Millisecond): // until the request is held
			}
		}
		f.srv.Clock.Advance(tc.advance)
		select {
		case r := <-done:
			var ue *upstream.Error
			if tc.code == 0 && (!errors.As(r.err, &ue) || ue.Fault != upstream.Dropped) || tc.code != 0 && (r.err != nil || r.code != tc.code) {
				t.Errorf("%s: %+v, want %d or a Dropped fault", tc.name, r, tc.code)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still held after the clock passed %v", tc.name, tc.advance)
		}
	}
}

type result struct {
	code int
	err  error
}

// A connect that runs into the caller's deadline fails with a bare "i/o
// timeout", possibly a moment before the caller's context is marked done:
// the caller's timeout answers, not the ALB's 504 page, which only the
// ALB's own connect timeout gives.
func TestALBConnectCutByTheCallersDeadline(t *testing.T) {
	f := newFixture(t)
	arn := f.alb(t, "alb", f.targetGroup(t, "app", backend(t, "app")))
	b := f.compile(t)[arn]
	fw := &upstream.Forwarder{Clock: f.srv.Clock, Transport: roundTrip(func(*http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	})}
	_, _, err := fw.RoundTrip(httptest.NewRequest("GET", "http://alb/", nil).WithContext(lapsed{ctx}), b, upstream.Hop{Port: 80})
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Fault != upstream.TimedOut {
		t.Fatalf("connect cut by the caller's deadline: %v, want a TimedOut fault", err)
	}
	resp, _, err := fw.RoundTrip(httptest.NewRequest("GET", "http://alb/", nil), b, upstream.Hop{Port: 80})
	if err != nil || resp.StatusCode != 504 {
		t.Fatalf("connect timing out on its own: %v %v, want the ALB's 504", resp, err)
	}
}

// lapsed is a context whose deadline has passed and whose timer has not
// yet marked it done.
type lapsed struct{ context.Context }

func (lapsed) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// refusing is a loopback port whose every connection is reset at once, as
// a stopped process's port refuses it. The port stays taken until the
// test ends: a port merely closed could be handed to a backend of another
// test running at the same time (go test runs packages side by side).
func refusing(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refuse(t, ln)
	return ln.Addr().(*net.TCPAddr).Port
}

// refuse resets every connection ln accepts, until the test ends.
func refuse(t *testing.T, ln net.Listener) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
}
