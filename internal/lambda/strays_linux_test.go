package lambda_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/lambda"
	"gatehouse/internal/model"
)

// A bootstrap that leaves a child in a session of its own, holding its
// output, and exits: the invocation still ends with Runtime.ExitError,
// and the child is killed.
func TestDetachedChildOfAnExitedRuntime(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	dir := t.TempDir()
	// The child writes its pid, as /proc (the host's) tells it, in the
	// function's temporary directory, then becomes sleep; the bootstrap
	// logs the pid and exits once it is there.
	script := "#!/bin/sh\n" +
		"f=\"${TMPDIR:-/tmp}/pid.$$\"\n" +
		"setsid sh -c 'read p _ < /proc/self/stat; echo $p > \"$0.tmp\" && mv \"$0.tmp\" \"$0\" && exec sleep 100' \"$f\" &\n" +
		"while [ ! -s \"$f\" ]; do sleep 0.01; done\n" +
		"echo \"child pid=$(cat \"$f\")\"\n" +
		"exit 3\n"
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, withCodeDir("detach", dir))
	r.create("fn", func(fn *model.Function) { fn.Config.CodeID = "detach" })
	res := r.invoke("fn", `{}`)
	typ, msg := errorDoc(t, res)
	if typ != "Runtime.ExitError" || !strings.HasSuffix(msg, "Runtime exited with error: exit status 3") {
		t.Fatalf("error %s %q", typ, msg)
	}
	m := regexp.MustCompile(`child pid=(\d+)`).FindStringSubmatch(r.logs.text())
	if m == nil {
		t.Fatalf("no child pid in the log:\n%s", r.logs.text())
	}
	pid, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	gone(t, pid)
}

// A running function's child in a session of its own, holding the output
// pipe, does not keep Stop waiting, and dies with the function.
func TestStopKillsADetachedChild(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	var doc struct{ Pid, Child int }
	json.Unmarshal(r.invoke("fn", `{"op":"detach"}`).Payload, &doc)
	if doc.Pid == 0 || doc.Child == 0 {
		t.Fatal("no pids")
	}
	alive(t, doc.Child)
	stopped := make(chan struct{})
	go func() { r.e.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second): // a watchdog: Stop used to wait forever
		t.Fatal("Stop did not return")
	}
	gone(t, doc.Pid)
	gone(t, doc.Child)
}

// withCode adds a code directory to the rig's.
func withCodeDir(id, dir string) func(*lambda.Config) {
	return func(c *lambda.Config) {
		code := c.Code
		c.Code = func(x string) string {
			if x == id {
				return dir
			}
			return code(x)
		}
	}
}
