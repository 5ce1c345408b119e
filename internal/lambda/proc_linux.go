package lambda

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// procAttr puts a function's process in a process group of its own, so
// that killing the group takes whatever it started too, and has the kernel
// kill it if gatehouse dies, so that no function outlives it.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
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

// maxMemoryMB is the process's peak resident memory in MB (VmHWM), for
// REPORT's Max Memory Used.
func maxMemoryMB(pid int) (int, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				return 0, false
			}
			return (kb + 1023) / 1024, true
		}
	}
	return 0, false
}

// killStrays kills what a sandbox left outside its process group, which
// killGroup misses: a child that called setsid (a shell's `setsid cmd &`,
// Node's detached spawn) is in a session of its own. It kills every
// descendant of pid (0 for none: a reaped process's pid may be reused) and
// every process that holds out, the sandbox's output pipe, with their
// descendants. Both are found in /proc. A descendant that closed its output
// and was orphaned before this runs is not found; see the README.
func killStrays(pid int, out *os.File) {
	ino := uint64(0)
	if out != nil {
		// Stat, not Fd: Fd would put the pipe in blocking mode.
		if fi, err := out.Stat(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = st.Ino
			}
		}
	}
	if pid <= 0 && ino == 0 {
		return
	}
	self := os.Getpid()
	children := childrenByParent()
	var roots []int
	if pid > 0 {
		roots = append(roots, pid)
	}
	if ino != 0 {
		pipe := "pipe:[" + strconv.FormatUint(ino, 10) + "]"
		for _, kids := range children {
			for _, p := range kids {
				if held, _ := holds(p, pipe); held && p != self {
					roots = append(roots, p)
				}
			}
		}
	}
	seen := map[int]bool{self: true}
	for len(roots) > 0 {
		p := roots[len(roots)-1]
		roots = roots[:len(roots)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		if p != pid {
			syscall.Kill(p, syscall.SIGKILL)
		}
		roots = append(roots, children[p]...)
	}
}

// parentOf reads pid's parent from /proc/pid/stat.
func parentOf(pid int) (int, bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields follow
	// the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// holds reports whether pid has an open descriptor on file (its /proc
// link: "pipe:[ino]", "socket:[ino]"), and whether its descriptors could
// not be read though it exists (it is not dumpable).
func holds(pid int, file string) (held, hidden bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false, !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ESRCH)
	}
	for _, fd := range fds {
		if l, err := os.Readlink(dir + "/" + fd.Name()); err == nil && l == file {
			return true, false
		}
	}
	return false, false
}

// childrenByParent maps each process on the machine to its children,
// from every /proc/PID/stat.
func childrenByParent() map[int][]int {
	ents, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, ent := range ents {
		p, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentOf(p); ok {
			children[pp] = append(children[pp], p)
		}
	}
	return children
}
