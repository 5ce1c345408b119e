package lambda

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"gatehouse/internal/lambda/runtime"
	"gatehouse/internal/model"
)

// Landlock's file-system rights, by the ABI that brought them.
const (
	llRead = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	llABI1 = 1<<13 - 1 // EXECUTE through MAKE_SYM
	llABI2 = llABI1 | unix.LANDLOCK_ACCESS_FS_REFER
	llABI3 = llABI2 | unix.LANDLOCK_ACCESS_FS_TRUNCATE
	llABI5 = llABI3 | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
)

// landlockABI is the kernel's Landlock ABI version, 0 without Landlock.
var landlockABI = sync.OnceValue(func() int {
	v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0
	}
	return int(v)
})

// landlock restricts this thread, and what it starts, to the directories
// given: rx read and executed, ro read, rw read and written, dev (/dev)
// read and its device files written.
func landlock(rx, ro, rw, dev []string) error {
	var handled uint64
	switch abi := landlockABI(); {
	case abi == 0:
		return errors.New("Landlock is not available")
	case abi == 1:
		handled = llABI1
	case abi <= 2:
		handled = llABI2
	case abi <= 4:
		handled = llABI3
	default:
		handled = llABI5
	}
	attr := unix.LandlockRulesetAttr{Access_fs: handled}
	fd, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr), 0)
	if e != 0 {
		return fmt.Errorf("landlock_create_ruleset: %w", e)
	}
	defer unix.Close(int(fd))
	devAccess := llRead | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	for _, set := range []struct {
		dirs   []string
		access uint64
	}{
		{rx, llRead | unix.LANDLOCK_ACCESS_FS_EXECUTE},
		{ro, llRead},
		{rw, handled},
		{dev, uint64(devAccess)},
	} {
		for _, dir := range set.dirs {
			if err := addRule(int(fd), dir, set.access&handled); err != nil {
				return err
			}
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if _, _, e := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); e != 0 {
		return fmt.Errorf("landlock_restrict_self: %w", e)
	}
	return nil
}

// addRule lets the ruleset reach path, and what is beneath it when it is
// a directory, with access (for a file, the part of it that applies to
// files); a path this machine does not have is skipped.
func addRule(ruleset int, path string, access uint64) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return nil
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		access &= unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
			unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	rule := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(fd)}
	if _, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&rule)), 0, 0, 0); e != 0 {
		return fmt.Errorf("landlock_add_rule %s: %w", path, e)
	}
	return nil
}

// functionDevices are the devices a function may read and write, the ones
// Lambda's environment has for its runtimes; not the machine's disks or
// terminals, which a function run by root would otherwise own.
var functionDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}

// systemDirs are read and executed by every function: the system's
// programs, libraries and configuration.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc", "/opt"}

// namespaces reports whether this machine lets gatehouse give each
// sandbox a PID and a mount namespace of its own (as root, or through a
// user namespace), found once by starting a process that tries.
var namespaces = sync.OnceValue(func() bool {
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = []string{probeEnv + "=1"}
	cmd.SysProcAttr = nsAttr()
	out, err := cmd.CombinedOutput()
	if err != nil {
		nsRefusal = strings.TrimSpace(err.Error() + " " + string(out))
	}
	return err == nil
})

// nsRefusal is why namespaces found the machine refusing them, for the
// warning gatehouse logs.
var nsRefusal string

// nsFailed is set once a sandbox's namespaces could not be set up though
// the probe passed: later sandboxes go without them.
var nsFailed atomic.Bool

// setupFailed hears why a supervisor could not set its sandbox up. A
// failure of the namespaces' /tmp has later sandboxes do without them,
// rather than every invocation failing the same way.
func setupFailed(why string, log *slog.Logger) {
	if strings.HasPrefix(why, tmpSetup) && !nsFailed.Swap(true) {
		log.Warn("lambda: a sandbox's namespaces could not be set up, so functions go without them from now on", "err", why)
	}
}

// nsAttr starts a process in new PID and mount namespaces; a user other
// than root gets them inside a user namespace of its own, where it keeps
// its own uid and gid.
func nsAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID}
	if uid := os.Geteuid(); uid != 0 {
		gid := os.Getegid()
		a.Cloneflags |= syscall.CLONE_NEWUSER
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		// A user other than root inside the namespace keeps no capability
		// across exec but ambient ones: the supervisor needs to mount, and
		// to empty the function's bounding set. It drops both before it
		// starts the function.
		a.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_SETPCAP}
	}
	return a
}

// sandboxing is logged once per process: what this machine lets
// gatehouse do to isolate functions, when it is less than all of it.
var sandboxing sync.Once

// supervise makes cmd start gatehouse's own binary as the function's
// supervisor (see shim_linux.go), which sets the sandbox up and then
// starts the function's command. Where the kernel allows, the sandbox has
// its own PID and mount namespaces, with a private /tmp of the function's
// ephemeral-storage size; and the function is confined with Landlock to
// the system's directories, its interpreter's installation, the runtime
// loop, its own code (read only) and its /tmp. Nothing else is
// reachable: not the data directory, its store, or other functions' code.
// Without namespaces, a confined function writes in a TMPDIR of its own
// instead of /tmp.
func supervise(cmd *exec.Cmd, run runtime.Cmd, taskRoot string, cfg *model.FunctionConfig, log *slog.Logger) (*supervisor, error) {
	ns, ll := namespaces() && !nsFailed.Load(), landlockABI() > 0
	if !ns || !ll {
		sandboxing.Do(func() {
			if !ns {
				log.Warn("lambda: this machine does not let gatehouse make namespaces, so a function's /tmp is not its own and what it detaches may outlive a gatehouse that is killed outright", "err", nsRefusal)
			}
			if !ll {
				log.Warn("lambda: Landlock is not available, so functions are not confined: they can read what gatehouse's user can")
			}
		})
	}
	s := shimSpec{Path: cmd.Path, Args: cmd.Args, MemoryMB: cfg.MemorySize, PidNS: ns}
	sup := &supervisor{done: make(chan struct{})}
	// What the function runs from: its code, its interpreter's
	// installation (dir of dir of the real executable:
	// /root/.pyenv/versions/3.11.7 for .../bin/python3.11) and the
	// runtime loop's directory, wherever they are.
	needs := []string{taskRoot}
	if real, err := filepath.EvalSymlinks(run.Path); err == nil {
		needs = append(needs, filepath.Dir(filepath.Dir(real)))
	}
	for _, a := range run.Args {
		if filepath.IsAbs(a) {
			if real, err := filepath.EvalSymlinks(a); err == nil {
				needs = append(needs, filepath.Dir(real))
			}
		}
	}
	if ll {
		s.Landlock = true
		s.RX = append(append([]string{}, systemDirs...), needs...)
		s.RO = []string{"/proc", "/sys"}
		s.Dev = functionDevices
	}
	attr := *cmd.SysProcAttr
	if ns {
		s.TmpMB = cmp.Or(cfg.EphemeralStorage, 512)
		s.Keep = needs
		s.RW = []string{"/tmp"}
		n := nsAttr()
		attr.Cloneflags, attr.UidMappings, attr.GidMappings, attr.AmbientCaps = n.Cloneflags, n.UidMappings, n.GidMappings, n.AmbientCaps
		// The supervisor's death takes the whole namespace with it. The
		// signal follows the thread that starts it (go.dev/issue/27505):
		// it must not be started from a goroutine locked to a thread that
		// may end first.
		attr.Pdeathsig = syscall.SIGKILL
	} else {
		if ll {
			tmp, err := os.MkdirTemp("", "gatehouse-fn-")
			if err != nil {
				return nil, err
			}
			sup.tmp = tmp
			s.RW = []string{tmp}
			if _, ok := cfg.Environment["TMPDIR"]; !ok {
				cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
			}
		}
		// SIGTERM, which the supervisor takes to kill what the function
		// left before it goes.
		attr.Pdeathsig = syscall.SIGTERM
	}
	s.Env = cmd.Env
	spec, err := json.Marshal(s)
	if err != nil {
		sup.close()
		return nil, err
	}
	if sup.r, sup.w, err = os.Pipe(); err != nil {
		sup.close()
		return nil, err
	}
	cmd.SysProcAttr = &attr
	cmd.ExtraFiles = []*os.File{sup.w}
	// /proc/self/exe is this very program, even if its file was replaced.
	// Its environment is the spec alone: the function's (LD_PRELOAD
	// included) is the function's.
	cmd.Path, cmd.Args = "/proc/self/exe", []string{"gatehouse-sandbox", run.Path}
	cmd.Env = []string{shimEnv + "=" + string(spec)}
	return sup, nil
}
