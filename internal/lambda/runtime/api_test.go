package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI is a Runtime API as the engine serves it, for one function
// process: it hands out the invocations a test queues and records what
// the process posts back.
type fakeAPI struct {
	srv     *httptest.Server
	next    chan invocation
	results chan posted
}

type invocation struct {
	id      string
	body    string
	headers map[string]string // extra Lambda-Runtime-* headers
}

// posted is one POST from the process: kind is "response", "error" or
// "init".
type posted struct {
	kind, id  string
	body      []byte
	errorType string // Lambda-Runtime-Function-Error-Type
	ctype     string
}

// deadline is what every invocation's Lambda-Runtime-Deadline-Ms says
// unless a test sets it: far enough ahead that remaining time is
// positive however slow the machine.
func deadline() string { return fmt.Sprint(time.Now().Add(time.Hour).UnixMilli()) }

func newFakeAPI(t testing.TB) *fakeAPI {
	a := &fakeAPI{next: make(chan invocation), results: make(chan posted, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case inv := <-a.next:
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", deadline())
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:fn")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
			for k, v := range inv.headers {
				h.Set(k, v)
			}
			io.WriteString(w, inv.body)
		case <-r.Context().Done():
		}
	})
	record := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			a.results <- posted{kind: kind, id: r.PathValue("id"), body: body,
				errorType: r.Header.Get("Lambda-Runtime-Function-Error-Type"), ctype: r.Header.Get("Content-Type")}
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"status":"OK"}`)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", record("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", record("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", record("init"))
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// invoke queues one invocation and returns what the process posted for
// it. The timeout only keeps a broken loop from hanging the test run.
func (a *fakeAPI) invoke(t testing.TB, inv invocation) posted {
	t.Helper()
	select {
	case a.next <- inv:
	case p := <-a.results:
		t.Fatalf("the process posted %s %s before asking for an invocation", p.kind, p.body)
	case <-time.After(20 * time.Second):
		t.Fatal("the process never asked for an invocation")
	}
	return a.result(t)
}

func (a *fakeAPI) result(t testing.TB) posted {
	t.Helper()
	select {
	case p := <-a.results:
		return p
	case <-time.After(20 * time.Second):
		t.Fatal("the process posted nothing")
	}
	return posted{}
}

// proc is one function process under test.
type proc struct {
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start writes files into a task root and starts runtime rt's process
// for handler there, with the environment Lambda gives a function.
func start(t testing.TB, a *fakeAPI, rt, handler string, files map[string]string) *proc {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		path := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		mode := os.FileMode(0o644)
		if filepath.Base(name) == "bootstrap" {
			mode = 0o755
		}
		if err := os.WriteFile(path, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Command(rt, root, handler)
	if err != nil {
		t.Fatalf("Command(%s): %v", rt, err)
	}
	p := &proc{cmd: exec.Command(c.Path, c.Args...), done: make(chan struct{})}
	p.cmd.Dir = c.Dir
	p.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TZ=:UTC",
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(a.srv.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/fn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/12/02/[$LATEST]0123456789abcdef",
		"LAMBDA_TASK_ROOT=" + root,
	}, c.Env...)
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop() })
	return p
}

// stop ends the process and returns everything it wrote. Waiting for
// the exit also waits for its output to be copied, so what a process
// wrote before posting a result is all there.
func (p *proc) stop() string {
	p.cmd.Process.Kill()
	<-p.done
	return p.out.String()
}

// exited waits for the process to end by itself, as after an init
// error, and returns its output.
func (p *proc) exited(t testing.TB) string {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the process did not exit")
	}
	return p.out.String()
}

// decode unmarshals a posted body into a map, failing the test if it is
// not a JSON object.
func decode(t *testing.T, p posted) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(p.body, &m); err != nil {
		t.Fatalf("%s body %q is not a JSON object: %v", p.kind, p.body, err)
	}
	return m
}
