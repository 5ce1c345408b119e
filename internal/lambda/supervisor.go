package lambda

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
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
		}
	}
}

// ended is how the function ended, as the supervisor told it; "" when
// it did not (it was killed itself). The supervisor's process must have
// been reaped.
func (s *supervisor) ended() (reason string, oom bool) {
	if s == nil {
		return "", false
	}
	<-s.done
	return s.reason, s.oom
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
