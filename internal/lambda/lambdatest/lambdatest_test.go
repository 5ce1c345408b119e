package lambdatest

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"io/fs"
	"runtime"
	"testing"

	// GoFunction's builds import aws-lambda-go through this module's
	// go.mod; importing a package of it here keeps it there.
	_ "github.com/aws/aws-lambda-go/lambdacontext"
)

// unzip reads a package back: name → (mode, body).
func unzip(t *testing.T, b []byte) map[string]struct {
	mode fs.FileMode
	body []byte
} {
	t.Helper()
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string]struct {
		mode fs.FileMode
		body []byte
	}{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = struct {
			mode fs.FileMode
			body []byte
		}{f.Mode(), body}
	}
	return out
}

func TestZipModes(t *testing.T) {
	b := Zip(t, map[string]string{"bootstrap": "#!/bin/sh\n", "bin/bootstrap": "x", "lib/a.txt": "a", "bootstrap.sh": "y"})
	got := unzip(t, b)
	want := map[string]fs.FileMode{"bootstrap": 0o755, "bin/bootstrap": 0o755, "lib/a.txt": 0o644, "bootstrap.sh": 0o644}
	if len(got) != len(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for name, mode := range want {
		if got[name].mode != mode {
			t.Errorf("%s: mode %v, want %v", name, got[name].mode, mode)
		}
	}
	if string(got["bootstrap"].body) != "#!/bin/sh\n" {
		t.Errorf("bootstrap body %q", got["bootstrap"].body)
	}
	if again := Zip(t, map[string]string{"bootstrap.sh": "y", "lib/a.txt": "a", "bin/bootstrap": "x", "bootstrap": "#!/bin/sh\n"}); !bytes.Equal(again, b) {
		t.Error("the same files made different bytes, so a different CodeSha256")
	}
}

func TestZipEntriesModesAndOrder(t *testing.T) {
	b := ZipEntries(t, Entry{Name: "run.sh", Body: "echo", Mode: 0o700}, Entry{Name: "lib/"}, Entry{Name: "bootstrap", Mode: 0o644})
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		mode fs.FileMode
	}{{"run.sh", 0o700}, {"lib/", fs.ModeDir | 0o755}, {"bootstrap", 0o644}}
	if len(r.File) != len(want) {
		t.Fatalf("%d entries, want %d", len(r.File), len(want))
	}
	for i, w := range want {
		if f := r.File[i]; f.Name != w.name || f.Mode() != w.mode {
			t.Errorf("entry %d: %s %v, want %s %v", i, f.Name, f.Mode(), w.name, w.mode)
		}
	}
}

func TestNodeFunction(t *testing.T) {
	for _, c := range []struct{ src, file string }{
		{"export const handler = async (event) => event;", "index.mjs"},
		{"export async function handler(event) { return event.exports = 1; }", "index.mjs"},
		{"exports.handler = async (event) => event;", "index.js"},
		{"module.exports = { handler: async (e) => e };", "index.js"},
		{"module.exports.handler = async (e) => e;", "index.js"},
	} {
		got := unzip(t, NodeFunction(t, c.src))
		if len(got) != 1 || string(got[c.file].body) != c.src || got[c.file].mode != 0o644 {
			t.Errorf("%q: package %v, want only %s", c.src, got, c.file)
		}
	}
}

func TestPythonFunction(t *testing.T) {
	src := "def lambda_handler(event, context):\n    return event\n"
	got := unzip(t, PythonFunction(t, src))
	if len(got) != 1 || string(got["lambda_function.py"].body) != src {
		t.Errorf("package %v, want only lambda_function.py", got)
	}
}

const echoGo = `package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, event map[string]any) (map[string]any, error) { return event, nil })
}
`

func TestGoFunction(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: builds a Go program")
	}
	b := GoFunction(t, echoGo)
	got := unzip(t, b)
	boot, ok := got["bootstrap"]
	if len(got) != 1 || !ok {
		t.Fatalf("package holds %d entries, want only bootstrap", len(got))
	}
	if boot.mode != 0o755 {
		t.Errorf("bootstrap mode %v, want 0755", boot.mode)
	}
	exe, err := elf.NewFile(bytes.NewReader(boot.body))
	if err != nil {
		t.Fatalf("bootstrap is not a Linux executable: %v", err)
	}
	if exe.Type != elf.ET_EXEC {
		t.Errorf("bootstrap ELF type %v, want a static executable", exe.Type)
	}
	if interp := exe.Section(".interp"); interp != nil {
		t.Error("bootstrap asks for a dynamic loader: built with cgo")
	}
	if again := GoFunction(t, echoGo); &again[0] != &b[0] {
		t.Error("the same source was built twice")
	}
}

func TestGoFunctionBuildErrorFails(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: runs the Go compiler")
	}
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	// Fatalf ends the goroutine it is called on, as in a real test.
	go func() { defer close(done); GoFunction(ft, "package main\nfunc main() { undefined() }\n") }()
	<-done
	if !ft.failed {
		t.Error("a source that does not compile did not fail the test")
	}
}

// fakeT records a failure instead of failing the real test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	runtime.Goexit()
}
