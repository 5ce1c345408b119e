//go:build unix

package dial

import (
	"net"
	"syscall"
)

// alive reports whether an idle connection can still carry a request: the
// peer has not closed it and sent nothing unasked (a 408, say). It peeks
// without blocking, so a live connection costs one system call and no read.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	live := false
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		live = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && live
}
