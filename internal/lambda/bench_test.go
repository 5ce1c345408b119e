//go:build unix

package lambda_test

import (
	"context"
	"log/slog"
	"testing"

	"gatehouse/internal/clock"
	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/model"
)

// goHello is a real aws-lambda-go function, the benchmarks' subject.
const goHello = `package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, event map[string]any) (map[string]any, error) {
	return map[string]any{"statusCode": 200, "body": "hello"}, nil
}

func main() { lambda.Start(handle) }
`

// benchRig runs the benchmark function; wall makes the engine keep wall
// time (the fake clock keeps every timer made until it is advanced).
func benchRig(b *testing.B, wall bool) *rig {
	cs, err := code.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	id := putCode(b, cs, lambdatest.GoFunction(b, goHello))
	// The log goes nowhere: the sink the tests read keeps every record.
	r := newRig(b, withCode(b, cs), func(c *lambda.Config) {
		c.Log = slog.New(slog.DiscardHandler)
		if wall {
			c.Clock, c.ActivateDelay = clock.Real{}, 0
		}
	})
	r.create("hello", func(fn *model.Function) { fn.Config.CodeID = id })
	return r
}

var benchEvent = []byte(`{"version":"2.0","routeKey":"GET /hello","rawPath":"/hello","requestContext":{"http":{"method":"GET"}}}`)

// BenchmarkInvokeWarm is one synchronous invocation of a warm Go
// function: the engine's part and the Runtime API round trips.
func BenchmarkInvokeWarm(b *testing.B) {
	r := benchRig(b, true)
	req := invoke.Request{Account: account, Region: region, Function: "hello", Payload: benchEvent}
	ctx := context.Background()
	if _, err := r.e.Invoke(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.e.Invoke(ctx, req)
		if err != nil || res.FunctionError != "" {
			b.Fatalf("%s: %v", res.Payload, err)
		}
	}
}

// BenchmarkInvokeWarmParallel is warm invocations from many callers at
// once, each sandbox serving one at a time.
func BenchmarkInvokeWarmParallel(b *testing.B) {
	r := benchRig(b, true)
	req := invoke.Request{Account: account, Region: region, Function: "hello", Payload: benchEvent}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if res, err := r.e.Invoke(ctx, req); err != nil || res.FunctionError != "" {
				b.Errorf("%s: %v", res.Payload, err)
				return
			}
		}
	})
}

// BenchmarkColdStart is an invocation that starts the function's
// process: fork and exec, the Go runtime's start, the first /next, the
// event. The idle sandbox is stopped between iterations, off the clock.
func BenchmarkColdStart(b *testing.B) {
	r := benchRig(b, false)
	req := invoke.Request{Account: account, Region: region, Function: "hello", Payload: benchEvent}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.e.Invoke(ctx, req)
		if err != nil || res.FunctionError != "" {
			b.Fatalf("%s: %v", res.Payload, err)
		}
		b.StopTimer()
		r.clk.Advance(idle)
		b.StartTimer()
	}
}
