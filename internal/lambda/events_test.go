//go:build unix

package lambda_test

import (
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

// A throttled event is tried again with a backoff, without using up the
// two retries, until it is six hours old.
func TestThrottledEventRetriedForSixHours(t *testing.T) {
	r := newRig(t)
	zero := 0
	r.create("fn", func(fn *model.Function) { fn.ReservedConcurrency = &zero })
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
