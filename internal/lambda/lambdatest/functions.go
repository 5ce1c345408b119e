package lambdatest

import (
	"os/exec"
	"regexp"
	"testing"
)

// commonJS tells a CommonJS module from an ES module by its exports.
var commonJS = regexp.MustCompile(`(^|[^.\w])(module\.)?exports(\.\w+|\[)?\s*=`)

// NodeFunction returns a package holding one Node.js module, src. An ES
// module (export const handler = ...) is written to index.mjs; src that
// assigns module.exports or exports.x is CommonJS and goes to index.js.
// Either way the handler to configure is "index.handler" (or
// "index.<export>" for another export name).
func NodeFunction(t testing.TB, src string) []byte {
	t.Helper()
	name := "index.mjs"
	if commonJS.MatchString(src) {
		name = "index.js"
	}
	return Zip(t, map[string]string{name: src})
}

// PythonFunction returns a package holding src as lambda_function.py, the
// console's default: the handler is "lambda_function.lambda_handler" when
// src defines lambda_handler.
func PythonFunction(t testing.TB, src string) []byte {
	t.Helper()
	return Zip(t, map[string]string{"lambda_function.py": src})
}

// RequireNode skips t when node is not on PATH.
func RequireNode(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("skipped: node is not on PATH")
	}
}

// RequirePython skips t unless python<version> runs here ("3.12" asks for
// python3.12; "" or "3" for any python3). Running it, not just finding it,
// matters: a pyenv shim for a version that is not installed is on PATH
// but fails.
func RequirePython(t testing.TB, version string) {
	t.Helper()
	name := "python3"
	if version != "" && version != "3" {
		name = "python" + version
	}
	if err := exec.Command(name, "-c", "").Run(); err != nil {
		t.Skipf("skipped: %s does not run here: %v", name, err)
	}
}
