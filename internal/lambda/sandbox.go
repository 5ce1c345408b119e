package lambda

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda/runtime"
	"gatehouse/internal/model"
)

// MaxPayload is the largest response a synchronous invocation may return,
// Lambda's 6 MB quota in bytes.
const MaxPayload = 6291556

// Sandbox states.
const (
	sbBusy = iota // running an invocation, or starting for one
	sbIdle        // warm, waiting for the next invocation
	sbDead        // killed or exited
)

// sandbox is one execution environment: a function process and the
// Runtime API listener it polls. It runs one invocation at a time.
type sandbox struct {
	f       *fnState
	e       *Engine
	version string
	gen     string

	mu    sync.Mutex
	state int
	// cur is the invocation the sandbox is running; taken is set once the
	// runtime has received it through /next.
	cur   *invocation
	taken bool
	// inited is set at the runtime's first /next: initialisation is over.
	inited bool
	// next hands cur to the runtime's /next.
	next chan *invocation
	// dead is closed when the sandbox is killed or its process exits.
	dead     chan struct{}
	deadOnce sync.Once
	// exit is why the process ended, once wait has reaped it.
	exit string
	// reaped is set once cmd.Wait has returned: its pid is free for reuse.
	reaped bool
	cmd    *exec.Cmd
	srv    *http.Server
	idle   clock.Timer
	// started is when the process started and initDur how long it took
	// to ask for its first event (wall clock: they are measurements, for
	// the REPORT line).
	started time.Time
	initDur time.Duration
	out     *lineWriter
	// sup is the process's supervisor, nil where there is none.
	sup *supervisor
	// oom is set when the supervisor killed the process for its memory.
	oom bool
}

func newSandbox(f *fnState, version, g string) *sandbox {
	return &sandbox{f: f, e: f.e, version: version, gen: g, state: sbBusy,
		next: make(chan *invocation, 1), dead: make(chan struct{})}
}

// invocation is one event on its way through a sandbox.
type invocation struct {
	id       string
	payload  []byte
	arn      string
	version  string
	cfg      *model.FunctionConfig
	wantTail bool
	// clientContext is the Lambda-Runtime-Client-Context header, "" for none.
	clientContext string
	limit         time.Duration
	// deadline is on the engine's clock; timer fires at it.
	deadline time.Time
	timer    clock.Timer
	// begun is when the runtime received the event (wall clock).
	begun time.Time
	cold  bool
	// moved is set once the event has gone to a second sandbox, its
	// first process having exited before asking for it.
	moved bool
	// initTimedOut is set when its sandbox's runtime did not initialise
	// within InitLimit; reinit then has a second sandbox initialise
	// within the invocation's own timeout, as Lambda retries Init.
	initTimedOut, reinit bool

	done chan invoke.Result
	once sync.Once
	// The concurrency the invocation holds.
	fn   *fnState
	acct *account
	// tail is the invocation's log, cut to its last TailSize bytes.
	tailMu sync.Mutex
	tail   []byte
}

// claim takes an idle sandbox for an invocation; false means its idle
// time ran out or it died meanwhile.
func (b *sandbox) claim() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != sbIdle {
		return false
	}
	b.state = sbBusy
	if b.idle != nil {
		b.idle.Stop()
		b.idle = nil
	}
	return true
}

// assign makes inv the sandbox's invocation and arms its timeout; b.mu
// must be held.
func (b *sandbox) assign(inv *invocation) {
	b.cur, b.taken = inv, false
	if !b.inited && !inv.reinit {
		// Lambda's Init phase has a limit of its own; the timeout starts
		// when the runtime first asks for an event (see handleNext).
		inv.deadline = b.e.clk.Now().Add(InitLimit + inv.limit)
		inv.timer = b.e.clk.AfterFunc(InitLimit, func() { b.initTimeout(inv) })
	} else {
		b.arm(inv)
	}
	// finish empties next, so it is empty here; should an event ever be
	// left in it, it is stale, and the send must not block under b.mu.
	select {
	case <-b.next:
	default:
	}
	b.next <- inv
}

// arm starts inv's timeout; b.mu must be held.
func (b *sandbox) arm(inv *invocation) {
	inv.deadline = b.e.clk.Now().Add(inv.limit)
	inv.timer = b.e.clk.AfterFunc(inv.limit, func() { b.timeout(inv) })
}

// InitLimit is how long a runtime may take to initialise, from its start
// to its first request for an event: Lambda's Init phase of 10 seconds.
const InitLimit = 10 * time.Second

// initTimeout ends a runtime that did not initialise within InitLimit.
// As Lambda retries Init within the function's timeout, inv goes to a
// fresh sandbox (see orphaned), whose initialisation counts against the
// invocation's timeout.
func (b *sandbox) initTimeout(inv *invocation) {
	b.mu.Lock()
	stuck := b.cur == inv && !b.inited
	if stuck {
		inv.initTimedOut = true
	}
	b.mu.Unlock()
	if !stuck {
		return
	}
	b.logLine(inv, "INIT_REPORT Init Duration: "+strconv.FormatFloat(float64(InitLimit)/float64(time.Millisecond), 'f', 2, 64)+" ms\tPhase: init\tStatus: timeout")
	b.kill()
}

// dispatch hands inv to a warm sandbox's runtime, which waits in /next.
func (b *sandbox) dispatch(inv *invocation) {
	b.mu.Lock()
	b.assign(inv)
	exit, moved := b.exit, inv.moved
	b.mu.Unlock()
	if !moved {
		b.logStart(inv)
	}
	// The process died between the claim and now, and wait has come and
	// gone: nobody else will end inv.
	if exit != "" {
		b.orphaned(inv, false, exit)
	}
}

// start starts the sandbox's process for its first invocation, inv. A
// process that cannot start ends inv with Runtime.InvalidEntrypoint.
func (b *sandbox) start(inv *invocation) {
	inv.cold = true
	b.mu.Lock()
	b.assign(inv)
	killed, moved := b.state == sbDead, inv.moved
	b.mu.Unlock()
	if !moved {
		b.logStart(inv)
	}
	if killed {
		b.fail(inv, errorDoc("Runtime.Unknown", "RequestId: "+inv.id+" Error: the execution environment was stopped"))
		return
	}
	cfg, e := inv.cfg, b.e
	dir := e.cfg.Code(cfg.CodeID)
	run, doc := launch(cfg.Runtime, dir, cfg.Handler, inv.id)
	if doc != nil {
		b.fail(inv, doc)
		return
	}
	if run.Note != "" {
		e.log.Info("lambda runtime: "+run.Note, "function", b.f.name, "runtime", cfg.Runtime)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.fail(inv, errorDoc("Runtime.Unknown", "RequestId: "+inv.id+" Error: "+err.Error()))
		return
	}
	b.srv = &http.Server{Handler: b.runtimeAPI(), ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)

	out, pw, err := newLineWriter(b)
	if err != nil {
		b.srv.Close()
		b.fail(inv, errorDoc("Runtime.Unknown", "RequestId: "+inv.id+" Error: "+err.Error()))
		return
	}
	cmd := &exec.Cmd{
		Path:        run.Path,
		Args:        append([]string{run.Path}, run.Args...),
		Dir:         cmpOr(run.Dir, dir),
		Env:         b.environ(cfg, dir, run.Env, ln.Addr().String()),
		Stdout:      pw,
		Stderr:      pw,
		SysProcAttr: procAttr(),
	}
	if doc := b.supervise(cmd, run, dir, inv); doc != nil {
		pw.Close()
		out.r.Close()
		b.srv.Close()
		b.fail(inv, doc)
		return
	}
	b.mu.Lock()
	if b.state == sbDead {
		b.mu.Unlock()
		pw.Close()
		out.r.Close()
		b.srv.Close()
		b.sup.close()
		b.fail(inv, errorDoc("Runtime.Unknown", "RequestId: "+inv.id+" Error: the execution environment was stopped"))
		return
	}
	b.out = out
	b.started = time.Now()
	err = cmd.Start()
	if err == nil {
		b.cmd = cmd
	}
	b.mu.Unlock()
	pw.Close()
	go out.copy()
	if err != nil {
		b.srv.Close()
		b.sup.close()
		b.fail(inv, startFailure(inv.id, err))
		return
	}
	b.sup.started()
	go b.wait()
}

// supervise has the sandbox's process started under its supervisor
// where the platform has one (see supervise). A non-nil answer is the
// error document to end inv with.
func (b *sandbox) supervise(cmd *exec.Cmd, run runtime.Cmd, dir string, inv *invocation) []byte {
	sup, err := supervise(cmd, run, dir, inv.cfg, b.e.log)
	if err != nil {
		return errorDoc("Runtime.Unknown", "RequestId: "+inv.id+" Error: "+err.Error())
	}
	b.sup = sup
	return nil
}

// fail ends inv with doc on a sandbox that never ran, and drops the
// sandbox.
func (b *sandbox) fail(inv *invocation, doc []byte) {
	b.finish(inv, invoke.Result{Payload: doc, FunctionError: "Unhandled"}, false)
	b.markDead()
	b.e.unregister(b)
}

// wait reaps the process, then ends whatever invocation it was running:
// a process that exits mid-invocation is Runtime.ExitError.
func (b *sandbox) wait() {
	err := b.cmd.Wait()
	b.mu.Lock()
	b.reaped = true
	b.mu.Unlock()
	// The group is killed so that nothing it started keeps the output
	// pipe (and so the sandbox) alive, then its last lines are logged;
	// end kills what left the group and still holds the pipe.
	killGroup(b.cmd)
	b.out.end()
	b.sup.removeTmp()
	// A supervisor tells how the function itself ended; killed itself,
	// it tells nothing, and its own end is the function's.
	end := b.sup.ended()
	msg := "Runtime exited without providing a reason"
	if err != nil {
		msg = "Runtime exited with error: " + cmpOr(end.reason, exitReason(err))
	}
	if end.setup != "" {
		b.e.log.Error("lambda: setting up a sandbox", "function", b.f.name, "err", end.setup)
		setupFailed(end.setup, b.e.log)
	}
	// From here a dispatch finds the sandbox dead and ends its invocation
	// itself; one before is ended here.
	b.mu.Lock()
	b.state, b.exit, b.oom = sbDead, msg, end.oom
	inv, taken := b.cur, b.taken
	b.mu.Unlock()
	b.markDead()
	b.srv.Close()
	switch {
	case inv == nil:
	case end.start != "":
		b.finish(inv, invoke.Result{Payload: startFailure(inv.id, errors.New(end.start)), FunctionError: "Unhandled"}, false)
	case end.setup != "":
		b.finish(inv, invoke.Result{Payload: errorDoc("Runtime.Unknown", "RequestId: "+inv.id+" Error: "+end.setup), FunctionError: "Unhandled"}, false)
	default:
		b.orphaned(inv, taken, msg)
	}
	b.f.unpark(b)
	b.e.unregister(b)
}

// orphaned ends inv, whose process died under it. An event the runtime
// never asked for, handed to a warm process that exited after its last
// answer, goes to a fresh sandbox instead, as Lambda resets an
// environment whose runtime has exited; anything else is
// Runtime.ExitError.
func (b *sandbox) orphaned(inv *invocation, taken bool, msg string) {
	if !taken && ((!inv.cold && !inv.moved) || (inv.initTimedOut && !inv.reinit)) {
		b.mu.Lock()
		moved := b.cur == inv
		if moved {
			inv.moved = true
			inv.reinit = inv.initTimedOut
			inv.timer.Stop()
			b.cur = nil
			select {
			case <-b.next:
			default:
			}
		}
		b.mu.Unlock()
		if moved {
			if nb, warm, ok := b.f.take(inv.version, b.gen); ok {
				if warm {
					nb.dispatch(inv)
				} else {
					nb.start(inv)
				}
				return
			}
			b.finish(inv, exited(inv, "Runtime.ExitError", msg), false)
			return
		}
	}
	// As CloudWatch shows a runtime's exit: the error, then its type.
	b.mu.Lock()
	typ := "Runtime.ExitError"
	if b.oom {
		typ = "Runtime.OutOfMemory"
	}
	b.mu.Unlock()
	b.logLine(inv, "RequestId: "+inv.id+" Error: "+msg)
	b.logLine(inv, typ)
	b.finish(inv, exited(inv, typ, msg), false)
}

// exited is the result of an invocation whose process ended under it,
// with Lambda's error type for that end.
func exited(inv *invocation, typ, msg string) invoke.Result {
	return invoke.Result{Payload: errorDoc(typ, "RequestId: "+inv.id+" Error: "+msg), FunctionError: "Unhandled"}
}

// exitReason is how Go names a process's end: "exit status 2", "signal:
// killed".
func exitReason(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	return err.Error()
}

// markDead moves the sandbox to dead once; its idle timer stops and /next
// calls waiting on it return.
func (b *sandbox) markDead() {
	b.mu.Lock()
	b.state = sbDead
	if b.idle != nil {
		b.idle.Stop()
		b.idle = nil
	}
	b.mu.Unlock()
	b.deadOnce.Do(func() { close(b.dead) })
}

// kill ends the sandbox: its process group is killed, and wait reaps it
// and ends its invocation, if it has one.
func (b *sandbox) kill() {
	b.mu.Lock()
	cmd, reaped := b.cmd, b.reaped
	b.mu.Unlock()
	b.markDead()
	if cmd != nil {
		// What the process started outside its group dies first, found
		// while the process still links them; once it has been reaped,
		// its pid may name another process.
		if !reaped {
			killStrays(cmd.Process.Pid, nil)
		}
		killGroup(cmd)
	}
}

// timeout ends inv if it is still running when its time is up: the
// sandbox is killed and the caller gets Lambda's timeout document.
func (b *sandbox) timeout(inv *invocation) {
	b.mu.Lock()
	running := b.cur == inv
	b.mu.Unlock()
	if !running {
		return
	}
	// The caller gets Lambda's current document, errorType
	// Sandbox.Timedout; the log keeps the line CloudWatch shows, with
	// its timestamp.
	secs := strconv.FormatFloat(inv.limit.Seconds(), 'f', 2, 64)
	b.logLine(inv, b.e.clk.Now().UTC().Format("2006-01-02T15:04:05.000Z")+" "+inv.id+" Task timed out after "+secs+" seconds")
	doc := errorDoc("Sandbox.Timedout", "RequestId: "+inv.id+" Error: Task timed out after "+secs+" seconds")
	b.finish(inv, invoke.Result{Payload: doc, FunctionError: "Unhandled"}, false)
}

// finish ends inv once with res: its END and REPORT lines are logged,
// the sandbox goes back to the warm pool (reuse, and still wanted) or is
// killed, its concurrency is given back, and then the caller has res.
// The sandbox is parked first, so a caller that invokes again at once
// finds it warm.
func (b *sandbox) finish(inv *invocation, res invoke.Result, reuse bool) {
	first := false
	inv.once.Do(func() { first = true })
	if !first {
		return
	}
	b.mu.Lock()
	out := b.out
	b.mu.Unlock()
	if out != nil {
		out.drain()
	}
	b.mu.Lock()
	if inv.timer != nil {
		inv.timer.Stop()
	}
	if b.cur == inv {
		b.cur, b.taken = nil, false
	}
	// An event /next has not taken yet stays in the channel; drain it.
	select {
	case <-b.next:
	default:
	}
	b.mu.Unlock()
	b.logEnd(inv)
	res.RequestID, res.ExecutedVersion = inv.id, inv.version
	if inv.wantTail {
		res.LogTail = inv.tailBytes()
	}
	if !reuse || !b.park() {
		b.kill()
	}
	inv.uncharge()
	inv.done <- res
}

// park makes the sandbox idle and warm, with its idle timer; false when
// it is dead or no longer wanted.
func (b *sandbox) park() bool {
	b.mu.Lock()
	if b.state != sbBusy {
		b.mu.Unlock()
		return false
	}
	b.state = sbIdle
	b.idle = b.e.clk.AfterFunc(b.e.cfg.IdleTimeout, b.idleOut)
	b.mu.Unlock()
	if !b.f.park(b) {
		b.mu.Lock()
		if b.state == sbIdle {
			b.state = sbBusy
		}
		if b.idle != nil {
			b.idle.Stop()
			b.idle = nil
		}
		b.mu.Unlock()
		return false
	}
	return true
}

// idleOut stops a sandbox that waited IdleTimeout for an invocation.
func (b *sandbox) idleOut() {
	b.mu.Lock()
	idle := b.state == sbIdle
	b.mu.Unlock()
	if idle && b.f.unpark(b) {
		b.e.log.Debug("lambda sandbox idle, stopping", "function", b.f.name, "version", b.version)
		b.kill()
	}
}

// environ is the process's environment, as Lambda sets it: its own
// variables, credentials gatehouse accepts, what the runtime adds
// (_HANDLER, AWS_EXECUTION_ENV, LAMBDA_RUNTIME_DIR, its module path), then
// the function's variables (the service refuses those that would replace
// Lambda's). Nothing of gatehouse's own environment leaks in but PATH's
// directories, after Lambda's, so a bootstrap script finds local tools.
func (b *sandbox) environ(cfg *model.FunctionConfig, dir string, runtimeEnv []string, api string) []string {
	e, f := b.e, b.f
	now := e.clk.Now().UTC()
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + f.name,
		"AWS_LAMBDA_FUNCTION_VERSION=" + b.version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(cfg.MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + f.name,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + now.Format("2006/01/02") + "/[" + b.version + "]" + strings.ReplaceAll(newRequestID(), "-", ""),
		"AWS_LAMBDA_RUNTIME_API=" + api,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + f.scope.Region,
		"AWS_DEFAULT_REGION=" + f.scope.Region,
		"LAMBDA_TASK_ROOT=" + dir,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=" + lambdaPath(),
		"AWS_ACCESS_KEY_ID=" + e.cfg.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + e.cfg.SecretKey,
		"AWS_SESSION_TOKEN=" + e.token,
	}
	if u := e.cfg.Endpoint(); u != "" {
		env = append(env, "AWS_ENDPOINT_URL="+u)
	}
	env = append(env, runtimeEnv...)
	for _, k := range slices.Sorted(maps.Keys(cfg.Environment)) {
		env = append(env, k+"="+cfg.Environment[k])
	}
	return env
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// errorDoc is Lambda's error document.
func errorDoc(typ, msg string) []byte {
	doc, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{typ, msg})
	return doc
}

// runtimeAPI is the sandbox's Runtime API, 2018-06-01.
func (b *sandbox) runtimeAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", b.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", b.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", b.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", b.handleInitError)
	return mux
}

// handleNext blocks until the sandbox has an event for the runtime.
func (b *sandbox) handleNext(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	if b.cur != nil && b.taken {
		id := b.cur.id
		b.mu.Unlock()
		apiError(w, http.StatusForbidden, "InvalidStateTransition",
			"State transition from RuntimeResponseSent to InvocationNext failed for runtime. Error: invocation "+id+" has no response yet")
		return
	}
	if !b.inited {
		b.inited = true
		b.initDur = time.Since(b.started)
		// Init is over: the invocation's own time starts now, unless its
		// initialisation was already counted in it.
		if inv := b.cur; inv != nil && !inv.reinit && inv.timer != nil {
			inv.timer.Stop()
			b.arm(inv)
		}
	}
	b.mu.Unlock()
	var inv *invocation
	select {
	case inv = <-b.next:
	case <-b.dead:
		apiError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	case <-r.Context().Done():
		return
	}
	b.mu.Lock()
	if b.cur != inv { // ended while waiting (timed out)
		b.mu.Unlock()
		apiError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	}
	b.taken = true
	inv.begun = time.Now()
	b.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	// The deadline is the engine clock's, told in wall-clock time, so a
	// function under a test's fake clock still has its time left.
	left := inv.deadline.Sub(b.e.clk.Now())
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(left).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
	h.Set("Lambda-Runtime-Trace-Id", traceID(b.e.clk.Now()))
	if inv.clientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
}

// running is the invocation id names, if the runtime has taken it.
func (b *sandbox) running(id string) *invocation {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur == nil || !b.taken || b.cur.id != id {
		return nil
	}
	return b.cur
}

func (b *sandbox) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := b.running(r.PathValue("id"))
	if inv == nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, ok := readLimited(r, MaxPayload)
	if !ok {
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", MaxPayload))
		b.finish(inv, invoke.Result{FunctionError: "Unhandled", Payload: errorDoc("Function.ResponseSizeTooLarge",
			fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayload))}, true)
		return
	}
	accepted(w)
	b.finish(inv, invoke.Result{Payload: body}, true)
}

func (b *sandbox) handleError(w http.ResponseWriter, r *http.Request) {
	inv := b.running(r.PathValue("id"))
	if inv == nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, _ := readLimited(r, MaxPayload)
	accepted(w)
	b.finish(inv, invoke.Result{FunctionError: "Unhandled", Payload: errorPayload(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))}, true)
}

// handleInitError takes the runtime's report that it cannot start: the
// report answers the invocation it was started for, and the sandbox is
// dropped (the runtime should exit; it is killed if it does not).
func (b *sandbox) handleInitError(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	inited, inv := b.inited, b.cur
	b.mu.Unlock()
	if inited {
		apiError(w, http.StatusForbidden, "InvalidStateTransition",
			"State transition from Ready to InitError failed for runtime. Error: the runtime has already initialised")
		return
	}
	body, _ := readLimited(r, MaxPayload)
	accepted(w)
	if inv != nil {
		b.finish(inv, invoke.Result{FunctionError: "Unhandled", Payload: errorPayload(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))}, false)
	}
}

// errorPayload is the error document a runtime reported: its body when it
// is one, else one made from the error type header, as Lambda does.
func errorPayload(body []byte, typ string) []byte {
	var doc struct {
		ErrorMessage *string `json:"errorMessage"`
		ErrorType    *string `json:"errorType"`
	}
	if json.Unmarshal(body, &doc) == nil && (doc.ErrorMessage != nil || doc.ErrorType != nil) {
		return body
	}
	if typ == "" {
		typ = "Runtime.Unknown"
	}
	return errorDoc(typ, "")
}

// readLimited reads r's body up to limit bytes; false when it is longer.
func readLimited(r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return nil, false
	}
	return body, true
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte(`{"status":"OK"}` + "\n"))
}

// apiError is the Runtime API's error answer.
func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(errorDoc(typ, msg), '\n'))
}

// traceID is an X-Ray trace header for an invocation at now (gatehouse
// traces nothing, but runtimes expect the header).
func traceID(now time.Time) string {
	h := strings.ReplaceAll(newRequestID(), "-", "")
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), h[:24], h[16:32])
}
