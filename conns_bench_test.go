package gatehouse

import (
	"net/http"
	"testing"
)

// BenchmarkConnStateKeepAlive is what the cap costs each request on a
// kept-alive connection: the Active and Idle events around it, from every
// core at once.
func BenchmarkConnStateKeepAlive(b *testing.B) {
	k := newConnCap(1 << 20)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := &fakeConn{}
		k.state(c, http.StateNew)
		for pb.Next() {
			k.state(c, http.StateActive)
			k.state(c, http.StateIdle)
		}
		k.state(c, http.StateClosed)
	})
}
