package runtime

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Runtimes are the Lambda runtime ids gatehouse runs, sorted. The Lambda
// service refuses every other runtime at CreateFunction and
// UpdateFunctionConfiguration.
var Runtimes = []string{
	"nodejs20.x", "nodejs22.x",
	"provided.al2", "provided.al2023",
	"python3.11", "python3.12", "python3.13",
}

// Supported reports whether gatehouse runs functions of runtime rt.
func Supported(rt string) bool {
	_, ok := slices.BinarySearch(Runtimes, rt)
	return ok
}

// Cmd is what the engine executes for one function process.
type Cmd struct {
	// Path is the program; Args its arguments after the program name,
	// as exec.Command(Path, Args...) takes them.
	Path string
	Args []string
	// Env is what this runtime adds to the environment the engine builds
	// (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, ...): _HANDLER,
	// the runtime's AWS_EXECUTION_ENV and LAMBDA_RUNTIME_DIR, which Lambda
	// reserves, and the language's module path (NODE_PATH, PYTHONPATH),
	// which a function's own variables may override, as on Lambda.
	Env []string
	// Dir is the working directory: the task root, as on Lambda.
	Dir string
	// Note, when not empty, says where this machine differs from the
	// runtime asked for (an interpreter of another version), for the
	// engine to log once per process start.
	Note string
}

// Error is why a function cannot start, typed as Lambda reports it in
// the invocation's error document (errorType, errorMessage). The engine
// puts "RequestId: {id} Error: " before Message, as Lambda does.
type Error struct {
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Error types Command returns.
const (
	// InvalidEntrypoint: the process to start is missing or cannot be
	// executed (a custom runtime without an executable bootstrap, no
	// interpreter for the language).
	InvalidEntrypoint = "Runtime.InvalidEntrypoint"
	// Unsupported: a runtime gatehouse does not run. The Lambda service
	// refuses such functions first, so an engine meets it only with
	// records written by something else.
	Unsupported = "Runtime.Unsupported"
)

// Command returns what to execute for a function of runtime rt whose
// package is unpacked at taskRoot, with handler as configured. It checks
// what can be checked before a process exists: a custom runtime's
// bootstrap, an interpreter. A handler that does not load is reported by
// the loop itself through the Runtime API's init error, as on Lambda.
func Command(rt, taskRoot, handler string) (Cmd, error) {
	env := []string{"_HANDLER=" + handler}
	switch {
	case rt == "provided.al2023" || rt == "provided.al2":
		return bootstrap(taskRoot, env)
	case rt == "nodejs20.x" || rt == "nodejs22.x":
		return node(rt, taskRoot, env)
	case Supported(rt) && strings.HasPrefix(rt, "python3."):
		return python(rt, taskRoot, env)
	}
	return Cmd{}, &Error{Type: Unsupported, Message: fmt.Sprintf("The runtime %s is not supported by gatehouse; it runs %s.", rt, strings.Join(Runtimes, ", "))}
}

// bootstrap is a custom runtime: the package's own executable. Lambda
// would also look in /opt (layers), which gatehouse does not have.
func bootstrap(taskRoot string, env []string) (Cmd, error) {
	path := filepath.Join(taskRoot, "bootstrap")
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return Cmd{}, &Error{Type: InvalidEntrypoint, Message: fmt.Sprintf("Couldn't find valid bootstrap(s): [%s]", path)}
	}
	if fi.Mode().Perm()&0o111 == 0 {
		// The text os/exec gives, which is what Lambda reports.
		return Cmd{}, &Error{Type: InvalidEntrypoint, Message: (&fs.PathError{Op: "fork/exec", Path: path, Err: fs.ErrPermission}).Error()}
	}
	return Cmd{Path: path, Env: append(env, "LAMBDA_RUNTIME_DIR="+taskRoot), Dir: taskRoot}, nil
}

// StartError is the error to report when starting a Command's process
// failed (exec.Cmd.Start): a bootstrap that is not an executable for
// this machine, or that vanished.
func StartError(err error) *Error {
	return &Error{Type: InvalidEntrypoint, Message: err.Error()}
}
