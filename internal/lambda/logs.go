package lambda

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"
)

// TailSize is how much of an invocation's log LogType Tail returns.
const TailSize = 4096

// maxLine bounds a line held while waiting for its newline: a function
// that writes megabytes without one has them logged in pieces.
const maxLine = 256 << 10

// logLine writes one line of inv's log (inv may be nil: output between
// invocations) to gatehouse's log with the function and request id, and
// to inv's tail.
func (b *sandbox) logLine(inv *invocation, line string) {
	id := ""
	if inv != nil {
		id = inv.id
		inv.addTail(line)
	}
	b.e.log.Info(line, "function", b.f.name, "requestId", id)
}

func (b *sandbox) logStart(inv *invocation) {
	if b.quiet(inv) {
		return
	}
	b.logLine(inv, "START RequestId: "+inv.id+" Version: "+inv.version)
}

// quiet reports whether nobody reads inv's START, END and REPORT lines:
// no tail asked for and gatehouse's log not taking Info.
func (b *sandbox) quiet(inv *invocation) bool {
	return !inv.wantTail && !b.e.log.Enabled(context.Background(), slog.LevelInfo)
}

// logEnd writes END and REPORT as CloudWatch shows them. Durations are
// measured on the wall clock: they report what the process took.
func (b *sandbox) logEnd(inv *invocation) {
	if b.quiet(inv) {
		return
	}
	b.logLine(inv, "END RequestId: "+inv.id)
	b.mu.Lock()
	begun, cmd, initDur, oom := inv.begun, b.cmd, b.initDur, b.oom
	b.mu.Unlock()
	var d time.Duration
	if !begun.IsZero() {
		d = time.Since(begun)
	}
	ms := float64(d) / float64(time.Millisecond)
	var r strings.Builder
	fmt.Fprintf(&r, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB",
		inv.id, ms, int64(math.Ceil(ms)), inv.cfg.MemorySize)
	if oom {
		// Killed for passing it: Lambda reports the whole of it.
		fmt.Fprintf(&r, "\tMax Memory Used: %d MB", inv.cfg.MemorySize)
	} else if cmd != nil && cmd.Process != nil {
		pid := b.sup.functionPid()
		if pid == 0 {
			pid = cmd.Process.Pid
		}
		if mb, ok := maxMemoryMB(pid); ok {
			fmt.Fprintf(&r, "\tMax Memory Used: %d MB", mb)
		}
	}
	if inv.cold && initDur > 0 {
		fmt.Fprintf(&r, "\tInit Duration: %.2f ms", float64(initDur)/float64(time.Millisecond))
	}
	r.WriteString("\t")
	b.logLine(inv, r.String())
}

// addTail appends a line to the invocation's log, keeping the last
// TailSize bytes; it keeps nothing unless the caller asked for the tail.
func (inv *invocation) addTail(line string) {
	if !inv.wantTail {
		return
	}
	inv.tailMu.Lock()
	defer inv.tailMu.Unlock()
	inv.tail = append(inv.tail, line...)
	inv.tail = append(inv.tail, '\n')
	if len(inv.tail) > 2*TailSize {
		inv.tail = append(inv.tail[:0], inv.tail[len(inv.tail)-TailSize:]...)
	}
}

func (inv *invocation) tailBytes() []byte {
	inv.tailMu.Lock()
	defer inv.tailMu.Unlock()
	t := inv.tail
	if len(t) > TailSize {
		t = t[len(t)-TailSize:]
	}
	return bytes.Clone(t)
}

// lineWriter takes a function process's stdout and stderr (one pipe, as
// Lambda merges them) and logs them line by line, each with the
// invocation running when it arrives.
type lineWriter struct {
	b   *sandbox
	mu  sync.Mutex
	buf []byte

	// r is the pipe's read end. rmu is held while bytes read from it
	// are logged, so that once drain holds it, nothing read is still on
	// its way to the log.
	r    *os.File
	rmu  sync.Mutex
	done chan struct{}
	// dbuf is drain's read buffer, used under rmu.
	dbuf []byte
}

// newLineWriter makes the pipe; w is the end the process writes to,
// which the caller closes once the process has started.
func newLineWriter(b *sandbox) (lw *lineWriter, w *os.File, err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	return &lineWriter{b: b, r: r, done: make(chan struct{}), dbuf: make([]byte, 4<<10)}, w, nil
}

// copy reads the pipe until every writer has closed it (the process and
// whatever it started are gone).
func (w *lineWriter) copy() {
	defer close(w.done)
	defer w.r.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := readPipe(w.r, &w.rmu, buf, w.write)
		if n == 0 || err != nil {
			w.flush()
			return
		}
	}
}

// outputGrace is how long the output pipe is read after the function's
// process group is gone: a process that left the group (by setsid) and
// still holds the pipe must not keep the sandbox, its invocation or the
// engine's Stop waiting.
const outputGrace = 100 * time.Millisecond

// end waits for the pipe to close, for outputGrace at most; then it kills
// whatever still holds the pipe and stops reading it.
func (w *lineWriter) end() {
	select {
	case <-w.done:
		return
	default:
	}
	t := time.NewTimer(outputGrace)
	defer t.Stop()
	select {
	case <-w.done:
		return
	case <-t.C:
	}
	killStrays(0, w.r)
	// A read deadline wakes copy's blocked read; where pipes take none,
	// closing the read end does.
	if w.r.SetReadDeadline(time.Now()) != nil {
		w.r.Close()
	}
	<-w.done
}

// drain logs what the process has written so far: a function prints,
// then posts its response, and the lines belong to that invocation's log
// (and its tail) even when the response arrives first.
func (w *lineWriter) drain() {
	drainPipe(w.r, &w.rmu, w.dbuf, w.write)
}

// write logs the complete lines of p, holding back a last partial one.
func (w *lineWriter) write(p []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) >= maxLine {
				w.emit(w.buf)
				w.buf = w.buf[:0]
			}
			return
		}
		w.emit(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

// flush logs what is left without a newline when the process ends.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = nil
	}
}

func (w *lineWriter) emit(line []byte) {
	b := w.b
	b.mu.Lock()
	inv := b.cur
	b.mu.Unlock()
	b.logLine(inv, string(bytes.TrimSuffix(line, []byte{'\r'})))
}
