package runtime

import (
	"testing"

	"gatehouse/internal/lambda/lambdatest"
)

// The loops' share of an invocation: from the Runtime API handing out an
// event to the response posted back, on a warm process, and from a
// process starting to its first request for work (a cold start's floor,
// before the engine's own costs).
var benchLoops = []struct {
	rt, handler string
	files       map[string]string
	require     func(testing.TB)
}{
	{"nodejs20.x", "index.handler", map[string]string{"index.mjs": "export const handler = async (e) => e;"}, lambdatest.RequireNode},
	{"python3.11", "lambda_function.lambda_handler", map[string]string{"lambda_function.py": "def lambda_handler(e, c):\n    return e\n"}, func(t testing.TB) { lambdatest.RequirePython(t, "3") }},
}

func BenchmarkWarmInvoke(b *testing.B) {
	for _, l := range benchLoops {
		b.Run(l.rt, func(b *testing.B) {
			l.require(b)
			a := newFakeAPI(b)
			start(b, a, l.rt, l.handler, l.files)
			a.invoke(b, invocation{id: "warm-up", body: `{}`})
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if p := a.invoke(b, invocation{id: "r", body: `{"k":"v"}`}); p.kind != "response" {
					b.Fatalf("posted %s %s", p.kind, p.body)
				}
			}
		})
	}
}

func BenchmarkColdStart(b *testing.B) {
	for _, l := range benchLoops {
		b.Run(l.rt, func(b *testing.B) {
			l.require(b)
			a := newFakeAPI(b)
			for b.Loop() {
				p := start(b, a, l.rt, l.handler, l.files)
				a.invoke(b, invocation{id: "cold", body: `{}`})
				b.StopTimer()
				p.stop()
				b.StartTimer()
			}
		})
	}
}
