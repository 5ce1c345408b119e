//go:build unix

package lambda_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda"
	"gatehouse/internal/model"
)

// Initialisation has Lambda's Init phase of its own: a runtime that takes
// longer than the function's timeout to start, but less than the Init
// limit, still has all of its timeout for the event.
func TestInitDoesNotCountAgainstTheTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := newRig(t)
	r.create("fn", func(fn *model.Function) {
		fn.Config.Timeout = 3
		fn.Config.Environment = map[string]string{"FN_INIT": "wait:" + ln.Addr().String()}
	})
	res := r.async("fn", `{"op":"sleep"}`)
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r.logs.wait(t, "init waiting")
	r.advance(lambda.InitLimit - time.Millisecond)
	conn.Write([]byte{1})
	r.logs.wait(t, "sleeping pid=")
	// The event's 3 s start now.
	r.timesOut(res, 3*time.Second)
}

// A runtime still initialising after the Init limit is stopped and
// initialised again, as Lambda retries Init, this time within the
// invocation's timeout.
func TestInitLimit(t *testing.T) {
	r := newRig(t)
	r.create("fn", func(fn *model.Function) {
		fn.Config.Timeout = 5
		fn.Config.Environment = map[string]string{"FN_INIT": "hang"}
	})
	res := r.async("fn", `{}`)
	r.logs.waitN(t, "init hanging", 1)
	r.advance(lambda.InitLimit)
	r.logs.wait(t, "INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout")
	// The second initialisation has the invocation's 5 s, no more.
	r.logs.waitN(t, "init hanging", 2)
	got := r.timesOut(res, 5*time.Second)
	if n := strings.Count(r.logs.text(), "START RequestId: "+got.RequestID); n != 1 {
		t.Errorf("START logged %d times", n)
	}
}

// timesOut advances the clock by limit, checking that res is not answered
// a millisecond before, and answers the result, Lambda's timeout document.
func (r *rig) timesOut(res <-chan invoke.Result, limit time.Duration) invoke.Result {
	r.t.Helper()
	r.advance(limit - time.Millisecond)
	select {
	case got := <-res:
		r.t.Fatalf("ended before its timeout: %s", got.Payload)
	default:
	}
	r.advance(time.Millisecond)
	got := <-res
	secs := strconv.FormatFloat(limit.Seconds(), 'f', 2, 64)
	if typ, msg := errorDoc(r.t, got); typ != "Sandbox.Timedout" || !strings.HasSuffix(msg, "Task timed out after "+secs+" seconds") {
		r.t.Fatalf("error %s %q", typ, msg)
	}
	return got
}
