//go:build unix && !linux

package lambda_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gone waits for pid to end. Without pidfds there is nothing to wait on
// for a process another goroutine reaps, so it looks every few
// milliseconds.
func gone(t testing.TB, pid int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if dead(pid) {
			return
		}
	}
	t.Fatalf("process %d still exists", pid)
}

// dead reports whether pid no longer runs: gone, or a zombie (a killed
// grandchild is reaped by init, which in a container may never do it).
func dead(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && len(stat) > i+2 && stat[i+2] == 'Z'
}

// runChildIfAsked does nothing here: no test starts an engine of its own.
func runChildIfAsked() {}
