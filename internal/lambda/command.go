package lambda

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Spec is what a runtime needs to know to start a function's process.
type Spec struct {
	Runtime string // "provided.al2023", "nodejs22.x", ...
	Handler string
	// TaskRoot is the directory of the function's unpacked code
	// (LAMBDA_TASK_ROOT), the process's working directory.
	TaskRoot string
}

// Launch is the process that runs a function: an executable that speaks
// the Runtime API at AWS_LAMBDA_RUNTIME_API.
type Launch struct {
	Path string
	Args []string
	// Env is added to Lambda's variables, before the function's own.
	Env []string
	// RuntimeDir is LAMBDA_RUNTIME_DIR, where the runtime's own files
	// are; the task root when "".
	RuntimeDir string
}

// CommandFunc tells how to start spec's runtime. An error means the
// function cannot run: its invocations fail with Runtime.InvalidEntrypoint
// and the error's text, as Lambda's do.
type CommandFunc func(spec Spec) (Launch, error)

// command is the Launch for spec: the OS-only runtimes' bootstrap here,
// the others from Config.Command.
func (e *Engine) command(spec Spec) (Launch, error) {
	if isOSOnly(spec.Runtime) || spec.Runtime == "" {
		return Bootstrap(spec)
	}
	if e.cfg.Command == nil {
		return Launch{}, fmt.Errorf("Runtime %s is not supported", spec.Runtime)
	}
	return e.cfg.Command(spec)
}

// Bootstrap is the Launch of an OS-only runtime (provided.al2023,
// provided.al2): the deployment package's executable bootstrap.
func Bootstrap(spec Spec) (Launch, error) {
	path := filepath.Join(spec.TaskRoot, "bootstrap")
	if spec.TaskRoot == "" {
		return Launch{}, fmt.Errorf("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
	}
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		return Launch{}, fmt.Errorf("Couldn't find valid bootstrap(s): [%s /opt/bootstrap]", path)
	}
	return Launch{Path: path}, nil
}

// isOSOnly reports whether runtime is one whose entry point is the
// package's bootstrap.
func isOSOnly(runtime string) bool {
	return strings.HasPrefix(runtime, "provided")
}

// awsPath is the PATH Lambda gives functions.
const awsPath = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"

// lambdaPath is Lambda's PATH, then this machine's directories, so that a
// bootstrap script finds the tools it calls wherever they are installed
// here.
func lambdaPath() string {
	if p := os.Getenv("PATH"); p != "" {
		return awsPath + ":" + p
	}
	return awsPath
}
