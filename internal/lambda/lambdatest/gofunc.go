package lambdatest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// built caches GoFunction's packages by source for the life of the test
// binary: a build takes seconds, and many tests deploy the same function.
var built sync.Map // hash of source → *goBuild

type goBuild struct {
	once sync.Once
	zip  []byte
	err  string
}

// GoFunction builds mainSrc, a main package that imports
// github.com/aws/aws-lambda-go/lambda (any package of this module's
// go.mod may be imported), into a custom-runtime package: one executable,
// bootstrap, for runtime provided.al2023 or provided.al2 (the handler
// string is not read by such a function; "bootstrap" is the convention).
// It is built as Lambda's guide says (GOOS=linux, CGO_ENABLED=0, -tags
// lambda.norpc) for this machine's architecture, since gatehouse runs it
// here. The build runs in the current directory's module, so the test
// must run inside gatehouse's tree; it skips when go is not on PATH.
func GoFunction(t testing.TB, mainSrc string) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipped: go is not on PATH")
	}
	sum := sha256.Sum256([]byte(mainSrc))
	key := hex.EncodeToString(sum[:])
	v, _ := built.LoadOrStore(key, new(goBuild))
	b := v.(*goBuild)
	b.once.Do(func() { b.zip, b.err = buildGo(t, goBin, mainSrc) })
	if b.err != "" {
		t.Fatalf("lambdatest: building Go function: %s", b.err)
	}
	return b.zip
}

// buildGo builds in a temporary directory of the test that first asks;
// only the zip outlives it.
func buildGo(t testing.TB, goBin, src string) ([]byte, string) {
	dir := t.TempDir()
	mainFile := filepath.Join(dir, "main.go")
	if err := os.WriteFile(mainFile, []byte(src), 0o644); err != nil {
		return nil, err.Error()
	}
	bin := filepath.Join(dir, "bootstrap")
	// A file argument outside the module still resolves its imports with
	// the module of the working directory (ours), so the versions are the
	// ones go.mod and go.sum pin.
	cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, mainFile)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, err.Error() + "\n" + string(out)
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return nil, err.Error()
	}
	return ZipEntries(t, Entry{Name: "bootstrap", Body: string(exe), Mode: 0o755}), ""
}
