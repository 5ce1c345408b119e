package gatehouse_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeWalkthrough runs the README's walkthrough, every sh block
// between its markers, as one bash script with the AWS CLI against
// `gatehouse serve --in-memory` on the README's port, so that the commands
// a user copies keep working. It takes about a minute (the CLI starts a
// Python interpreter for every call) and needs the walkthrough's ports, so
// it runs only when asked: GATEHOUSE_README=1 go test -run ReadmeWalkthrough .
func TestReadmeWalkthrough(t *testing.T) {
	if os.Getenv("GATEHOUSE_README") == "" {
		t.Skip("set GATEHOUSE_README=1 to run the README's walkthrough with the AWS CLI (about a minute)")
	}
	for _, tool := range []string{"aws", "curl", "bash", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walkthrough needs %s: %v", tool, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:4566", "127.0.0.1:4567", "127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.2:8080", "127.0.0.3:8080"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("the walkthrough listens on %s, which is taken: %v", addr, err)
		}
		ln.Close()
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	script := walkthrough(t, string(readme))

	dir := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "gatehouse"), "./cmd/gatehouse").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var serverLog bytes.Buffer
	srv := exec.Command(filepath.Join(dir, "gatehouse"), "serve", "--in-memory")
	srv.Stdout, srv.Stderr = &serverLog, &serverLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", "127.0.0.1:4566"); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gatehouse serve did not start:\n%s", serverLog.String())
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// -e stops at the first failing command. The backends the script starts
	// are in its process group, which is killed whatever happens.
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	// Files the walkthrough writes (a function's source and zip) go to a
	// folder of its own, as they would in a reader's scratch directory.
	cmd.Dir = t.TempDir()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Start()
	if err == nil {
		err = cmd.Wait()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s\nserver log:\n%s", err, out.String(), serverLog.String())
	}
	// What the README shows the reader.
	for _, want := range []string{
		"AVAILABLE\tVPC link is ready to route traffic",
		`"name": "backend-1"`, `"name": "backend-2"`,
		"10.0.1.10\t8081\thealthy",
		`{"message":"Service Unavailable"} 503`,
		"fix: add an ingress rule to sg-",
		`"name": "blue"`, `"name": "green"`,
		"real 127.0.0.2:8080 by rule eni-host-tag",
		`{"hello": "/direct", "function": "hello"}`,
		`{"message":"Internal Server Error"} 500`,
		`{"hello": "/hello", "function": "hello"} 200`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the walkthrough's output lacks %q", want)
		}
	}
	t.Logf("output:\n%s", out.String())
}

// walkthrough joins the sh blocks between the walkthrough's markers.
func walkthrough(t *testing.T, readme string) string {
	_, rest, ok := strings.Cut(readme, "<!-- walkthrough")
	body, _, ok2 := strings.Cut(rest, "<!-- end of walkthrough -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no walkthrough markers")
	}
	var script []string
	in := false
	for _, line := range strings.Split(body, "\n") {
		switch {
		case line == "```sh":
			in = true
		case line == "```":
			in = false
		case in:
			script = append(script, line)
		}
	}
	if len(script) < 20 {
		t.Fatalf("the walkthrough has %d commands; its markers or fences moved", len(script))
	}
	return strings.Join(script, "\n")
}
