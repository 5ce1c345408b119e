package lambda_test

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda"
	"gatehouse/internal/model"
	"gatehouse/internal/store/mem"
)

// childEnv names the test function's directory when the test binary runs
// as an engine of its own, for TestFunctionDiesWithAKilledEngine;
// childOpEnv is the op its invocation runs ("sleep" unless set).
// childNoNSEnv has it start sandboxes without namespaces.
const (
	childEnv     = "LAMBDA_ENGINE_CHILD"
	childOpEnv   = "LAMBDA_ENGINE_OP"
	childNoNSEnv = "LAMBDA_ENGINE_NO_NAMESPACES"
)

// runChildIfAsked runs the engine of TestFunctionDiesWithAKilledEngine
// when the test binary was started as one.
func runChildIfAsked() {
	if dir := os.Getenv(childEnv); dir != "" {
		runChild(dir)
	}
}

// runChild starts an engine logging to stdout, has a function process
// busy with an invocation that never ends (it logs "sleeping pid=N") and
// waits to be killed.
func runChild(dir string) {
	if os.Getenv(childNoNSEnv) != "" {
		lambda.NoNamespaces()
	}
	st := mem.New()
	e := lambda.New(lambda.Config{Store: st, Code: func(string) string { return dir },
		Log: slog.New(slog.NewTextHandler(os.Stdout, nil))})
	e.Start()
	fail := func(err error) {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	err := model.Update(st, account, region, func(tx model.Tx) error {
		return model.Put(tx, &model.Function{Name: "fn", ARN: invoke.FunctionARN(region, account, "fn", ""),
			Config: model.FunctionConfig{Version: "$LATEST", Runtime: "provided.al2023", Handler: "bootstrap",
				Timeout: 30, MemorySize: 128, CodeID: "fn", LastModified: time.Now(),
				State: lambda.StatePending, LastUpdateStatus: lambda.UpdateInProgress}})
	})
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Sync(ctx); err != nil {
		fail(err)
	}
	// The process is busy: it does not end by itself when the engine's
	// Runtime API goes away.
	op := cmp.Or(os.Getenv(childOpEnv), "sleep")
	go func() {
		// The op never ends by itself: an answer means it failed.
		res, err := e.Invoke(context.Background(), invoke.Request{Account: account, Region: region, Function: "fn", Payload: []byte(`{"op":"` + op + `"}`)})
		fmt.Println("error:", string(res.Payload), err)
	}()
	select {}
}

var sleeping = regexp.MustCompile(`msg="sleeping pid=(\d+)(?: child=(\d+))?"`)

// A function process dies with gatehouse, even when gatehouse is killed
// outright and nothing of its own shutdown runs (Linux's parent-death
// signal).
func TestFunctionDiesWithAKilledEngine(t *testing.T) {
	killEngine(t, "sleep")
}

// So does what the function detached into a session of its own: the
// sandbox's PID namespace ends with its first process.
func TestDetachedChildDiesWithAKilledEngine(t *testing.T) {
	if !lambda.Namespaces() {
		t.Skip("this machine does not let gatehouse make namespaces: a detached child outlives a gatehouse killed outright")
	}
	killEngine(t, "detachsleep")
}

// Without namespaces, the supervisor hears of gatehouse's death and kills
// what the function detached before it goes.
func TestDetachedChildDiesWithAKilledEngineWithoutNamespaces(t *testing.T) {
	t.Setenv(childNoNSEnv, "1")
	killEngine(t, "detachsleep")
}

// killEngine starts an engine in a process of its own with a function
// busy with op, kills the engine outright, and waits for the function's
// processes to die.
func killEngine(t *testing.T, op string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+bootDir, childOpEnv+"="+op)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	// A watchdog: an engine that never prints a pid is killed, which ends
	// the scan below and fails the test.
	watchdog := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	pid, child := 0, 0
	sc := bufio.NewScanner(out)
	for pid == 0 && sc.Scan() {
		if m := sleeping.FindStringSubmatch(sc.Text()); m != nil {
			pid, _ = strconv.Atoi(m[1])
			child, _ = strconv.Atoi(m[2])
		} else if strings.HasPrefix(sc.Text(), "error:") {
			t.Fatal(sc.Text())
		}
	}
	if pid == 0 || (op == "detachsleep") != (child != 0) {
		t.Fatalf("the engine printed no pid (%d, child %d): %v", pid, child, sc.Err())
	}
	alive(t, pid)
	if child != 0 {
		alive(t, child)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	gone(t, pid)
	if child != 0 {
		gone(t, child)
	}
}
