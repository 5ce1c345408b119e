//go:build !linux

package lambda

import (
	"os/exec"

	"gatehouse/internal/lambda/runtime"
)

// confined reports whether function processes are confined here: only
// on Linux, with Landlock.
func confined() bool { return false }

// confine does nothing where function processes are not confined.
func confine(*exec.Cmd, runtime.Cmd, string, string) error { return nil }
