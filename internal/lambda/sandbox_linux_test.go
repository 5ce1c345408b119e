package lambda_test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/internal/lambda"
	"gatehouse/internal/model"
)

// A function's /tmp is its own, as on Lambda: written in one invocation,
// read in the next by the same warm sandbox, and seen neither by another
// function nor on the machine's own /tmp.
func TestPrivateTmp(t *testing.T) {
	if !lambda.Namespaces() {
		t.Skip("this machine does not let gatehouse make namespaces, so a function's /tmp is not its own")
	}
	r := newRig(t)
	r.create("fn")
	r.create("other")
	var w struct{ Error string }
	json.Unmarshal(r.invoke("fn", `{"op":"writetmp","text":"kept"}`).Payload, &w)
	if w.Error != "<nil>" {
		t.Fatalf("writing /tmp/note: %s", w.Error)
	}
	// The function's code is under the machine's /tmp here (bootDir), and
	// still runs from there.
	var got struct{ Text, Error string }
	read := func(name string) {
		t.Helper()
		got.Text, got.Error = "", ""
		json.Unmarshal(r.invoke(name, `{"op":"readtmp"}`).Payload, &got)
	}
	read("fn")
	if got.Text != "kept" {
		t.Fatalf("the warm sandbox read %q (%s), want what it wrote", got.Text, got.Error)
	}
	read("other")
	if got.Text != "" || !strings.Contains(got.Error, "no such file") {
		t.Fatalf("another function read %q (%s) in its /tmp", got.Text, got.Error)
	}
	if b, err := os.ReadFile("/tmp/note"); err == nil && string(b) == "kept" {
		t.Fatal("the function wrote the machine's /tmp")
	}
}

// A function whose processes hold more than its MemorySize is killed as
// Lambda's out-of-memory kill does: Runtime.OutOfMemory, "signal: killed",
// and a REPORT with all of its memory used.
func TestOutOfMemory(t *testing.T) {
	r := newRig(t)
	r.create("fn", func(fn *model.Function) { fn.Config.Timeout = 60 })
	res := r.invoke("fn", `{"op":"hog"}`)
	typ, msg := errorDoc(t, res)
	if typ != "Runtime.OutOfMemory" || !strings.HasSuffix(msg, "Error: Runtime exited with error: signal: killed") {
		t.Fatalf("error %s %q", typ, msg)
	}
	report := r.logs.wait(t, "REPORT RequestId: "+res.RequestID)
	if !strings.Contains(report, "Memory Size: 128 MB\tMax Memory Used: 128 MB") {
		t.Errorf("REPORT: %q", report)
	}
}

// Where gatehouse may not make namespaces, the supervisor still kills a
// function that outgrows its memory, and what it detached when the
// function exits; a confined function writes in a TMPDIR of its own.
func TestWithoutNamespaces(t *testing.T) {
	lambda.WithoutNamespaces(t)
	r := newRig(t)
	r.create("fn", func(fn *model.Function) { fn.Config.Timeout = 60 })
	var env struct{ Env []string }
	json.Unmarshal(r.invoke("fn", `{"op":"env"}`).Payload, &env)
	tmpdir := ""
	for _, kv := range env.Env {
		if v, ok := strings.CutPrefix(kv, "TMPDIR="); ok {
			tmpdir = v
		}
	}
	if lambda.Confined() && tmpdir == "" {
		t.Errorf("a confined function without namespaces has no TMPDIR: %q", env.Env)
	}
	var doc struct{ Pid, Child int }
	json.Unmarshal(r.invoke("fn", `{"op":"detach"}`).Payload, &doc)
	if doc.Child == 0 {
		t.Fatal("no child pid")
	}
	alive(t, doc.Child)
	typ, msg := errorDoc(t, r.invoke("fn", `{"op":"hog"}`))
	if typ != "Runtime.OutOfMemory" || !strings.HasSuffix(msg, "signal: killed") {
		t.Fatalf("error %s %q", typ, msg)
	}
	gone(t, doc.Child)
	if tmpdir != "" {
		if _, err := os.Stat(tmpdir); !os.IsNotExist(err) {
			t.Errorf("the sandbox's TMPDIR %s is still there: %v", tmpdir, err)
		}
	}
}

// A function holds no capability, even when gatehouse runs as root, and
// can neither trace its supervisor nor read its environment; its own code
// is read only though it lies under the machine's /tmp here, and of
// /dev it opens only what runtimes use.
func TestFunctionHasNoPowerOverItsSandbox(t *testing.T) {
	r := newRig(t)
	r.create("fn")
	var caps map[string]string
	json.Unmarshal(r.invoke("fn", `{"op":"caps"}`).Payload, &caps)
	for _, k := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		if caps[k] != "0000000000000000" {
			t.Errorf("%s = %q, want none", k, caps[k])
		}
	}
	var parent map[string]string
	json.Unmarshal(r.invoke("fn", `{"op":"parent"}`).Payload, &parent)
	if parent["ptrace"] == "<nil>" || parent["environ"] == "<nil>" {
		t.Errorf("the function reached its supervisor: %v", parent)
	}
	codeReadOnly(t, r)
	// Of the devices, the ones a runtime uses, not the machine's disks.
	if lambda.Confined() {
		var w struct{ Error string }
		for dev, want := range map[string]bool{"/dev/null": true, "/dev/urandom": true, "/dev/loop0": false, "/dev/tty0": false} {
			if _, err := os.Stat(dev); err != nil {
				continue
			}
			json.Unmarshal(r.invoke("fn", `{"op":"opendev","text":"`+dev+`"}`).Payload, &w)
			if (w.Error == "<nil>") != want {
				t.Errorf("opening %s read-write: %s", dev, w.Error)
			}
		}
	}
}

// A bootstrap the kernel cannot execute answers Runtime.InvalidEntrypoint,
// as Lambda does, though a supervisor starts it.
func TestUnexecutableBootstrap(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, withCodeDir("bad", dir))
	r.create("fn", func(fn *model.Function) { fn.Config.CodeID = "bad" })
	typ, msg := errorDoc(t, r.invoke("fn", `{}`))
	if typ != "Runtime.InvalidEntrypoint" || !strings.Contains(msg, "exec format error") {
		t.Fatalf("error %s %q", typ, msg)
	}
}

// FromFunction tells a function's connection from anyone else's.
func TestFromFunction(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := newRig(t)
	r.create("fn", func(fn *model.Function) { fn.Config.Timeout = 60 })
	go r.try("fn", `{"op":"dial","text":"`+ln.Addr().String()+`"}`)
	fromFn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer fromFn.Close()
	mine, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	fromMe, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer fromMe.Close()
	if !r.e.FromFunction(fromFn.RemoteAddr().String(), fromFn.LocalAddr().String()) {
		t.Error("the function's connection is not told as the function's")
	}
	if r.e.FromFunction(fromMe.RemoteAddr().String(), fromMe.LocalAddr().String()) {
		t.Error("the test's own connection is told as a function's")
	}
}

// Where this machine lets a process make the namespaces a sandbox needs
// (unshare, as the same user, succeeds), gatehouse gets them too.
func TestNamespacesWhereTheMachineAllows(t *testing.T) {
	args := []string{"--mount", "--pid", "--fork", "true"}
	if os.Geteuid() != 0 {
		args = append([]string{"--user", "--map-current-user"}, args...)
	}
	if err := exec.Command("unshare", args...).Run(); err != nil {
		t.Skipf("unshare %v: %v: this machine refuses the namespaces", args, err)
	}
	if !lambda.Namespaces() {
		t.Fatal("unshare makes the namespaces, but gatehouse finds them refused")
	}
}

// Once a sandbox's private /tmp could not be made, later sandboxes go
// without namespaces instead of failing the same way.
func TestFailedNamespacesAreGivenUp(t *testing.T) {
	if !lambda.Namespaces() || !lambda.Confined() {
		t.Skip("needs namespaces and Landlock to give up")
	}
	lambda.FailTmpSetup(t)
	r := newRig(t)
	r.create("fn")
	var env struct{ Env []string }
	json.Unmarshal(r.invoke("fn", `{"op":"env"}`).Payload, &env)
	for _, kv := range env.Env {
		if strings.HasPrefix(kv, "TMPDIR=") {
			return // a TMPDIR of its own: no private /tmp
		}
	}
	t.Fatalf("the sandbox still has its namespaces: %q", env.Env)
}

// Without Landlock, a sandbox with namespaces still finds its code under
// the machine's /tmp (bootDir is there), bound back over its private one.
func TestPrivateTmpWithoutLandlock(t *testing.T) {
	if !lambda.Namespaces() {
		t.Skip("this machine does not let gatehouse make namespaces")
	}
	lambda.WithoutLandlock(t)
	r := newRig(t)
	r.create("fn")
	if pid := pidOf(t, r.invoke("fn", `{"op":"pid"}`)); pid == 0 {
		t.Fatal("no pid")
	}
	codeReadOnly(t, r)
}

// codeReadOnly checks that fn cannot write in its own code directory.
func codeReadOnly(t *testing.T, r *rig) {
	t.Helper()
	var w struct{ Error string }
	json.Unmarshal(r.invoke("fn", `{"op":"writecode"}`).Payload, &w)
	if w.Error == "<nil>" {
		os.Remove(filepath.Join(bootDir, "written"))
		t.Error("the function wrote its own code")
	}
}
