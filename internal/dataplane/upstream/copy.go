package upstream

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
)

// copyBufs holds 32 KiB buffers for relaying response bodies, so a proxied
// request does not allocate one each time.
var copyBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// Relay sends an integration's answer to the client: status (its headers
// already set on w), then body as it arrives, through a pooled buffer.
//
// The client must take what it is sent: each write may make no progress
// for at most SendTimeout, the deadline renewed before every write and
// for the last of the answer, so a client that stops reading is cut and cannot hold the request, its
// integration slot and the backend's connection for ever. A client cut so,
// or gone, is not the backend's failure: Relay returns true.
//
// A body cut short at the backend's side (a chunked answer that stops
// mid-chunk, fewer bytes than its Content-Length) must reach the client as
// a broken connection, never as a complete answer: Relay flushes what was
// relayed, so the client sees the status and the partial body, records the
// cut (Cut) and returns false; the caller must then abort the connection.
func (g *Guard) Relay(w http.ResponseWriter, status int, body io.Reader, reqID, apiID string) bool {
	s := g.sender(w)
	w.WriteHeader(status)
	buf := copyBufs.Get().(*[32 << 10]byte)
	defer copyBufs.Put(buf)
	for {
		nr, rerr := body.Read(buf[:])
		if nr > 0 && !s.write(w, buf[:nr]) {
			return true
		}
		switch rerr {
		case nil:
		case io.EOF:
			// What is still buffered goes out once the handler returns,
			// however long the backend took to end its body.
			s.renew()
			return true
		default:
			s.renew()
			http.NewResponseController(w).Flush()
			g.Cut(reqID, apiID, rerr)
			return false
		}
	}
}

// Send writes an answer the gateway holds whole (a REST API's mapped
// integration response) to the client, with Relay's bound on a client
// that stops reading: the body goes in slices, each renewing the deadline,
// so a slow reader is not cut where a stalled one is.
func (g *Guard) Send(w http.ResponseWriter, status int, body []byte) {
	s := g.sender(w)
	w.WriteHeader(status)
	for len(body) > 0 {
		n := min(len(body), 32<<10)
		if !s.write(w, body[:n]) {
			return
		}
		body = body[n:]
	}
	s.renew() // for what is still buffered
}

// ReadAnswer reads an integration's answer body whole, for a REST API to
// map: false when it broke off (counted and logged as Cut) or grew past
// limit (logged), and must not be served as complete.
func (g *Guard) ReadAnswer(body io.Reader, limit int64, reqID, apiID string) ([]byte, bool) {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	switch {
	case err != nil:
		g.Cut(reqID, apiID, err)
		return nil, false
	case int64(len(b)) > limit:
		if g != nil {
			g.warn("integration response over the payload limit", reqID, apiID, errAnswerTooLarge)
		}
		return nil, false
	}
	return b, true
}

var errAnswerTooLarge = errors.New("answer larger than the payload limit")

// Cut records an integration answer that broke off mid-body, whether or
// not the stage keeps access logs: it is the one failure the client cannot
// tell from its status. It is counted and logged at warn level with the
// request id.
func (g *Guard) Cut(reqID, apiID string, err error) {
	if g == nil {
		return
	}
	g.Truncated.Add(1)
	g.warn("integration response cut short", reqID, apiID, err)
}

func (g *Guard) warn(msg, reqID, apiID string, err error) {
	if g.Log != nil {
		g.Log.LogAttrs(context.Background(), slog.LevelWarn, msg,
			slog.String("request_id", reqID), slog.String("api_id", apiID), slog.String("err", err.Error()))
	}
}

// sender writes to a client connection under a write deadline renewed at
// each write. net/http lifts the deadline once the answer is written whole,
// so a kept-alive connection's next request does not inherit it. conn is nil when the writer has no deadline to set (a test's
// recorder) or no timeout is configured: then writes are not bounded.
type sender struct {
	conn    interface{ SetWriteDeadline(time.Time) error }
	timeout time.Duration
	g       *Guard
}

func (g *Guard) sender(w http.ResponseWriter) sender {
	if g == nil || g.SendTimeout <= 0 {
		return sender{}
	}
	return sender{conn: writeDeadliner(w), timeout: g.SendTimeout, g: g}
}

// writeDeadliner finds the connection's SetWriteDeadline through wrappers
// that Unwrap (the access log's writer), as http.ResponseController does,
// without its allocated error when there is none.
func writeDeadliner(w http.ResponseWriter) interface{ SetWriteDeadline(time.Time) error } {
	for {
		switch t := w.(type) {
		case interface{ SetWriteDeadline(time.Time) error }:
			return t
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil
		}
	}
}

func (s *sender) renew() {
	if s.conn != nil {
		s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
	}
}

// write sends p, false when the client cannot take it: gone, or stalled
// past the deadline (counted).
func (s *sender) write(w io.Writer, p []byte) bool {
	s.renew()
	n, err := w.Write(p)
	if err == nil && n == len(p) {
		return true
	}
	if s.g != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		s.g.Stalled.Add(1)
	}
	return false
}
