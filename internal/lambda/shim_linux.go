package lambda

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A function's process on Linux runs under a supervisor: gatehouse's own
// binary, started again with shimEnv set, whose init below does the work
// before anything else of gatehouse runs (Go runs nothing of ours between
// fork and exec, so the steps that must come between them happen here).
// The supervisor
//
//   - is, where the kernel lets gatehouse make namespaces, the first
//     process of a PID namespace and a mount namespace of the sandbox's
//     own: when it dies, the kernel kills everything in the sandbox,
//     detached descendants included, even when gatehouse itself was
//     killed outright; and /tmp is a private tmpfs of the function's
//     ephemeral-storage size, as on Lambda;
//   - confines the function with Landlock, where the kernel has it;
//   - starts the function and waits for it, reaping whatever is
//     orphaned in the sandbox;
//   - kills the function, as Lambda's out-of-memory kill does, when the
//     sandbox's processes hold more resident memory than MemorySize;
//   - tells gatehouse, on descriptor 3, the function's pid and how it
//     ended (the supervisor's own exit status cannot say "signal:
//     killed" for a process it outlived).
const shimEnv = "GATEHOUSE_LAMBDA_SHIM"

// probeEnv marks the short-lived process that finds out whether this
// machine lets gatehouse make a sandbox's namespaces (see namespaces).
const probeEnv = "GATEHOUSE_LAMBDA_NSPROBE"

// tmpSetup names the step that makes a sandbox's private /tmp, in what
// the supervisor reports of a failed setup.
const tmpSetup = "the function's /tmp"

// shimSpec is what the supervisor is told, as JSON in shimEnv.
type shimSpec struct {
	Path string   `json:"path"`
	Args []string `json:"args"`
	// Env is the function's environment. The supervisor's own is only
	// shimEnv, so nothing of the function's (LD_PRELOAD, GODEBUG) acts
	// on gatehouse's code.
	Env []string `json:"env"`
	// Keep are the directories the function needs from under /tmp, bound
	// back read only over the private one (its code, the runtime loop,
	// the interpreter), whether or not it is confined.
	Keep []string `json:"keep,omitempty"`
	// Landlock confines the function to the directories below.
	Landlock bool `json:"landlock,omitempty"`
	// RX may be read and executed, RO read, RW read and written; Dev is
	// /dev, whose device files (/dev/null, /dev/urandom) are written too.
	RX  []string `json:"rx,omitempty"`
	RO  []string `json:"ro,omitempty"`
	RW  []string `json:"rw,omitempty"`
	Dev []string `json:"dev,omitempty"`
	// TmpMB, in a mount namespace of the sandbox's own, is the size of
	// the private tmpfs mounted on /tmp; 0 leaves /tmp as it is.
	TmpMB int `json:"tmpMB,omitempty"`
	// PidNS says the supervisor is the first process of a PID namespace.
	PidNS bool `json:"pidNS,omitempty"`
	// MemoryMB is the function's memory; 0 for no limit.
	MemoryMB int `json:"memoryMB,omitempty"`
}

func init() {
	if _, ok := os.LookupEnv(probeEnv); ok {
		os.Exit(probe())
	}
	spec, ok := os.LookupEnv(shimEnv)
	if !ok {
		return
	}
	os.Unsetenv(shimEnv)
	var s shimSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse: bad function sandbox: "+err.Error())
		os.Exit(126)
	}
	os.Exit(s.run())
}

// probe checks, in the namespaces namespaces asked for, that a sandbox's
// /tmp can be made: private mounts, a tmpfs, and a directory from under
// the old /tmp bound back read only, as privateTmp does.
func probe() int {
	keep, err := os.MkdirTemp("", "gatehouse-nsprobe-")
	if err != nil {
		return 1
	}
	defer os.Remove(keep) // the host's, from before the tmpfs hid it: see below
	s := shimSpec{Keep: []string{keep}, TmpMB: 1}
	err = s.privateTmp()
	// Remove the directory through the host's view: gone from this
	// namespace's /tmp, it is still on the machine's.
	unix.Unmount("/tmp", unix.MNT_DETACH)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// run sets the sandbox up, runs the function and answers the exit
// status the supervisor ends with.
func (s *shimSpec) run() int {
	status := os.NewFile(3, "status")
	syscall.CloseOnExec(3)
	// Not dumpable: the function, same user as the supervisor, may neither
	// trace it nor read its memory or descriptors (the status pipe).
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	setup := func(what string, err error) int {
		fmt.Fprintf(status, "setup %s: %v\n", what, err)
		return 126
	}
	if !s.PidNS {
		// Without a namespace to end, what the function orphans comes
		// to the supervisor, to be killed with the rest.
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	if s.TmpMB > 0 {
		if err := s.privateTmp(); err != nil {
			return setup(tmpSetup, err)
		}
	}
	// Capabilities and Landlock bind the calling thread, and the function
	// is forked from this same thread, so that it inherits both; the rest
	// of the supervisor stays as it was, out of the function's reach (not
	// dumpable, above).
	goruntime.LockOSThread()
	if err := dropCapabilities(); err != nil {
		return setup("dropping capabilities", err)
	}
	if s.Landlock {
		if err := s.confine(); err != nil {
			return setup("confining the function", err)
		}
	}
	// Without a PID namespace gatehouse's death reaches the supervisor as
	// SIGTERM, so that it can kill what the function left.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	pid, err := syscall.ForkExec(s.Path, s.Args, &syscall.ProcAttr{
		Env:   s.Env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		// gatehouse answers as Lambda does for an entry point that
		// cannot run (Runtime.InvalidEntrypoint).
		fmt.Fprintf(status, "start %s\n", (&fs.PathError{Op: "fork/exec", Path: s.Path, Err: err}).Error())
		return 126
	}
	// The pid gatehouse knows the function by: /proc is the host's, so
	// this thread's children are listed with the host's pids.
	if host := threadChild(); host > 0 {
		fmt.Fprintf(status, "pid %d\n", host)
	}
	var oom atomic.Bool
	if s.MemoryMB > 0 {
		go s.watchMemory(&oom)
	}
	go func() {
		<-term
		s.killAll()
		os.Exit(128 + int(syscall.SIGTERM))
	}()
	var ws syscall.WaitStatus
	for {
		got, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || got == pid {
			break
		}
	}
	// What the function left running goes with it, as Lambda resets an
	// environment whose runtime exited; in a PID namespace the kernel
	// does this once the supervisor exits.
	if !s.PidNS {
		s.killAll()
	}
	fmt.Fprintf(status, "exit %s\n", waitReason(ws))
	if oom.Load() {
		fmt.Fprintln(status, "oom")
	}
	status.Close()
	if ws.Exited() {
		return ws.ExitStatus()
	}
	return 128 + int(ws.Signal())
}

// waitReason says how a process ended as Go's os.ProcessState does, and
// so as Lambda's "Runtime exited with error: …" does: "exit status 3",
// "signal: killed".
func waitReason(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return "exit status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		r := "signal: " + ws.Signal().String()
		if ws.CoreDump() {
			r += " (core dumped)"
		}
		return r
	}
	return "exit status " + strconv.Itoa(int(ws))
}

// privateTmp makes this mount namespace's /tmp a tmpfs of its own. What
// the function needs from under the old /tmp (s.Keep) is opened first and
// bound back at the same path, read only, and the working directory is
// entered again.
func (s *shimSpec) privateTmp() error {
	// Nothing mounted here may reach the rest of the machine.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	wd, _ := os.Getwd()
	type kept struct {
		path string
		fd   int
	}
	var keep []kept
	for _, d := range s.Keep {
		if !strings.HasPrefix(filepath.Clean(d), "/tmp/") {
			continue
		}
		fd, err := unix.Open(d, unix.O_PATH|unix.O_CLOEXEC|unix.O_DIRECTORY, 0)
		if err != nil {
			continue // not there: nothing to keep
		}
		keep = append(keep, kept{d, fd})
	}
	opts := "size=" + strconv.Itoa(s.TmpMB) + "m,mode=1777"
	if err := unix.Mount("tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mounting tmpfs: %w", err)
	}
	for _, k := range keep {
		if err := os.MkdirAll(k.path, 0o755); err != nil {
			return err
		}
		src := "/proc/self/fd/" + strconv.Itoa(k.fd)
		if err := unix.Mount(src, k.path, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("binding %s: %w", k.path, err)
		}
		// Read only: beneath the writable /tmp, Landlock alone would let
		// the function write its own code. The source's own flags
		// (nosuid, nodev, ...) are kept: in a user namespace they are
		// locked, and a remount that dropped them would be refused.
		var st unix.Statfs_t
		if err := unix.Fstatfs(k.fd, &st); err != nil {
			return fmt.Errorf("reading %s's mount flags: %w", k.path, err)
		}
		flags := uintptr(unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY)
		for _, f := range []struct{ st, ms uintptr }{
			{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
			{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME},
		} {
			if uintptr(st.Flags)&f.st != 0 {
				flags |= f.ms
			}
		}
		if err := unix.Mount("", k.path, "", flags, ""); err != nil {
			return fmt.Errorf("binding %s read only: %w", k.path, err)
		}
		unix.Close(k.fd)
	}
	if wd != "" {
		os.Chdir(wd)
	}
	return nil
}

// dropCapabilities leaves this thread, and what it starts, with no
// capability: none effective, permitted, inheritable or ambient, none in
// the bounding set, root's exec granting none (securebits locked), and
// no_new_privs set. A function run by root is root without its powers.
// Without CAP_SETPCAP (no capabilities to begin with) the bounding set
// and securebits stay as they are; no_new_privs still holds.
func dropCapabilities() error {
	const (
		secNoRoot, secNoRootLocked       = 1 << 0, 1 << 1
		secNoSetuidFix, secNoSetuidFixLk = 1 << 2, 1 << 3
		secNoCapAmbientRaise, secNoCARLk = 1 << 6, 1 << 7
	)
	if err := unix.Prctl(unix.PR_SET_SECUREBITS, secNoRoot|secNoRootLocked|secNoSetuidFix|secNoSetuidFixLk|secNoCapAmbientRaise|secNoCARLk, 0, 0, 0); err != nil && err != unix.EPERM {
		return fmt.Errorf("securebits: %w", err)
	}
	for c := 0; c <= 63; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err == unix.EINVAL {
			break // past the last capability this kernel knows
		}
	}
	unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	// Nor may a set-user-ID or file-capability program give any back.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// threadChild is the host pid of the one child this thread has forked.
func threadChild() int {
	b, err := os.ReadFile("/proc/thread-self/children")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) != 1 {
		return 0
	}
	pid, _ := strconv.Atoi(f[0])
	return pid
}

// killAll kills every process of the sandbox but the supervisor.
func (s *shimSpec) killAll() {
	if s.PidNS {
		// From a PID namespace's first process, -1 is everyone else in it.
		syscall.Kill(-1, syscall.SIGKILL)
		return
	}
	// Orphans come to the supervisor (a subreaper), so everything is a
	// descendant; kill until none is left, since one may fork meanwhile.
	for range 10 {
		pids := descendants(os.Getpid())
		if len(pids) == 0 {
			return
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// descendants lists pid's descendants, from /proc's children files, or,
// on a kernel without them, from every process's parent.
func descendants(pid int) []int {
	// thread-self: in a PID namespace gettid is the namespace's, while
	// /proc is the host's.
	if _, err := os.Stat("/proc/thread-self/children"); err != nil {
		return descendantsByParent(pid)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(p) + "/task")
		for _, t := range tasks {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/task/" + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
					queue = append(queue, c)
				}
			}
		}
	}
	return out
}

// descendantsByParent lists pid's descendants from /proc/*/stat.
func descendantsByParent(pid int) []int {
	children := childrenByParent()
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, children[p]...)
		queue = append(queue, children[p]...)
	}
	return out
}

// Memory is looked at every memFast while the sandbox holds more than
// half its memory or is growing, so that a function that outgrows
// MemorySize is killed within about memFast of doing so; otherwise the
// wait doubles up to memIdle, so that a warm sandbox waiting for its
// next event costs next to nothing.
const (
	memFast = 20 * time.Millisecond
	memIdle = 500 * time.Millisecond
)

// watchMemory kills the sandbox's processes once their memory passes
// MemorySize, and records that it did.
func (s *shimSpec) watchMemory(oom *atomic.Bool) {
	limit := int64(s.MemoryMB) << 20
	self := os.Getpid()
	if s.PidNS {
		// In a PID namespace getpid is 1; /proc is the host's.
		if p, err := os.Readlink("/proc/self"); err == nil {
			self, _ = strconv.Atoi(p)
		}
	}
	var last int64
	wait := memFast
	for {
		var used int64
		for _, p := range descendants(self) {
			used += memoryOf(p)
		}
		if used > limit {
			oom.Store(true)
			s.killAll()
			return
		}
		if used > limit/2 || used > last+1<<20 {
			wait = memFast
		} else {
			wait = min(2*wait, memIdle)
		}
		last = used
		time.Sleep(wait)
	}
}

// memoryOf is the memory process pid holds, in bytes: its proportional
// set size (smaps_rollup's Pss), in which a page shared by n processes
// counts 1/n, so that the sandbox's sum counts what a parent and its
// forked children share once, as Lambda's cgroup does. Without
// smaps_rollup it is the resident set (statm), shared pages counted in
// every process.
func memoryOf(pid int) int64 {
	dir := "/proc/" + strconv.Itoa(pid)
	if b, err := os.ReadFile(dir + "/smaps_rollup"); err == nil {
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				return kb << 10
			}
		}
	}
	b, err := os.ReadFile(dir + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n * int64(os.Getpagesize())
}

// confine restricts this thread, and what it forks, to s's directories.
func (s *shimSpec) confine() error { return landlock(s.RX, s.RO, s.RW, s.Dev) }
