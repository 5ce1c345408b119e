package lambda

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"gatehouse/internal/lambda/runtime"
)

// confineEnv marks a process gatehouse started to confine itself with
// Landlock and then become a function's process. Go runs nothing between
// fork and exec, so gatehouse starts itself, and init below does the work
// before anything else runs.
const confineEnv = "GATEHOUSE_LAMBDA_CONFINE"

// confinement is what the marker carries: the function's real command and
// the directories it may use.
type confinement struct {
	Path string   `json:"path"`
	Args []string `json:"args"`
	// RX may be read and executed, RO read, RW read and written; Dev is
	// /dev, whose device files (/dev/null, /dev/urandom) are written too.
	RX  []string `json:"rx"`
	RO  []string `json:"ro"`
	RW  []string `json:"rw"`
	Dev []string `json:"dev"`
}

func init() {
	spec, ok := os.LookupEnv(confineEnv)
	if !ok {
		return
	}
	os.Unsetenv(confineEnv)
	var c confinement
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse: bad function confinement: "+err.Error())
		os.Exit(126)
	}
	// Landlock and no_new_privs bind the calling thread; exec must come
	// from that same thread.
	goruntime.LockOSThread()
	if err := c.apply(); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse: confining the function: "+err.Error())
		os.Exit(126)
	}
	err := unix.Exec(c.Path, c.Args, os.Environ())
	fmt.Fprintln(os.Stderr, (&fs.PathError{Op: "fork/exec", Path: c.Path, Err: err}).Error())
	os.Exit(126)
}

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

// apply restricts this thread, and what it executes, to c's directories.
func (c *confinement) apply() error {
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
	dev := llRead | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	for _, set := range []struct {
		dirs   []string
		access uint64
	}{
		{c.RX, llRead | unix.LANDLOCK_ACCESS_FS_EXECUTE},
		{c.RO, llRead},
		{c.RW, handled},
		{c.Dev, uint64(dev)},
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

// addRule lets the ruleset reach dir and what is beneath it with access;
// a directory this machine does not have is skipped.
func addRule(ruleset int, dir string, access uint64) error {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_CLOEXEC|unix.O_DIRECTORY, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return nil
		}
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer unix.Close(fd)
	rule := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(fd)}
	if _, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&rule)), 0, 0, 0); e != 0 {
		return fmt.Errorf("landlock_add_rule %s: %w", dir, e)
	}
	return nil
}

// systemDirs are read and executed by every function: the system's
// programs, libraries and configuration.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc", "/opt"}

// confined reports whether function processes are confined here.
func confined() bool { return landlockABI() > 0 }

// confine makes cmd start gatehouse itself, which confines itself to
// what the function needs and then executes the function's command: the
// system's directories, the interpreter's installation, the runtime
// loop, the function's own code (read only), and tmp, a directory of the
// sandbox's own that becomes TMPDIR. Nothing else is reachable: not the
// data directory, its store, or other functions' code.
func confine(cmd *exec.Cmd, run runtime.Cmd, taskRoot, tmp string) error {
	c := confinement{Path: cmd.Path, Args: cmd.Args,
		RX:  append(append([]string{}, systemDirs...), taskRoot),
		RO:  []string{"/proc", "/sys"},
		RW:  []string{tmp},
		Dev: []string{"/dev"},
	}
	// The interpreter's installation: dir of dir of its real executable
	// (/root/.pyenv/versions/3.11.7 for .../bin/python3.11).
	if real, err := filepath.EvalSymlinks(run.Path); err == nil {
		c.RX = append(c.RX, filepath.Dir(filepath.Dir(real)))
	}
	// The runtime loop's script, wherever it was written.
	for _, a := range run.Args {
		if filepath.IsAbs(a) {
			if real, err := filepath.EvalSymlinks(a); err == nil {
				c.RX = append(c.RX, filepath.Dir(real))
			}
		}
	}
	spec, err := json.Marshal(c)
	if err != nil {
		return err
	}
	// /proc/self/exe is this very program, even if its file was replaced.
	cmd.Path, cmd.Args = "/proc/self/exe", []string{run.Path}
	cmd.Env = append(cmd.Env, confineEnv+"="+string(spec))
	return nil
}
