package lambda_test

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// gone waits for pid to end, on a pidfd: it becomes readable when the
// process exits, whoever reaps it. The 5 s bound is a watchdog, not a
// measurement.
func gone(t testing.TB, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return // already reaped
	}
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	defer unix.Close(fd)
	for {
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 5000)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("poll on pid %d: %v", pid, err)
		}
		if n == 0 {
			t.Fatalf("process %d still exists", pid)
		}
		return
	}
}
