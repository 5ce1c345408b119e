// Command fn is a function for the engine's tests: a bootstrap that speaks
// the Runtime API with the standard library only, doing what each event's
// "op" asks.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var api = "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/"

func post(path string, body []byte, header ...string) (int, string) {
	req, _ := http.NewRequest("POST", api+path, bytes.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "post:", err)
		os.Exit(70)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func main() {
	if os.Getenv("FN_CHILD") != "" {
		select {} // a grandchild that never ends by itself
	}
	switch init := os.Getenv("FN_INIT"); {
	case init == "hang":
		fmt.Println("init hanging")
		for {
			time.Sleep(time.Hour)
		}
	case strings.HasPrefix(init, "wait:"):
		// Initialisation ends when the test says so: a byte on a
		// connection to the address given.
		c, err := net.Dial("tcp", strings.TrimPrefix(init, "wait:"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "init:", err)
			os.Exit(72)
		}
		fmt.Println("init waiting")
		c.Read(make([]byte, 1))
		c.Close()
	}
	switch os.Getenv("FN_INIT") {
	case "error":
		post("init/error", []byte(`{"errorMessage":"cannot load handler","errorType":"Runtime.ImportModuleError","stackTrace":[]}`),
			"Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError")
		os.Exit(1)
	case "exit":
		fmt.Println("init failing")
		os.Exit(2)
	}
	fmt.Println("init done")
	for {
		resp, err := http.Get(api + "invocation/next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "next:", err)
			os.Exit(71)
		}
		payload, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		var ev struct {
			Op             string
			Lines          int
			Text           string
			RequestContext struct{ Condition string }
		}
		json.Unmarshal(payload, &ev)
		if ev.RequestContext.Condition != "" {
			// An invocation record from a destination: shown whole,
			// and answered briefly, so that records of records do not
			// double in size at each step.
			fmt.Printf("record %s\n", payload)
			ev.Op = "seen"
		}
		out := payload
		switch ev.Op {
		case "seen":
			out = []byte(`{"seen":true}`)
		case "pid":
			out = []byte(fmt.Sprintf(`{"pid":%d}`, hostPid()))
		case "env":
			cwd, _ := os.Getwd()
			doc := map[string]any{"env": os.Environ(), "cwd": cwd, "header": resp.Header}
			out, _ = json.Marshal(doc)
		case "sleep":
			fmt.Printf("sleeping pid=%d\n", hostPid())
			// A timer, not select{}: with nothing left to wait on, Go
			// would end the process once its connections close.
			for {
				time.Sleep(time.Hour)
			}
		case "detachsleep":
			// A child in a session of its own, then the sleep above: for
			// a gatehouse killed outright while both run.
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "FN_CHILD=1")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			cmd.Start()
			fmt.Printf("sleeping pid=%d child=%d\n", hostPid(), childPid(cmd.Process.Pid))
			for {
				time.Sleep(time.Hour)
			}
		case "caps":
			st, _ := os.ReadFile("/proc/self/status")
			caps := map[string]string{}
			for _, line := range strings.Split(string(st), "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok && strings.HasPrefix(k, "Cap") {
					caps[k] = strings.TrimSpace(v)
				}
			}
			out, _ = json.Marshal(caps)
		case "parent":
			// What the function can do to its supervisor: trace it, read
			// its environment.
			ppid := os.Getppid()
			if p, err := os.ReadFile("/proc/self/stat"); err == nil {
				if f := strings.Fields(string(p[strings.LastIndexByte(string(p), ')')+1:])); len(f) > 1 {
					ppid, _ = strconv.Atoi(f[1])
				}
			}
			perr := syscall.PtraceAttach(ppid)
			_, eerr := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/environ")
			out, _ = json.Marshal(map[string]string{"ptrace": fmt.Sprint(perr), "environ": fmt.Sprint(eerr)})
		case "opendev":
			f, err := os.OpenFile(ev.Text, os.O_RDWR, 0)
			if err == nil {
				f.Close()
			}
			out, _ = json.Marshal(map[string]string{"error": fmt.Sprint(err)})
		case "writecode":
			err := os.WriteFile(filepath.Join(os.Getenv("LAMBDA_TASK_ROOT"), "written"), []byte("x"), 0o644)
			out, _ = json.Marshal(map[string]string{"error": fmt.Sprint(err)})
		case "dial":
			// A connection held open while the function sleeps.
			c, err := net.Dial("tcp", ev.Text)
			if err != nil {
				fmt.Fprintln(os.Stderr, "dial:", err)
				os.Exit(73)
			}
			defer c.Close()
			fmt.Println("dialled")
			for {
				time.Sleep(time.Hour)
			}
		case "writetmp":
			err := os.WriteFile("/tmp/note", []byte(ev.Text), 0o644)
			out, _ = json.Marshal(map[string]any{"error": fmt.Sprint(err)})
		case "readtmp":
			b, err := os.ReadFile("/tmp/note")
			out, _ = json.Marshal(map[string]any{"text": string(b), "error": fmt.Sprint(err)})
		case "hog":
			// Memory in 8 MB pieces, each written to, until killed.
			var keep [][]byte
			for range 64 {
				b := make([]byte, 8<<20)
				for i := 0; i < len(b); i += 4096 {
					b[i] = 1
				}
				keep = append(keep, b)
				time.Sleep(5 * time.Millisecond)
			}
			out = []byte(fmt.Sprintf(`{"kept":%d}`, len(keep)))
		case "child":
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "FN_CHILD=1")
			cmd.Start()
			out = []byte(fmt.Sprintf(`{"pid":%d,"child":%d}`, hostPid(), childPid(cmd.Process.Pid)))
		case "detach":
			// A child in a session of its own, outside the process
			// group, holding the output pipe, as Node's detached spawn
			// leaves one.
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "FN_CHILD=1")
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			cmd.Start()
			out = []byte(fmt.Sprintf(`{"pid":%d,"child":%d}`, hostPid(), childPid(cmd.Process.Pid)))
		case "once":
			// Answer, then exit, as a bootstrap that serves one event does.
			post("invocation/"+id+"/response", []byte(`"once"`))
			os.Exit(0)
		case "linger":
			// Answer, then exit a little later without asking for more:
			// an event handed over meanwhile is never taken.
			post("invocation/"+id+"/response", []byte(fmt.Sprintf(`{"pid":%d}`, hostPid())))
			time.Sleep(100 * time.Millisecond)
			os.Exit(0)
		case "crash":
			fmt.Fprintln(os.Stderr, "crashing")
			os.Exit(3)
		case "error":
			post("invocation/"+id+"/error", []byte(`{"errorMessage":"boom","errorType":"MyError","stackTrace":["main.go:1"]}`),
				"Lambda-Runtime-Function-Error-Type", "MyError")
			continue
		case "big":
			out = bytes.Repeat([]byte("x"), 6291556+10)
		case "print":
			for i := range ev.Lines {
				fmt.Printf("line %d of %s\n", i, id)
			}
		case "badid":
			status, body := post("invocation/not-"+id+"/response", []byte(`{}`))
			again, _ := http.Get(api + "invocation/next")
			againBody, _ := io.ReadAll(again.Body)
			again.Body.Close()
			initStatus, initBody := post("init/error", []byte(`{"errorMessage":"late","errorType":"Late"}`))
			out, _ = json.Marshal(map[string]any{"status": status, "body": body,
				"nextStatus": again.StatusCode, "nextBody": strings.TrimSpace(string(againBody)),
				"initStatus": initStatus, "initBody": initBody})
		case "garbage":
			post("invocation/"+id+"/error", []byte("\x00 not a document"), "Lambda-Runtime-Function-Error-Type", "Custom.Broken")
			continue
		}
		if status, body := post("invocation/"+id+"/response", out); status != http.StatusAccepted {
			fmt.Println("response refused:", status, body)
		}
	}
}

// hostPid is this process's pid as gatehouse sees it: in a sandbox's PID
// namespace getpid is the namespace's, while /proc is the host's.
func hostPid() int {
	if p, err := os.Readlink("/proc/self"); err == nil {
		if n, err := strconv.Atoi(p); err == nil {
			return n
		}
	}
	return os.Getpid()
}

// childPid is the host pid of this process's child nsPid: the child of
// one of its threads whose NSpid ends in nsPid.
func childPid(nsPid int) int {
	files, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, c := range strings.Fields(string(b)) {
			st, _ := os.ReadFile("/proc/" + c + "/status")
			for _, line := range strings.Split(string(st), "\n") {
				if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
					ids := strings.Fields(rest)
					if len(ids) > 0 && ids[len(ids)-1] == strconv.Itoa(nsPid) {
						n, _ := strconv.Atoi(c)
						return n
					}
				}
			}
		}
	}
	return nsPid
}
