package health

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

func TestTargetBecomesHealthyAfterThreshold(t *testing.T) {
	w := newWorld(t)
	var seen atomic.Pointer[http.Request]
	b := newBackend(t, func(rw http.ResponseWriter, r *http.Request) {
		seen.Store(r)
		rw.WriteHeader(http.StatusOK)
	})
	w.put(appENI("eni-app", "10.0.1.15", "sg-app"),
		webGroup(model.Target{ID: "10.0.1.15", Port: b.port}),
		forward(webListener, albARN, 80, webTG))

	w.rounds(0)
	w.want(webTG, "10.0.1.15", b.port, "", "")
	for i := 1; i < 3; i++ {
		w.rounds(1)
		w.want(webTG, "10.0.1.15", b.port, StateInitial, ReasonInitialChecking)
	}
	if w.chk.Table().Healthy(webTG, "10.0.1.15", b.port) {
		t.Fatal("healthy before the threshold")
	}
	w.rounds(1)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "")
	if !w.chk.Table().Healthy(webTG, "10.0.1.15", b.port) {
		t.Fatal("Healthy disagrees with TargetHealth")
	}
	r := seen.Load()
	if r.URL.Path != "/health" || r.Method != http.MethodGet || r.Host != "10.0.1.15:"+itoa(b.port) ||
		r.UserAgent() != "ELB-HealthChecker/2.0" {
		t.Errorf("probe was %s %s Host=%s UA=%q", r.Method, r.URL.Path, r.Host, r.UserAgent())
	}
	if w.chk.Rounds() != 3 {
		t.Errorf("Rounds() = %d, want 3", w.chk.Rounds())
	}
}

func TestStoppedBackendGoesUnhealthyAndComesBack(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	w.put(appENI("eni-app", "10.0.1.15", "sg-app"),
		webGroup(model.Target{ID: "10.0.1.15", Port: b.port}),
		forward(webListener, albARN, 80, webTG))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "")

	b.stop()
	w.rounds(1)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "") // one failure is below the threshold
	w.rounds(1)
	w.want(webTG, "10.0.1.15", b.port, StateUnhealthy, ReasonFailedChecks)

	b.restart()
	w.rounds(2)
	w.want(webTG, "10.0.1.15", b.port, StateUnhealthy, ReasonFailedChecks)
	w.rounds(1)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "")
}

func TestResponseCodes(t *testing.T) {
	w := newWorld(t)
	sick := newBackend(t, func(rw http.ResponseWriter, r *http.Request) { rw.WriteHeader(http.StatusServiceUnavailable) })
	moved := newBackend(t, func(rw http.ResponseWriter, r *http.Request) { http.Redirect(rw, r, "/elsewhere", http.StatusFound) })
	tg := webGroup(model.Target{ID: "10.0.1.15", Port: sick.port}, model.Target{ID: "10.0.1.16", Port: moved.port})
	tg.HealthCheck.Matcher = "200,302"
	w.put(appENI("eni-app", "10.0.1.15", "sg-app"), appENI("eni-app2", "10.0.1.16", "sg-app"), tg,
		forward(webListener, albARN, 80, webTG))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", sick.port, StateUnhealthy, ReasonCodeMismatch)
	if got := w.chk.Table().TargetHealth(webTG, "10.0.1.15", sick.port).Description; got != "Health checks failed with these codes: [503]" {
		t.Errorf("description %q", got)
	}
	// The redirect is an answer, not something to follow.
	w.want(webTG, "10.0.1.16", moved.port, StateHealthy, "")
}

func TestSecurityGroupDropsChecksBeforeAnyConnection(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	w.put(appENI("eni-app", "10.0.1.15", "sg-closed"),
		webGroup(model.Target{ID: "10.0.1.15", Port: b.port}),
		forward(webListener, albARN, 80, webTG))
	w.rounds(2)
	w.want(webTG, "10.0.1.15", b.port, StateUnhealthy, ReasonTimeout)
	if n := b.accepted(); n != 0 {
		t.Fatalf("a denied hop reached the backend %d times", n)
	}
	// Admitting the balancer's group is all it takes.
	w.put(&model.SecurityGroup{ID: "sg-closed", VpcID: "vpc-1",
		Ingress: []model.Rule{{Protocol: "tcp", FromPort: b.port, ToPort: b.port, GroupID: "sg-alb"}}})
	w.rounds(3)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "")
}

// An NLB without security groups is matched by its nodes' addresses: a
// target that admits only one of its subnets fails the other node's checks.
func TestNLBWithoutGroupsNeedsEverySubnetAdmitted(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	tg := &model.TargetGroup{ARN: tcpTG, Name: "tcp", Protocol: "TCP", Port: 80, VpcID: "vpc-1", TargetType: "ip",
		HealthCheck: model.HealthCheck{Enabled: true, Protocol: "TCP", Port: "traffic-port",
			IntervalSeconds: 10, TimeoutSeconds: 5, HealthyThreshold: 2, UnhealthyThreshold: 2},
		Targets: []model.Target{{ID: "10.0.1.20", Port: b.port}}}
	w.put(appENI("eni-tcp", "10.0.1.20", "sg-nlb-a"), tg, forward(nlbListener, nlbARN, 80, tcpTG))
	w.rounds(2)
	w.want(tcpTG, "10.0.1.20", b.port, StateUnhealthy, ReasonTimeout)
	if n := b.accepted(); n != 0 {
		t.Fatalf("a denied hop reached the backend %d times", n)
	}
	w.put(&model.SecurityGroup{ID: "sg-nlb-a", VpcID: "vpc-1",
		Ingress: []model.Rule{{Protocol: "tcp", FromPort: 0, ToPort: 65535, CidrIPv4: "10.0.0.0/16"}}})
	w.rounds(2)
	w.want(tcpTG, "10.0.1.20", b.port, StateHealthy, "")
	if n := b.accepted(); n != 2 {
		t.Errorf("TCP checks opened %d connections, want 2", n)
	}
}

// An address in the VPC that no interface (nor instance) owns answers
// nothing: its checks time out without a connection, as on AWS. An address
// beyond the VPC registered for all zones has no groups of its own, so
// nothing on its side filters; the ALB's egress still applies.
func TestTargetWithoutInterface(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	w.put(webGroup(model.Target{ID: "10.0.1.99", Port: b.port}, model.Target{ID: "192.168.40.9", Port: b.port, AvailabilityZone: "all"}),
		forward(webListener, albARN, 80, webTG))
	w.rounds(3)
	w.want(webTG, "10.0.1.99", b.port, StateUnhealthy, ReasonTimeout)
	w.want(webTG, "192.168.40.9", b.port, StateHealthy, "")
	if n := b.accepted(); n != 3 {
		t.Errorf("the backend saw %d checks, want the 3 of the outside address alone", n)
	}
	// An interface taking the address makes the target answer.
	w.put(appENI("eni-late", "10.0.1.99", "sg-app"))
	w.rounds(5)
	w.want(webTG, "10.0.1.99", b.port, StateHealthy, "")
}

func TestHostTagSendsChecksElsewhere(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	tagged := appENI("eni-app", "10.0.1.15", "sg-app")
	tagged.Tags = model.Tags{network.HostTag: "localhost"}
	// A host tag naming a modeled private address trips dial's guard.
	private := appENI("eni-bad", "10.0.1.16", "sg-app")
	private.Tags = model.Tags{network.HostTag: "10.0.1.15"}
	w.put(tagged, private, webGroup(model.Target{ID: "10.0.1.15", Port: b.port}, model.Target{ID: "10.0.1.16", Port: b.port}),
		forward(webListener, albARN, 80, webTG))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "")
	w.want(webTG, "10.0.1.16", b.port, StateUnhealthy, ReasonFailedChecks)
	if n := b.accepted(); n != 3 {
		t.Errorf("backend saw %d connections, want 3 (the guarded target's none)", n)
	}
}

func TestOnlyInUseRegisteredTargetsAreChecked(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w.put(appENI("eni-app", "10.0.1.15", "sg-app"),
		webGroup(model.Target{ID: "10.0.1.15", Port: b.port}))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", b.port, "", "") // no listener forwards to the group
	if n := b.accepted(); n != 0 || w.chk.Rounds() != 0 {
		t.Fatalf("an unused group was probed (%d connections, %d rounds)", n, w.chk.Rounds())
	}

	w.put(forward(webListener, albARN, 80, webTG))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "")

	w.put(webGroup(model.Target{ID: "10.0.1.15", Port: b.port, DrainingSince: &since}))
	w.rounds(1)
	w.want(webTG, "10.0.1.15", b.port, "", "")
	conns := b.accepted()
	w.rounds(2)
	if b.accepted() != conns {
		t.Error("a draining target is still probed")
	}

	disabled := webGroup(model.Target{ID: "10.0.1.15", Port: b.port})
	disabled.HealthCheck.Enabled = false
	w.put(disabled)
	w.rounds(2)
	if b.accepted() != conns {
		t.Error("a group with checks disabled is probed")
	}
}

func TestFixedCheckPortAndIntervalChange(t *testing.T) {
	w := newWorld(t)
	traffic := newBackend(t, func(rw http.ResponseWriter, r *http.Request) { rw.WriteHeader(http.StatusInternalServerError) })
	check := newBackend(t, ok)
	tg := webGroup(model.Target{ID: "10.0.1.15", Port: traffic.port})
	tg.HealthCheck.Port = itoa(check.port)
	w.put(appENI("eni-app", "10.0.1.15", "sg-app"), tg, forward(webListener, albARN, 80, webTG))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", traffic.port, StateHealthy, "")
	if traffic.accepted() != 0 {
		t.Error("checks went to the traffic port")
	}

	// A longer interval takes effect: one old interval no longer runs a round.
	tg.HealthCheck.IntervalSeconds = 30
	w.put(tg)
	before := w.chk.Rounds()
	w.rounds(2)
	if got := w.chk.Rounds() - before; got != 0 {
		t.Fatalf("%d rounds in 20s with a 30s interval", got)
	}
	w.rounds(1)
	if got := w.chk.Rounds() - before; got != 1 {
		t.Fatalf("%d rounds in 30s with a 30s interval", got)
	}
}

// albTargets is an NLB's group of type alb holding the ALB on two ports,
// only one of which it listens on.
func albTargets() []model.Record {
	tg := &model.TargetGroup{ARN: albTG, Name: "albs", Protocol: "TCP", Port: 80, VpcID: "vpc-1", TargetType: "alb",
		HealthCheck: model.HealthCheck{Enabled: true, Protocol: "HTTP", Port: "traffic-port", Path: "/health",
			IntervalSeconds: 10, TimeoutSeconds: 6, HealthyThreshold: 2, UnhealthyThreshold: 2, Matcher: "200-399"},
		Targets: []model.Target{{ID: albARN, Port: 80}, {ID: albARN, Port: 8443}}}
	return []model.Record{tg, forward(nlbListener, nlbARN, 80, albTG), forward(webListener, albARN, 80, webTG)}
}

// admitVPC opens the ALB's group to the whole VPC, the NLB's nodes included.
var admitVPC = &model.SecurityGroup{ID: "sg-alb", VpcID: "vpc-1",
	Ingress: []model.Rule{{ID: "sgr-alb-vpc", Protocol: "tcp", FromPort: 0, ToPort: 65535, CidrIPv4: "10.0.0.0/16"}},
	Egress:  []model.Rule{{Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}}}

func TestALBTargetNeedsItsGroupToAdmitTheNLBAndAListener(t *testing.T) {
	w := newWorld(t)
	w.put(albTargets()...)
	w.rounds(2)
	// The ALB's group admits nothing: the NLB's checks are dropped.
	w.want(albTG, albARN, 80, StateUnhealthy, ReasonTimeout)

	w.put(admitVPC)
	w.rounds(2)
	w.want(albTG, albARN, 80, StateHealthy, "")
	w.want(albTG, albARN, 8443, StateUnhealthy, ReasonFailedChecks)
}

// With the data plane wired in, the check goes into the ALB, and its answer
// (its own 502 when its targets are down) decides.
func TestALBTargetIsCheckedThroughTheALB(t *testing.T) {
	var answer atomic.Int32
	answer.Store(200)
	var seen atomic.Value
	w := newWorld(t, func(c *Config) {
		c.ThroughALB = func(arn string, port int, req *http.Request) (*http.Response, error) {
			seen.Store(arn + " " + strconv.Itoa(port) + " " + req.URL.Path + " " + req.Header.Get("User-Agent"))
			return &http.Response{StatusCode: int(answer.Load()), Body: http.NoBody}, nil
		}
	})
	w.put(append(albTargets(), admitVPC)...)
	w.rounds(2)
	w.want(albTG, albARN, 80, StateHealthy, "")
	if got := seen.Load(); got != albARN+" 80 /health ELB-HealthChecker/2.0" {
		t.Fatalf("check sent into the ALB as %q", got)
	}
	answer.Store(502)
	w.rounds(2)
	w.want(albTG, albARN, 80, StateUnhealthy, ReasonCodeMismatch)
	// No listener on the port: refused before the ALB's rules.
	w.want(albTG, albARN, 8443, StateUnhealthy, ReasonFailedChecks)
}

func TestStopCutsProbesShortAndEndsRounds(t *testing.T) {
	w := newWorld(t)
	entered := make(chan struct{})
	var once sync.Once
	b := newBackend(t, func(rw http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered) })
		<-r.Context().Done() // hang until the prober gives up
	})
	tg := webGroup(model.Target{ID: "10.0.1.15", Port: b.port})
	tg.HealthCheck.TimeoutSeconds = 120 // only Stop can end this probe in time
	w.put(appENI("eni-app", "10.0.1.15", "sg-app"), tg, forward(webListener, albARN, 80, webTG))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.chk.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	advanced := make(chan struct{})
	go func() {
		w.clk.Advance(interval) // runs the round, which hangs in the probe
		close(advanced)
	}()
	<-entered
	w.chk.Stop()
	<-advanced // Stop returned only after the round ended
	w.want(webTG, "10.0.1.15", b.port, "", "")
	if n := w.clk.Pending(); n != 0 {
		t.Errorf("%d timers still pending after Stop", n)
	}
	rounds := w.chk.Rounds()
	if err := w.chk.WaitRounds(ctx, rounds+1); err != ErrStopped {
		t.Errorf("WaitRounds after Stop = %v", err)
	}
	w.clk.Advance(10 * interval)
	if w.chk.Rounds() != rounds {
		t.Error("rounds ran after Stop")
	}
}

func TestWaitRounds(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	w.put(webGroup(model.Target{ID: "10.0.1.15", Port: b.port}), forward(webListener, albARN, 80, webTG))
	w.rounds(2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.chk.WaitRounds(ctx, 2); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithCancel(context.Background())
	cancelShort()
	if err := w.chk.WaitRounds(short, 3); err != context.Canceled {
		t.Errorf("WaitRounds for a round that never comes = %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A network ACL between a node's subnet and the target's drops the checks
// from that node, which is enough to fail them (Target.Timeout, no
// connection); since ACLs are stateless, one that lets the check in but not
// its answer out on most of the ephemeral ports (only 49152-65535) fails
// them too. A change to the ACL takes effect on the next round.
func TestNetworkACLDropsChecks(t *testing.T) {
	w := newWorld(t)
	b := newBackend(t, ok)
	acl := func(entries ...model.ACLEntry) *model.NetworkACL {
		return &model.NetworkACL{ID: "acl-app", VpcID: "vpc-1", Entries: entries,
			Associations: []model.ACLAssociation{{ID: "aclassoc-1", SubnetID: "subnet-a"}}}
	}
	in := model.ACLEntry{RuleNumber: 100, Protocol: "6", Action: "allow", CidrBlock: "10.0.0.0/16", FromPort: b.port, ToPort: b.port}
	back := model.ACLEntry{RuleNumber: 100, Egress: true, Protocol: "6", Action: "allow", CidrBlock: "10.0.0.0/16", FromPort: 1024, ToPort: 65535}
	deny := model.ACLEntry{RuleNumber: 50, Protocol: "6", Action: "deny", CidrBlock: "10.0.2.0/24", FromPort: 0, ToPort: 65535}
	w.put(appENI("eni-app", "10.0.1.15", "sg-app"), acl(deny, in, back), webGroup(model.Target{ID: "10.0.1.15", Port: b.port}),
		forward(webListener, albARN, 80, webTG))
	w.rounds(2)
	w.want(webTG, "10.0.1.15", b.port, StateUnhealthy, ReasonTimeout)
	if n := b.accepted(); n != 0 {
		t.Fatalf("checks the ACL drops reached the backend %d times", n)
	}
	narrow := back
	narrow.FromPort = 49152
	w.put(acl(in, narrow))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", b.port, StateUnhealthy, ReasonTimeout)
	if n := b.accepted(); n != 0 {
		t.Fatalf("checks whose answers the ACL drops reached the backend %d times", n)
	}
	w.put(acl(in, back))
	w.rounds(3)
	w.want(webTG, "10.0.1.15", b.port, StateHealthy, "")
}

// A lambda group's check is an invocation of its function, with the
// group's path and matcher; an invocation that fails is a failed check.
func TestLambdaTargetIsCheckedByInvoking(t *testing.T) {
	const fnTG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/fn/1"
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:pets"
	var answer atomic.Int32
	answer.Store(200)
	var seen atomic.Value
	w := newWorld(t, func(c *Config) {
		c.InvokeLambda = func(tg string, req *http.Request) (*http.Response, error) {
			seen.Store(tg + " " + req.URL.Path + " " + req.Header.Get("User-Agent"))
			if answer.Load() == 0 {
				return nil, errors.New("the function failed")
			}
			return &http.Response{StatusCode: int(answer.Load()), Body: http.NoBody}, nil
		}
	})
	group := &model.TargetGroup{ARN: fnTG, Name: "fn", TargetType: "lambda", Targets: []model.Target{{ID: fn}},
		HealthCheck: model.HealthCheck{Enabled: true, Path: "/ping", IntervalSeconds: 10, TimeoutSeconds: 5, HealthyThreshold: 2, UnhealthyThreshold: 2, Matcher: "200"}}
	w.put(group, forward(webListener, albARN, 80, fnTG))
	w.rounds(2)
	w.want(fnTG, fn, 0, StateHealthy, "")
	if got := seen.Load(); got != fnTG+" /ping ELB-HealthChecker/2.0" {
		t.Fatalf("check invoked as %q", got)
	}
	answer.Store(500)
	w.rounds(2)
	w.want(fnTG, fn, 0, StateUnhealthy, ReasonCodeMismatch)
	answer.Store(0)
	w.rounds(2)
	w.want(fnTG, fn, 0, StateUnhealthy, ReasonFailedChecks)

	// Checks off (the default for lambda groups): no invocations.
	group.HealthCheck.Enabled = false
	w.put(group)
	w.rounds(1)
	seen.Store("")
	w.rounds(2)
	if got := seen.Load(); got != "" {
		t.Fatalf("a group with checks off was invoked: %q", got)
	}
}
