//go:build unix && !linux

package lambda

import (
	"os"
	"os/exec"
	"syscall"
)

// procAttr puts a function's process in a process group of its own, so
// that killing the group takes whatever it started too. There is no
// parent-death signal here: a function outlives a gatehouse that is
// killed outright (a clean stop kills it).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process and everything in its group.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) != nil {
		cmd.Process.Kill()
	}
}

// maxMemoryMB is unknown here.
func maxMemoryMB(int) (int, bool) { return 0, false }

// killStrays does nothing here: a child that left the process group (by
// setsid) is not found, and outlives its sandbox. Its hold on the output
// pipe no longer delays anything: the sandbox stops reading after a grace.
func killStrays(int, *os.File) {}
