//go:build unix

package lambda_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/model"
)

// maxAge is Lambda's default maximum event age.
const maxAge = 6 * time.Hour

func (r *rig) putEvent(id, payload string, mut ...func(*model.FunctionEvent)) {
	r.t.Helper()
	ev := &model.FunctionEvent{Function: "fn", ID: id, Payload: []byte(payload), Due: r.clk.Now(), Received: r.clk.Now()}
	for _, m := range mut {
		m(ev)
	}
	r.update(func(tx model.Tx) error { return model.Put(tx, ev) })
}

func (r *rig) event(id string) *model.FunctionEvent {
	r.t.Helper()
	var ev *model.FunctionEvent
	r.update(func(tx model.Tx) error {
		var err error
		ev, _, err = model.Get[model.FunctionEvent](tx, "fn/"+id)
		return err
	})
	return ev
}

func TestEventDeliveredThenDeleted(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.putEvent("ev-1", `{"op":"print","lines":1}`)
	r.logs.wait(t, "line 0 of ev-1")
	r.logs.wait(t, "asynchronous invocation delivered")
	if ev := r.event("ev-1"); ev != nil {
		t.Fatalf("delivered event still recorded: %+v", ev)
	}
}

func TestEventRetriedTwiceThenDropped(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.putEvent("ev-2", `{"op":"error"}`)
	r.logs.waitN(t, "will retry", 1)
	ev := r.event("ev-2")
	if ev == nil || ev.Attempts != 1 || !ev.Due.Equal(r.clk.Now().Add(time.Minute)) {
		t.Fatalf("after the first attempt: %+v", ev)
	}
	r.advance(time.Minute - time.Second)
	if n := strings.Count(r.logs.text(), "START RequestId: ev-2"); n != 1 {
		t.Fatalf("%d attempts before the retry is due", n)
	}
	r.advance(time.Second)
	r.logs.waitN(t, "will retry", 2)
	if ev := r.event("ev-2"); ev == nil || ev.Attempts != 2 || !ev.Due.Equal(r.clk.Now().Add(2*time.Minute)) {
		t.Fatalf("after the second attempt: %+v", ev)
	}
	r.advance(2 * time.Minute)
	r.logs.wait(t, "dropped after its retries")
	if ev := r.event("ev-2"); ev != nil {
		t.Fatalf("dropped event still recorded: %+v", ev)
	}
	if n := strings.Count(r.logs.text(), "START RequestId: ev-2"); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
}

func TestEventsSurviveARestart(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	// One written while the engine is stopped, one waiting for its retry.
	r.e.Stop()
	r.putEvent("ev-new", `{"op":"print","lines":1}`)
	r.putEvent("ev-retry", `{"op":"print","lines":1}`, func(ev *model.FunctionEvent) {
		ev.Attempts, ev.Due = 1, r.clk.Now().Add(time.Minute)
	})
	r.start()
	r.logs.wait(t, "line 0 of ev-new")
	r.logs.wait(t, "asynchronous invocation delivered")
	r.advance(time.Minute - time.Second)
	if strings.Contains(r.logs.text(), "line 0 of ev-retry") {
		t.Fatal("the retry ran before it was due")
	}
	r.advance(time.Second)
	r.logs.wait(t, "line 0 of ev-retry")
	r.logs.waitN(t, "asynchronous invocation delivered", 2)
	if r.event("ev-new") != nil || r.event("ev-retry") != nil {
		t.Fatal("delivered events still recorded")
	}
}

func TestEventForAFunctionGoneIsDropped(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.create("other")
	r.update(func(tx model.Tx) error { return model.Delete(tx, &model.Function{Name: "fn"}) })
	r.putEvent("ev-3", `{}`)
	r.logs.wait(t, "the function is gone")
	if r.event("ev-3") != nil {
		t.Fatal("event for a deleted function still recorded")
	}
}

// A burst over the function's concurrency waits its turn: each event is
// delivered once, none of them throttled, with no clock moving.
func TestEventBurstOverReservedConcurrency(t *testing.T) {
	r := newRig(t)
	one := 1
	r.create("fn", func(fn *model.Function) { fn.ReservedConcurrency = &one })
	for i := range 5 {
		r.putEvent(fmt.Sprintf("burst-%d", i), `{"op":"print","lines":1}`)
	}
	r.logs.waitN(t, "asynchronous invocation delivered", 5)
	text := r.logs.text()
	for i := range 5 {
		id := fmt.Sprintf("burst-%d", i)
		if n := strings.Count(text, "START RequestId: "+id+" "); n != 1 {
			t.Errorf("%s started %d times", id, n)
		}
		if r.event(id) != nil {
			t.Errorf("%s still recorded", id)
		}
	}
	if strings.Contains(text, "refused") || strings.Contains(text, "will retry") {
		t.Errorf("an event of the burst was throttled:\n%s", text)
	}
}

// stuck keeps a function Pending for good: every invocation of it is
// refused (409), as a throttle is, and retried.
func stuck(fn *model.Function) {
	fn.Config.LastModified = fn.Config.LastModified.Add(100 * 365 * 24 * time.Hour)
}

// An event the engine refuses is tried again with a backoff, without
// using up the two retries, until it is six hours old.
func TestThrottledEventRetriedForSixHours(t *testing.T) {
	r := newRig(t)
	r.create("fn", stuck)
	received := r.clk.Now()
	r.putEvent("throttled", `{}`)
	tries := 1
	r.logs.waitN(t, "refused, trying again", tries)
	// The backoff doubles from a second to five minutes; each step of
	// five minutes runs one more try at least.
	for r.clk.Now().Sub(received) < maxAge-5*time.Minute {
		r.advance(5 * time.Minute)
		tries++
		r.logs.waitN(t, "refused, trying again", tries)
		if ev := r.event("throttled"); ev == nil || ev.Attempts != 0 {
			t.Fatalf("after %v: %+v", r.clk.Now().Sub(received), ev)
		}
	}
	r.advance(5 * time.Minute)
	r.logs.wait(t, "dropped: older than its maximum age")
	if r.event("throttled") != nil {
		t.Fatal("the expired event is still recorded")
	}
	if r.clk.Now().Sub(received) < maxAge {
		t.Fatalf("dropped after %v", r.clk.Now().Sub(received))
	}
	if strings.Contains(r.logs.text(), "START RequestId: throttled") {
		t.Fatal("a throttled event ran")
	}
}

// putConfig writes fn's event invoke config for $LATEST.
func (r *rig) putConfig(c model.FunctionEventInvokeConfig) {
	r.t.Helper()
	c.Function, c.Qualifier = "fn", "$LATEST"
	r.update(func(tx model.Tx) error { return model.Put(tx, &c) })
}

func intp(n int) *int { return &n }

// events lists the asynchronous invocations recorded for function.
func (r *rig) events(function string) []*model.FunctionEvent {
	r.t.Helper()
	var evs []*model.FunctionEvent
	r.update(func(tx model.Tx) error {
		var err error
		evs, err = model.ListPrefix[model.FunctionEvent](tx, function+"/")
		return err
	})
	return evs
}

// record is an invocation record as a destination receives it.
type record struct {
	Version        string
	Timestamp      string
	RequestContext struct {
		RequestID              string
		FunctionArn            string
		Condition              string
		ApproximateInvokeCount int
	}
	RequestPayload  json.RawMessage
	ResponseContext *struct {
		StatusCode      int
		ExecutedVersion string
		FunctionError   string
	}
	ResponsePayload json.RawMessage
}

// MaximumRetryAttempts 0: a function error ends the event at its first
// attempt.
func TestEventConfigNoRetries(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.putConfig(model.FunctionEventInvokeConfig{MaximumRetryAttempts: intp(0)})
	r.putEvent("once", `{"op":"error"}`)
	r.logs.wait(t, "dropped after its retries")
	if r.event("once") != nil {
		t.Fatal("the event is still recorded")
	}
	r.advance(10 * time.Minute)
	if n := strings.Count(r.logs.text(), "START RequestId: once"); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
	if strings.Contains(r.logs.text(), "will retry") {
		t.Fatal("a retry was planned")
	}
}

// MaximumRetryAttempts 1: one retry, a minute after the first attempt.
func TestEventConfigOneRetry(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.putConfig(model.FunctionEventInvokeConfig{MaximumRetryAttempts: intp(1)})
	r.putEvent("twice", `{"op":"error"}`)
	r.logs.wait(t, "will retry")
	r.advance(time.Minute)
	r.logs.wait(t, "dropped after its retries")
	if n := strings.Count(r.logs.text(), "START RequestId: twice"); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
}

// sinkRecord is the one invocation record the stuck function sink holds.
func (r *rig) sinkRecord() (record, string) {
	r.t.Helper()
	r.logs.wait(r.t, "record sent to its destination")
	evs := r.events("sink")
	if len(evs) != 1 {
		r.t.Fatalf("the destination has %d events, want 1", len(evs))
	}
	var rec record
	if err := json.Unmarshal(evs[0].Payload, &rec); err != nil {
		r.t.Fatal(err)
	}
	return rec, string(evs[0].Payload)
}

// A function error with a retry that would come after
// MaximumEventAgeInSeconds ends the event at once, as on Lambda: its
// OnFailure destination gets the EventAgeExceeded record with the
// failed attempt's answer. With an age of 60 s no retry is made (the
// first comes a minute later), with 120 s one.
func TestEventAgeExceededGoesToOnFailure(t *testing.T) {
	for _, c := range []struct {
		age, attempts int
	}{{60, 1}, {120, 2}} {
		t.Run(fmt.Sprint(c.age), func(t *testing.T) {
			r := newRig(t)
			// The destination never runs, so its record stays to be read.
			r.create("sink", stuck)
			r.create("fn")
			r.putConfig(model.FunctionEventInvokeConfig{MaximumEventAgeInSeconds: intp(c.age),
				OnFailure: "arn:aws:lambda:us-east-1:123456789012:function:sink", OnSuccess: "arn:aws:sqs:us-east-1:123456789012:done"})
			r.putEvent("old", `{"op":"error"}`)
			for range c.attempts - 1 {
				r.logs.wait(t, "will retry")
				r.advance(time.Minute)
			}
			r.logs.wait(t, "dropped: older than its maximum age")
			ended := r.clk.Now()
			if r.event("old") != nil {
				t.Fatal("the expired event is still recorded")
			}
			if n := strings.Count(r.logs.text(), "START RequestId: old"); n != c.attempts {
				t.Fatalf("%d attempts, want %d", n, c.attempts)
			}
			rec, raw := r.sinkRecord()
			rc := rec.RequestContext
			if rec.Version != "1.0" || rec.Timestamp != ended.Format("2006-01-02T15:04:05.000Z") || rc.RequestID != "old" ||
				rc.FunctionArn != "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST" || rc.Condition != "EventAgeExceeded" ||
				rc.ApproximateInvokeCount != c.attempts || string(rec.RequestPayload) != `{"op":"error"}` ||
				rec.ResponseContext == nil || rec.ResponseContext.FunctionError != "Unhandled" || rec.ResponseContext.StatusCode != 200 ||
				!strings.Contains(string(rec.ResponsePayload), `"errorMessage":"boom"`) {
				t.Fatalf("record = %s", raw)
			}
			if r.logs.find("not sent") != nil {
				t.Fatal("a record was reported for the SQS success destination")
			}
		})
	}
}

// A function whose reserved concurrency is 0 runs none of its events:
// each goes to the OnFailure destination at once, untried, as
// ZeroReservedConcurrency.
func TestZeroReservedConcurrencyGoesToOnFailure(t *testing.T) {
	r := newRig(t)
	zero := 0
	r.create("sink", stuck)
	r.create("fn", func(fn *model.Function) { fn.ReservedConcurrency = &zero })
	r.putConfig(model.FunctionEventInvokeConfig{OnFailure: "arn:aws:lambda:us-east-1:123456789012:function:sink"})
	r.putEvent("held", `{"n":1}`)
	r.logs.wait(t, "reserved concurrency is 0")
	if r.event("held") != nil {
		t.Fatal("the event is still recorded")
	}
	rec, raw := r.sinkRecord()
	rc := rec.RequestContext
	if rc.Condition != "ZeroReservedConcurrency" || rc.ApproximateInvokeCount != 0 || rc.RequestID != "held" ||
		string(rec.RequestPayload) != `{"n":1}` || rec.ResponseContext != nil || rec.ResponsePayload != nil {
		t.Fatalf("record = %s", raw)
	}
	// The record's own event, for the sink (not Active), may be refused;
	// the event itself must not be.
	r.logs.mu.Lock()
	defer r.logs.mu.Unlock()
	for _, rec := range r.logs.recs {
		if strings.Contains(fmt.Sprint(rec["msg"]), "refused, trying again") && rec["requestId"] == "held" {
			t.Fatal("the event was held for another try")
		}
	}
}

// An event that is due when it is already too old is dropped untried;
// with no attempt made, its record carries no response.
func TestEventDueTooOldDroppedUntried(t *testing.T) {
	r := newRig(t)
	r.create("sink", stuck)
	r.create("fn")
	r.putConfig(model.FunctionEventInvokeConfig{MaximumEventAgeInSeconds: intp(60),
		OnFailure: "arn:aws:lambda:us-east-1:123456789012:function:sink"})
	r.putEvent("late", `{}`, func(ev *model.FunctionEvent) { ev.Received = r.clk.Now().Add(-time.Minute) })
	r.logs.wait(t, "dropped: older than its maximum age")
	if strings.Contains(r.logs.text(), "START RequestId: late") {
		t.Fatal("the expired event ran")
	}
	rec, raw := r.sinkRecord()
	if rec.RequestContext.Condition != "EventAgeExceeded" || rec.RequestContext.ApproximateInvokeCount != 0 || rec.ResponseContext != nil {
		t.Fatalf("record = %s", raw)
	}
}

// An event refused until it is too old is dropped with no attempt made.
func TestThrottledEventAgeExceeded(t *testing.T) {
	r := newRig(t)
	r.create("fn", stuck)
	r.putConfig(model.FunctionEventInvokeConfig{MaximumEventAgeInSeconds: intp(60),
		OnFailure: "arn:aws:sqs:us-east-1:123456789012:failed"})
	r.putEvent("throttled", `{}`)
	r.logs.wait(t, "refused, trying again")
	for range 4 {
		r.advance(20 * time.Second)
	}
	r.logs.wait(t, "dropped: older than its maximum age")
	// SQS is kept in the config but not delivered to: said once.
	r.logs.wait(t, "record not sent")
	if n := strings.Count(r.logs.text(), "record not sent"); n != 1 {
		t.Fatalf("said %d times that the record was not sent", n)
	}
	if m := r.logs.find("record not sent"); m["destination"] != "arn:aws:sqs:us-east-1:123456789012:failed" || m["condition"] != "EventAgeExceeded" {
		t.Fatalf("log = %v", m)
	}
}

// A destination function is invoked asynchronously with the record.
func TestDestinationFunctionReceivesRecord(t *testing.T) {
	r := newRig(t)
	r.create("sink")
	r.create("fn")
	r.putConfig(model.FunctionEventInvokeConfig{OnSuccess: "arn:aws:lambda:us-east-1:123456789012:function:sink",
		OnFailure: "arn:aws:lambda:us-east-1:123456789012:function:sink"})
	r.putEvent("fine", `{"op":"print","lines":1}`)
	line := r.logs.wait(t, "record {")
	var rec record
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "record ")), &rec); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	rc := rec.RequestContext
	if rc.Condition != "Success" || rc.RequestID != "fine" || rc.ApproximateInvokeCount != 1 ||
		rc.FunctionArn != "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST" ||
		rec.ResponseContext == nil || rec.ResponseContext.StatusCode != 200 || rec.ResponseContext.ExecutedVersion != "$LATEST" ||
		rec.ResponseContext.FunctionError != "" || string(rec.RequestPayload) != `{"op":"print","lines":1}` ||
		string(rec.ResponsePayload) != `{"op":"print","lines":1}` {
		t.Fatalf("record = %s", line)
	}
	if m := r.logs.find("record sent to its destination"); m["destinationRequestId"] == "" || m["condition"] != "Success" {
		t.Fatalf("log = %v", m)
	}

	// A failure that used its retries goes to OnFailure with the error.
	r.putConfig(model.FunctionEventInvokeConfig{MaximumRetryAttempts: intp(0),
		OnFailure: "arn:aws:lambda:us-east-1:123456789012:function:sink"})
	r.putEvent("broken", `{"op":"error"}`)
	line = r.logs.waitN(t, "record {", 2)
	rec = record{}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "record ")), &rec); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.RequestID != "broken" ||
		rec.ResponseContext == nil || rec.ResponseContext.FunctionError != "Unhandled" ||
		!strings.Contains(string(rec.ResponsePayload), `"errorType":"MyError"`) {
		t.Fatalf("record = %s", line)
	}
}

// The backoff of a refused event is in its record: after a restart the
// event is tried when it was due, not at once.
func TestRefusedBackoffSurvivesRestart(t *testing.T) {
	r := newRig(t)
	r.create("fn", stuck)
	t0 := r.clk.Now()
	r.putEvent("held", `{}`)
	r.logs.waitN(t, "refused, trying again", 1)
	r.advance(time.Second)
	r.logs.waitN(t, "refused, trying again", 2)
	r.advance(2 * time.Second)
	r.logs.waitN(t, "refused, trying again", 3)
	r.sync()
	if ev := r.event("held"); ev.Refusals != 3 || !ev.Due.Equal(t0.Add(7*time.Second)) || ev.Attempts != 0 {
		t.Fatalf("after three refusals: %+v", ev)
	}

	// After the restart a probe event, due at once, queues behind the
	// held one if that were due too: the probe's refusal coming first
	// shows the held event waits for its time.
	r.restart()
	r.putEvent("probe", `{}`)
	r.logs.waitN(t, "refused, trying again", 4)
	if m := r.logs.findN("refused, trying again", 4); m["requestId"] != "probe" {
		t.Fatalf("the fourth try after the restart was %v's, not the probe's", m["requestId"])
	}
	r.update(func(tx model.Tx) error { return model.Delete(tx, &model.FunctionEvent{Function: "fn", ID: "probe"}) })
	r.advance(3 * time.Second)
	if ev := r.event("held"); ev.Refusals != 3 {
		t.Fatalf("tried before it was due after the restart: %+v", ev)
	}
	r.advance(time.Second)
	r.logs.waitN(t, "refused, trying again", 5)
	r.sync()
	// Tried at seven seconds, backing off eight more: an attempt at once
	// after the restart (at three seconds) would have made it eleven.
	if ev := r.event("held"); ev.Refusals != 4 || !ev.Due.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("after the fourth refusal: %+v, want due %v", ev, t0.Add(15*time.Second))
	}
	if m := r.logs.findN("refused, trying again", 5); m["requestId"] != "held" {
		t.Fatalf("the fifth try was %v's, not the held event's", m["requestId"])
	}
}

// findN is the nth message containing sub, nil when there are fewer.
func (s *sink) findN(sub string, n int) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recs {
		if strings.Contains(fmt.Sprint(r["msg"]), sub) {
			if n--; n == 0 {
				return r
			}
		}
	}
	return nil
}

// Functions that are each other's destinations stop after Lambda's
// sixteen invocations instead of calling each other for ever.
func TestDestinationLoopStops(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	r.create("echo")
	r.putConfig(model.FunctionEventInvokeConfig{OnSuccess: "arn:aws:lambda:us-east-1:123456789012:function:echo"})
	r.update(func(tx model.Tx) error {
		return model.Put(tx, &model.FunctionEventInvokeConfig{Function: "echo", Qualifier: "$LATEST",
			OnSuccess: "arn:aws:lambda:us-east-1:123456789012:function:fn"})
	})
	r.putEvent("ping", `{}`)
	r.logs.wait(t, "recursive loop")
	r.sync()
	if n := strings.Count(r.logs.text(), "asynchronous invocation delivered"); n != 16 {
		t.Fatalf("%d invocations delivered, want 16", n)
	}
	if n := len(r.events("fn")) + len(r.events("echo")); n != 0 {
		t.Fatalf("%d events left", n)
	}
}
