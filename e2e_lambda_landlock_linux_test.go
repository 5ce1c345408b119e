package gatehouse_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"golang.org/x/sys/unix"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// landlockProbe tries to read what the event names and to write in its
// temporary directory (/tmp, or TMPDIR where gatehouse may not make /tmp
// the function's own), and answers with what each attempt raised.
const landlockProbe = `import os
import tempfile

def attempt(f):
    try:
        return "ok:" + str(f())
    except Exception as e:
        return type(e).__name__

def lambda_handler(event, context):
    def tmp():
        p = os.path.join(tempfile.gettempdir(), "scratch")
        with open(p, "w") as f:
            f.write("kept")
        with open(p) as f:
            return f.read()
    return {
        "store": attempt(lambda: len(open(event["store"], "rb").read(1))),
        "codeDir": attempt(lambda: os.listdir(event["codeDir"])),
        "otherCode": attempt(lambda: open(event["otherCode"]).read()),
        "own": attempt(lambda: len(open("lambda_function.py").read()) > 0),
        "home": attempt(lambda: os.listdir(event["home"])),
        "tmp": attempt(tmp),
    }
`

// A function process is confined with Landlock: the store file and
// other functions' code are refused, while its own code and its
// temporary directory work.
func TestLambdaFunctionCannotReadTheStore(t *testing.T) {
	if v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION); e != 0 || v < 1 {
		t.Skipf("Landlock is not available on this kernel (%v), so functions are not confined", e)
	}
	lambdatest.RequirePython(t, "3")
	dataDir := t.TempDir()
	srv := servertest.Start(t, servertest.DataDir(dataDir), servertest.FunctionDelay(-1))
	ctx := context.Background()
	lc := srv.Lambda()
	create := func(name, src string) {
		t.Helper()
		if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name),
			Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Runtime: ltypes.RuntimePython312,
			Handler: aws.String("lambda_function.lambda_handler"), Code: &ltypes.FunctionCode{ZipFile: lambdatest.PythonFunction(t, src)}}); err != nil {
			t.Fatal(err)
		}
	}
	const marker = "# another function's secret"
	create("other", marker+"\ndef lambda_handler(event, context):\n    return 1\n")
	create("probe", landlockProbe)

	store := filepath.Join(dataDir, "gatehouse.db")
	if _, err := os.Stat(store); err != nil {
		t.Fatal(err)
	}
	var otherCode string
	filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "lambda_function.py" {
			if b, _ := os.ReadFile(p); strings.HasPrefix(string(b), marker) {
				otherCode = p
			}
		}
		return nil
	})
	if otherCode == "" {
		t.Fatal("the other function's code is not in the data directory")
	}
	home, err := os.UserHomeDir()
	if err != nil || strings.HasPrefix(home, "/tmp/") {
		home = "/root"
	}
	event, _ := json.Marshal(map[string]string{"store": store, "codeDir": filepath.Dir(filepath.Dir(otherCode)), "otherCode": otherCode, "home": home})
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("probe"), Payload: event})
	if err != nil {
		t.Fatal(err)
	}
	if out.FunctionError != nil {
		t.Fatalf("the probe failed: %s", out.Payload)
	}
	var seen map[string]string
	if err := json.Unmarshal(out.Payload, &seen); err != nil {
		t.Fatalf("%v: %s", err, out.Payload)
	}
	// The data directory is under /tmp here: where the function's /tmp is
	// its own, the store is not even there for it; elsewhere Landlock
	// refuses it. The home directory is refused by Landlock either way.
	refused := func(v string) bool { return v == "PermissionError" || v == "FileNotFoundError" }
	for _, k := range []string{"store", "codeDir", "otherCode"} {
		if !refused(seen[k]) {
			t.Errorf("%s: %q, want it refused", k, seen[k])
		}
	}
	want := map[string]string{"home": "PermissionError", "own": "ok:True", "tmp": "ok:kept"}
	for k, w := range want {
		if seen[k] != w {
			t.Errorf("%s: %q, want %q", k, seen[k], w)
		}
	}
}
