//go:build !unix

package lambda

import (
	"os"
	"os/exec"
	"syscall"
)

// procAttr is empty where there are no process groups: the function
// process is killed on its own.
func procAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the process.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

// maxMemoryMB is unknown here.
func maxMemoryMB(int) (int, bool) { return 0, false }

// killStrays does nothing here: only the process itself is killed.
func killStrays(int, *os.File) {}
