package runtime

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/lambda/lambdatest"
)

func TestSupported(t *testing.T) {
	if !slices.IsSorted(Runtimes) {
		t.Fatalf("Runtimes %v is not sorted, so Supported's search misses", Runtimes)
	}
	for _, rt := range Runtimes {
		if !Supported(rt) {
			t.Errorf("Supported(%q) = false", rt)
		}
	}
	for _, rt := range []string{"go1.x", "java21", "dotnet8", "ruby3.3", "nodejs18.x", "python3.9", "provided", "", "NODEJS20.X"} {
		if Supported(rt) {
			t.Errorf("Supported(%q) = true", rt)
		}
		_, err := Command(rt, t.TempDir(), "index.handler")
		var e *Error
		if !errors.As(err, &e) || e.Type != Unsupported || !strings.Contains(e.Message, "The runtime "+rt+" is not supported by gatehouse") {
			t.Errorf("Command(%q) error %v, want an %s error naming it", rt, err, Unsupported)
		}
	}
}

func TestCustomRuntimeBootstrap(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "bootstrap")
	_, err := Command("provided.al2023", root, "ignored")
	var e *Error
	if !errors.As(err, &e) || e.Type != InvalidEntrypoint || e.Message != "Couldn't find valid bootstrap(s): ["+path+"]" {
		t.Errorf("no bootstrap: %v", err)
	}

	os.WriteFile(path, []byte("#!/bin/sh\n"), 0o644)
	_, err = Command("provided.al2", root, "ignored")
	if !errors.As(err, &e) || e.Type != InvalidEntrypoint || e.Message != "fork/exec "+path+": permission denied" {
		t.Errorf("bootstrap not executable: %v", err)
	}

	os.Chmod(path, 0o755)
	c, err := Command("provided.al2023", root, "my.handler")
	if err != nil || c.Path != path || len(c.Args) != 0 || c.Dir != root || !slices.Contains(c.Env, "_HANDLER=my.handler") {
		t.Errorf("Command = %+v, %v", c, err)
	}
}

// What os/exec says when a bootstrap is not a program for this machine
// is what Lambda reports, typed InvalidEntrypoint.
func TestStartError(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "bootstrap")
	os.WriteFile(path, []byte("\x7fELF not really"), 0o755)
	c, err := Command("provided.al2023", root, "")
	if err != nil {
		t.Fatal(err)
	}
	startErr := exec.Command(c.Path, c.Args...).Start()
	if startErr == nil {
		t.Fatal("a bootstrap that is not a program started")
	}
	e := StartError(startErr)
	if e.Type != InvalidEntrypoint || e.Message != "fork/exec "+path+": exec format error" {
		t.Errorf("StartError = %+v", e)
	}
}

func TestPythonInterpreterChoice(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	for _, rt := range []string{"python3.11", "python3.12", "python3.13"} {
		c, err := Command(rt, t.TempDir(), "lambda_function.lambda_handler")
		if err != nil {
			t.Fatalf("%s: %v", rt, err)
		}
		own := exec.Command(rt, "-c", "").Run() == nil
		if own == (c.Note != "") {
			t.Errorf("%s: runs here %v, yet Note is %q", rt, own, c.Note)
		}
		if !own && !strings.HasPrefix(c.Note, rt+" is not installed here; running python3 (Python 3.") {
			t.Errorf("%s: Note %q", rt, c.Note)
		}
		if !filepath.IsAbs(c.Path) || !strings.Contains(c.Path, "python") {
			t.Errorf("%s: Path %q is not an interpreter's own path", rt, c.Path)
		}
	}
}

// The loops are written once, named by their hash, and a damaged copy is
// put right.
func TestInstall(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir, err := install()
	if err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		for _, name := range []string{"node.mjs", "python.py"} {
			want, _ := loops.ReadFile("loops/" + name)
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s differs from the embedded loop (%v)", name, err)
			}
		}
	}
	check()
	os.WriteFile(filepath.Join(dir, "python.py"), []byte("damaged"), 0o644)
	again, err := install()
	if err != nil || again != dir {
		t.Fatalf("second install: %s, %v; want %s", again, err, dir)
	}
	check()
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the directory holds %d entries, want the two loops only", len(entries))
	}
}

// A Go function built with aws-lambda-go, the custom runtime's usual
// tenant, talks to the same Runtime API the loops are tested against.
func TestGoFunctionOnTheCustomRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: builds a Go program")
	}
	pkg := lambdatest.GoFunction(t, `package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	lambda.Start(func(ctx context.Context, in map[string]string) (map[string]string, error) {
		if in["fail"] != "" {
			return nil, errors.New(in["fail"])
		}
		lc, _ := lambdacontext.FromContext(ctx)
		return map[string]string{"id": lc.AwsRequestID, "name": lambdacontext.FunctionName}, nil
	})
}
`)
	a := newFakeAPI(t)
	start(t, a, "provided.al2023", "bootstrap", unzip(t, pkg))
	if p := a.invoke(t, invocation{id: "go-1", body: `{}`}); p.kind != "response" || string(p.body) != `{"id":"go-1","name":"fn"}` {
		t.Errorf("posted %s %s", p.kind, p.body)
	}
	p := a.invoke(t, invocation{id: "go-2", body: `{"fail":"nope"}`})
	if doc := decode(t, p); p.kind != "error" || doc["errorMessage"] != "nope" || doc["errorType"] != "errorString" {
		t.Errorf("posted %s %s", p.kind, p.body)
	}
}

func unzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(body)
	}
	return files
}

func TestNodeInterpreterNote(t *testing.T) {
	lambdatest.RequireNode(t)
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSpace(string(out))
	for _, rt := range []string{"nodejs20.x", "nodejs22.x"} {
		c, err := Command(rt, t.TempDir(), "index.handler")
		if err != nil {
			t.Fatalf("%s: %v", rt, err)
		}
		same := strings.HasPrefix(version, "v"+strings.TrimSuffix(strings.TrimPrefix(rt, "nodejs"), ".x")+".")
		if same != (c.Note == "") || (!same && c.Note != rt+" runs on node "+version+" here") {
			t.Errorf("%s on node %s: Note %q", rt, version, c.Note)
		}
		if !slices.Contains(c.Env, "AWS_EXECUTION_ENV=AWS_Lambda_"+rt) || len(c.Args) != 1 || !strings.HasSuffix(c.Args[0], "node.mjs") {
			t.Errorf("%s: %+v", rt, c)
		}
	}
}

// A cache directory that cannot be written leaves the loops in the
// temporary directory.
func TestInstallFallsBackToTemp(t *testing.T) {
	// A file where the cache directory should be stops even root.
	cache := filepath.Join(t.TempDir(), "file")
	os.WriteFile(cache, nil, 0o644)
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("TMPDIR", t.TempDir())
	dir, err := install()
	if err != nil || !strings.HasPrefix(dir, os.TempDir()) {
		t.Errorf("install() = %s, %v; want a directory under %s", dir, err, os.TempDir())
	}
}
