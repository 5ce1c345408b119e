//go:build !unix

package lambda

import (
	"os"
	"sync"
)

// readPipe reads the pipe once and hands what it read to out.
func readPipe(r *os.File, mu *sync.Mutex, buf []byte, out func([]byte)) (int, error) {
	n, err := r.Read(buf)
	if n > 0 {
		mu.Lock()
		out(buf[:n])
		mu.Unlock()
	}
	return n, err
}

// drainPipe cannot read without waiting here: lines written just before
// a response may land in the log after the invocation's END.
func drainPipe(*os.File, *sync.Mutex, []byte, func([]byte)) {}
