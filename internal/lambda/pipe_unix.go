//go:build unix

package lambda

import (
	"errors"
	"os"
	"sync"
	"syscall"
)

// readPipe waits for the pipe r to be readable, then reads it once and
// hands what it read to out, both under mu: a drain that takes mu never
// finds bytes read but not yet handed on. n is 0 at the end of the pipe.
func readPipe(r *os.File, mu *sync.Mutex, buf []byte, out func([]byte)) (n int, err error) {
	rc, err := r.SyscallConn()
	if err != nil {
		return 0, err
	}
	rerr := rc.Read(func(fd uintptr) bool {
		mu.Lock()
		defer mu.Unlock()
		n, err = syscall.Read(int(fd), buf)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			return false // wait for more
		}
		if n > 0 {
			out(buf[:n])
		}
		return true
	})
	if err == nil {
		err = rerr
	}
	return max(n, 0), err
}

// drainPipe hands out whatever r holds now, without waiting for more,
// reading into buf, which only holders of mu may use.
func drainPipe(r *os.File, mu *sync.Mutex, buf []byte, out func([]byte)) {
	rc, err := r.SyscallConn()
	if err != nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	rc.Control(func(fd uintptr) {
		for {
			n, err := syscall.Read(int(fd), buf[:])
			if n > 0 {
				out(buf[:n])
			}
			if n <= 0 || err != nil {
				return
			}
		}
	})
}
