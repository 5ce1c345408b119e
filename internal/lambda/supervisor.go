package lambda

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// supervisor is gatehouse's side of the process that runs a function's
// process where the platform has one (see supervise): what it says on its
// status pipe, and the TMPDIR made for the sandbox, if any. A nil
// supervisor says nothing.
type supervisor struct {
	r, w *os.File
	tmp  string
	// pid is the function's own process, once the supervisor has said.
	pid atomic.Int64
	// done is closed when the pipe is read to its end; reason and oom
	// are set by then.
	done   chan struct{}
	reason string
	oom    bool
	// start is why the function's command could not start, setup why
	// the sandbox could not be set up; "" when they could.
	start, setup string
}

// started lets the supervisor's status be read, once its process has
// started with the pipe's other end.
func (s *supervisor) started() {
	if s == nil {
		return
	}
	s.w.Close()
	s.w = nil
	go s.read()
}

// read takes the supervisor's lines: "pid N" once the function runs,
// "exit REASON" when it has ended, "oom" when it was killed for its
// memory.
func (s *supervisor) read() {
	defer close(s.done)
	defer s.r.Close()
	sc := bufio.NewScanner(s.r)
	for sc.Scan() {
		word, rest, _ := strings.Cut(sc.Text(), " ")
		switch word {
		case "pid":
			if p, err := strconv.Atoi(rest); err == nil {
				s.pid.Store(int64(p))
			}
		case "exit":
			s.reason = rest
		case "oom":
			s.oom = true
		case "start":
			s.start = rest
		case "setup":
			s.setup = rest
		}
	}
}

// ended is what the supervisor told of the function's end; zero when it
// told nothing (it was killed itself). The supervisor's process must have
// been reaped: the pipe then ends at once, unless something it started
// holds the write end, which it is not given; the wait is bounded all
// the same, so that nothing can keep a sandbox from ending.
func (s *supervisor) ended() supervisorEnd {
	if s == nil {
		return supervisorEnd{}
	}
	t := time.NewTimer(outputGrace)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
		s.r.Close()
		<-s.done
	}
	return supervisorEnd{s.reason, s.oom, s.start, s.setup}
}

// supervisorEnd is what a supervisor says of its function's end: how it
// exited, whether for its memory, and why it could not start or be set up.
type supervisorEnd struct {
	reason string
	oom    bool
	start  string
	setup  string
}

// functionPid is the function's own process, 0 if not known.
func (s *supervisor) functionPid() int {
	if s == nil {
		return 0
	}
	return int(s.pid.Load())
}

// close releases what a supervisor that never started holds.
func (s *supervisor) close() {
	if s == nil {
		return
	}
	for _, f := range []*os.File{s.r, s.w} {
		if f != nil {
			f.Close()
		}
	}
	s.removeTmp()
}

// removeTmp removes the sandbox's TMPDIR, if it has one.
func (s *supervisor) removeTmp() {
	if s != nil && s.tmp != "" {
		os.RemoveAll(s.tmp)
	}
}
