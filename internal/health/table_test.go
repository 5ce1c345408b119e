package health

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

func TestRecordFollowsThresholds(t *testing.T) {
	mismatch := codeMismatch(503)
	// Each step is one probe result (nil: pass) and the state after it, with
	// thresholds healthy=3, unhealthy=2.
	steps := []struct {
		fail  *Status
		state string
		why   string
	}{
		{nil, StateInitial, ReasonInitialChecking},
		{statusFailed, StateInitial, ReasonInitialChecking}, // a failure resets the passes
		{nil, StateInitial, ReasonInitialChecking},
		{nil, StateInitial, ReasonInitialChecking},
		{nil, StateHealthy, ""},
		{statusTimeout, StateHealthy, ""}, // one failure is not enough
		{nil, StateHealthy, ""},
		{statusTimeout, StateHealthy, ""},
		{statusTimeout, StateUnhealthy, ReasonTimeout},
		{mismatch, StateUnhealthy, ReasonCodeMismatch}, // unhealthy shows the latest reason
		{nil, StateUnhealthy, ReasonCodeMismatch},
		{nil, StateUnhealthy, ReasonCodeMismatch},
		{nil, StateHealthy, ""},
	}
	var e entry
	for i, s := range steps {
		e.record(s.fail, 3, 2)
		got := e.status.Load()
		if got.State != s.state || got.Reason != s.why {
			t.Fatalf("step %d: %s/%s, want %s/%s", i, got.State, got.Reason, s.state, s.why)
		}
	}
	var fresh entry
	fresh.record(statusTimeout, 3, 2)
	fresh.record(statusTimeout, 3, 2)
	if got := fresh.status.Load(); got != statusTimeout {
		t.Errorf("a new target failing twice is %+v, want unhealthy/Target.Timeout", got)
	}
}

func TestTable(t *testing.T) {
	var tab Table
	if got := tab.TargetHealth("tg", "10.0.1.15", 80); got != (Status{}) {
		t.Fatalf("empty table: %+v", got)
	}
	a, b := Key{"tg", "10.0.1.15", 80}, Key{"tg", "10.0.1.15", 81}
	entries := tab.resize([]Key{a, b})
	entries[a].status.Store(statusHealthy)
	entries[b].status.Store(codeMismatch(503))

	if !tab.Healthy("tg", "10.0.1.15", 80) || tab.Healthy("tg", "10.0.1.15", 81) || tab.Healthy("tg", "10.0.1.16", 80) {
		t.Error("Healthy disagrees with the entries")
	}
	want := Status{State: StateUnhealthy, Reason: ReasonCodeMismatch, Description: "Health checks failed with these codes: [503]"}
	if got := tab.TargetHealth("tg", "10.0.1.15", 81); got != want {
		t.Errorf("TargetHealth = %+v, want %+v", got, want)
	}

	// The same set keeps the published map; a new set keeps surviving entries.
	before := tab.entries.Load()
	tab.resize([]Key{b, a})
	if tab.entries.Load() != before {
		t.Error("an unchanged target set rebuilt the map")
	}
	c := Key{"tg", "10.0.1.16", 80}
	next := tab.resize([]Key{a, c})
	if next[a] != entries[a] || !tab.Healthy("tg", "10.0.1.15", 80) {
		t.Error("a surviving target lost its state")
	}
	if got := tab.TargetHealth("tg", "10.0.1.15", 81); got != (Status{}) {
		t.Errorf("a removed target still has %+v", got)
	}
}

func TestHealthyDoesNotAllocate(t *testing.T) {
	var tab Table
	k := Key{"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1", "10.0.1.15", 8080}
	tab.resize([]Key{k})[k].status.Store(statusHealthy)
	allocs := testing.AllocsPerRun(100, func() {
		if !tab.Healthy(k.TargetGroupARN, k.TargetID, k.Port) {
			t.Fatal("not healthy")
		}
	})
	if allocs != 0 {
		t.Errorf("Healthy allocates %v times", allocs)
	}
}

func BenchmarkHealthy(b *testing.B) {
	var tab Table
	var keys []Key
	for i := range 1000 {
		keys = append(keys, Key{"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1", fmt.Sprintf("10.0.%d.%d", i/250, i%250), 8080})
	}
	entries := tab.resize(keys)
	for _, e := range entries {
		e.status.Store(statusHealthy)
	}
	k := keys[500]
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tab.Healthy(k.TargetGroupARN, k.TargetID, k.Port)
		}
	})
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestFailureOf(t *testing.T) {
	tests := []struct {
		err  error
		want *Status
	}{
		{fmt.Errorf("get: %w", context.DeadlineExceeded), statusTimeout},
		{&net.OpError{Op: "dial", Err: timeoutErr{}}, statusTimeout},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, statusFailed},
		{errors.New("malformed HTTP response"), statusFailed},
	}
	for _, tt := range tests {
		if got := failureOf(tt.err); got != tt.want {
			t.Errorf("failureOf(%v) = %+v, want %+v", tt.err, got, tt.want)
		}
	}
}
