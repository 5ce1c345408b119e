package upstream

import "testing"

func TestRegistryForgetsWhatCompilesNoLongerName(t *testing.T) {
	var r Registry
	kept, gone := r.inflightOf("tg|10.0.1.10|80"), r.inflightOf("tg|10.0.1.11|80")
	cursor := r.cursorOf("tg")
	kept.Add(3)
	r.Sweep() // all three were looked up by this "compile"

	// The next compile names only the first target and the group.
	if r.inflightOf("tg|10.0.1.10|80") != kept || r.cursorOf("tg") != cursor {
		t.Fatal("state still in use was replaced")
	}
	r.Sweep()
	if _, ok := r.inflight.Load("tg|10.0.1.11|80"); ok {
		t.Fatal("a target no compile names is still held")
	}
	if kept.Load() != 3 {
		t.Fatalf("in-flight count = %d after sweeps, want 3", kept.Load())
	}
	gone.Add(-1) // a request on an old snapshot finishing is harmless

	r.Sweep()
	n := 0
	r.inflight.Range(func(any, any) bool { n++; return true })
	r.cursor.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Fatalf("%d entries left after a sweep with nothing named", n)
	}
}
