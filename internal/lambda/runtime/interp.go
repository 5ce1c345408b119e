package runtime

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// interpreters caches, per program name, whether it runs here and its
// version: asked once per process, since starting an interpreter costs
// tens of milliseconds and a cold start should not pay it twice.
var interpreters sync.Map // name → interp

type interp struct {
	path    string // the interpreter itself; "" when it does not run
	version string // e.g. "v20.20.2", "3.11.7"
}

// probes ask an interpreter for its own executable and version, one a
// line. Its own executable, not what PATH found: a pyenv shim is a shell
// script that costs every cold start a few hundred milliseconds, and it
// may point elsewhere by the time a function starts.
var probes = map[string][]string{
	"node":   {"-e", "console.log(process.execPath); console.log(process.version)"},
	"python": {"-c", "import sys, platform; print(sys.executable); print(platform.python_version())"},
}

// lookup runs name once with the probe of its language. Running it, not
// just finding it, matters: a pyenv shim for a version that is not
// installed is on PATH but fails.
func lookup(name, language string) interp {
	if v, ok := interpreters.Load(name); ok {
		return v.(interp)
	}
	var in interp
	if path, err := exec.LookPath(name); err == nil {
		out, err := exec.Command(path, probes[language]...).Output()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if err == nil && len(lines) == 2 && filepath.IsAbs(lines[0]) {
			in = interp{path: lines[0], version: strings.TrimSpace(lines[1])}
		}
	}
	v, _ := interpreters.LoadOrStore(name, in)
	return v.(interp)
}

// node runs the Node.js loop with the node on PATH, whatever its
// version: this machine has one node, and a function written for
// nodejs22.x runs on node 20 unless it uses what 22 added. Note says so.
func node(rt, taskRoot string, env []string) (Cmd, error) {
	in := lookup("node", "node")
	if in.path == "" {
		return Cmd{}, &Error{Type: InvalidEntrypoint, Message: "node is not installed on this machine, so " + rt + " functions cannot run"}
	}
	dir, err := loopsDir()
	if err != nil {
		return Cmd{}, &Error{Type: InvalidEntrypoint, Message: "writing the runtime loop: " + err.Error()}
	}
	cmd := Cmd{
		Path: in.path,
		Args: []string{filepath.Join(dir, "node.mjs")},
		Env: append(env,
			"AWS_EXECUTION_ENV=AWS_Lambda_"+rt,
			"LAMBDA_RUNTIME_DIR="+dir,
			// Lambda puts the task root on NODE_PATH, so that require()
			// finds the package's top-level modules from anywhere.
			"NODE_PATH="+taskRoot,
		),
		Dir: taskRoot,
	}
	want := "v" + strings.TrimSuffix(strings.TrimPrefix(rt, "nodejs"), ".x") + "."
	if !strings.HasPrefix(in.version, want) {
		cmd.Note = fmt.Sprintf("%s runs on node %s here", rt, in.version)
	}
	return cmd, nil
}

// python runs the Python loop with python3.X for runtime python3.X when
// that runs here, or else with python3 whatever its version, saying so
// in Note: a handler written for 3.12 mostly runs on 3.11, and a test
// machine seldom has every version.
func python(rt, taskRoot string, env []string) (Cmd, error) {
	in := lookup(rt, "python")
	var note string
	if in.path == "" {
		in = lookup("python3", "python")
		if in.path == "" {
			return Cmd{}, &Error{Type: InvalidEntrypoint, Message: "neither " + rt + " nor python3 is installed on this machine, so " + rt + " functions cannot run"}
		}
		note = fmt.Sprintf("%s is not installed here; running python3 (Python %s)", rt, in.version)
	}
	dir, err := loopsDir()
	if err != nil {
		return Cmd{}, &Error{Type: InvalidEntrypoint, Message: "writing the runtime loop: " + err.Error()}
	}
	return Cmd{
		Path: in.path,
		// -u: every print reaches the log at once, as Lambda's runtime
		// flushes each write. -B: no __pycache__ written into the
		// package, which Lambda keeps read-only.
		Args: []string{"-u", "-B", filepath.Join(dir, "python.py")},
		Env: append(env,
			"AWS_EXECUTION_ENV=AWS_Lambda_"+rt,
			"LAMBDA_RUNTIME_DIR="+dir,
			"PYTHONPATH="+taskRoot,
		),
		Dir:  taskRoot,
		Note: note,
	}, nil
}
