package upstream

import (
	"io"
	"sync"
)

// copyBufs holds 32 KiB buffers for relaying response bodies, so a proxied
// request does not allocate one each time.
var copyBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// Copy relays a response body to the client through a pooled buffer. It
// returns the error that ended the body at the backend's side: a body cut
// short (a chunked answer that stops mid-chunk, fewer bytes than its
// Content-Length) must reach the client as a broken connection, never as a
// complete answer, so the caller needs to know. A client that went away is
// not the backend's failure: Copy stops and returns no error.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	buf := copyBufs.Get().(*[32 << 10]byte)
	defer copyBufs.Put(buf)
	var n int64
	for {
		nr, rerr := src.Read(buf[:])
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr != nil || nw < nr {
				return n, nil
			}
		}
		switch rerr {
		case nil:
		case io.EOF:
			return n, nil
		default:
			return n, rerr
		}
	}
}
