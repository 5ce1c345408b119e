package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// Relay reports a body that broke off at the backend's side, and only
// that: counted and logged with the request id.
func TestRelayReportsACutBody(t *testing.T) {
	var logs bytes.Buffer
	g := &Guard{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	rec := httptest.NewRecorder()
	if !g.Relay(rec, 201, strings.NewReader("whole"), "id1", "api") || rec.Code != 201 || rec.Body.String() != "whole" {
		t.Errorf("a whole body: %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	if g.Relay(rec, 200, io.MultiReader(strings.NewReader("part"), iotest.ErrReader(io.ErrUnexpectedEOF)), "id2", "api") ||
		rec.Body.String() != "part" || !rec.Flushed {
		t.Errorf("a cut body: %q, flushed %v", rec.Body, rec.Flushed)
	}
	if g.Truncated.Load() != 1 || !strings.Contains(logs.String(), "request_id=id2") {
		t.Errorf("truncated %d, logs %q", g.Truncated.Load(), logs.String())
	}
	if !(*Guard)(nil).Relay(failingWriter{httptest.NewRecorder()}, 200, strings.NewReader("x"), "id3", "api") {
		t.Error("a client that went away is taken for a cut body")
	}
}

type failingWriter struct{ http.ResponseWriter }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("client gone") }

// stalling is a client connection that takes limit bytes and then no
// more: its writes fail as a write deadline does. It records each
// deadline set.
type stalling struct {
	*httptest.ResponseRecorder
	limit     int
	deadlines []time.Time
}

func (s *stalling) SetWriteDeadline(t time.Time) error {
	s.deadlines = append(s.deadlines, t)
	return nil
}

func (s *stalling) Write(p []byte) (int, error) {
	if s.Body.Len()+len(p) > s.limit {
		return 0, fmt.Errorf("write tcp: %w", os.ErrDeadlineExceeded)
	}
	return s.ResponseRecorder.Write(p)
}

// wrapped hides its writer's methods but Unwrap, as the access log's
// writer does.
type wrapped struct{ w http.ResponseWriter }

func (w wrapped) Header() http.Header         { return w.w.Header() }
func (w wrapped) Write(p []byte) (int, error) { return w.w.Write(p) }
func (w wrapped) WriteHeader(code int)        { w.w.WriteHeader(code) }
func (w wrapped) Unwrap() http.ResponseWriter { return w.w }

// A client that stops reading is cut once a write makes no progress for
// SendTimeout: the deadline is renewed before every write and for what is
// left buffered at the end, through writers that Unwrap; the cut client is counted, and is
// not the backend's failure. Without a timeout nothing is set.
func TestRelayBoundsAClientThatStopsReading(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 200<<10)
	for _, via := range []string{"direct", "wrapped"} {
		g := &Guard{SendTimeout: time.Second}
		conn := &stalling{ResponseRecorder: httptest.NewRecorder(), limit: 100 << 10}
		var w http.ResponseWriter = conn
		if via == "wrapped" {
			w = wrapped{conn}
		}
		start := time.Now()
		if !g.Relay(w, 200, bytes.NewReader(body), "id", "api") {
			t.Errorf("%s: a stalled client is taken for a cut body", via)
		}
		// 32 KiB writes: three go through, the fourth stalls.
		if g.Stalled.Load() != 1 || g.Truncated.Load() != 0 || len(conn.deadlines) != 4 {
			t.Errorf("%s: stalled %d, truncated %d, %d deadlines set, want 1, 0, 4", via, g.Stalled.Load(), g.Truncated.Load(), len(conn.deadlines))
		}
		for _, d := range conn.deadlines {
			if d.Before(start.Add(time.Second)) || d.After(time.Now().Add(time.Second)) {
				t.Errorf("%s: deadline %v is not a second after a write", via, d)
			}
		}
		g.Send(w, 200, body)
		if g.Stalled.Load() != 2 {
			t.Errorf("%s: Send to a stalled client: stalled %d", via, g.Stalled.Load())
		}
		// A whole answer renews the deadline once more after its last
		// write: net/http sends what is buffered after the handler.
		conn = &stalling{ResponseRecorder: httptest.NewRecorder(), limit: 1 << 20}
		if !g.Relay(conn, 200, strings.NewReader("x"), "id", "api") || len(conn.deadlines) != 2 {
			t.Errorf("%s: a whole answer set %d deadlines, want 2", via, len(conn.deadlines))
		}
		g.Send(conn, 200, []byte("x"))
		if len(conn.deadlines) != 4 {
			t.Errorf("%s: a whole answer sent set %d deadlines, want 4", via, len(conn.deadlines)-2)
		}
	}
	conn := &stalling{ResponseRecorder: httptest.NewRecorder(), limit: 1 << 20}
	(&Guard{}).Relay(conn, 200, strings.NewReader("x"), "id", "api")
	(&Guard{}).Send(conn, 200, []byte("x"))
	if len(conn.deadlines) != 0 {
		t.Errorf("without SendTimeout %d deadlines were set", len(conn.deadlines))
	}
}

// A REST answer read whole is refused when it broke off (counted as cut)
// or grew past the limit (not served as complete).
func TestReadAnswer(t *testing.T) {
	g := &Guard{}
	if b, ok := g.ReadAnswer(strings.NewReader("0123456789"), 10, "id", "api"); !ok || string(b) != "0123456789" {
		t.Errorf("an answer at the limit: %q %v", b, ok)
	}
	if _, ok := g.ReadAnswer(strings.NewReader("0123456789x"), 10, "id", "api"); ok || g.Truncated.Load() != 0 {
		t.Errorf("an answer past the limit: ok %v, truncated %d", ok, g.Truncated.Load())
	}
	if _, ok := g.ReadAnswer(io.MultiReader(strings.NewReader("01"), iotest.ErrReader(io.ErrUnexpectedEOF)), 10, "id", "api"); ok || g.Truncated.Load() != 1 {
		t.Errorf("a cut answer: ok %v, truncated %d", ok, g.Truncated.Load())
	}
}
