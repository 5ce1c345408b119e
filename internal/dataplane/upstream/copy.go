package upstream

import (
	"io"
	"sync"
)

// copyBufs holds 32 KiB buffers for relaying response bodies, so a proxied
// request does not allocate one each time.
var copyBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// Copy relays a response body to the client. A writer with its own ReadFrom
// (net/http's response, which pools its buffers too) is handed the body
// directly; any other writer gets a pooled buffer.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	if _, ok := dst.(io.ReaderFrom); ok {
		return io.Copy(dst, src)
	}
	buf := copyBufs.Get().(*[32 << 10]byte)
	defer copyBufs.Put(buf)
	return io.CopyBuffer(dst, src, buf[:])
}
