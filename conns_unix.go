//go:build unix

package gatehouse

import (
	"math"
	"syscall"
)

// fileLimit is the process's soft descriptor limit (Go raises it to the
// hard limit at start), or 0 when there is none.
func fileLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > math.MaxInt32 {
		return 0
	}
	return int(r.Cur)
}
