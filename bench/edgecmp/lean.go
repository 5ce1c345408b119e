package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
)

// leanServe is a prototype of a connection loop built on net/http's own
// request parser (http.ReadRequest) with a minimal response writer: no
// per-request goroutine, context or background read.
func leanServe(ln net.Listener, h http.Handler) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go leanConn(c, h)
	}
}

func leanConn(c net.Conn, h http.Handler) {
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	br := bufio.NewReaderSize(c, 4<<10)
	bw := bufio.NewWriterSize(c, 4<<10)
	remote := c.RemoteAddr().String()
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		req.RemoteAddr = remote
		req = req.WithContext(ctx)
		w := &leanWriter{bw: bw, req: req, header: make(http.Header, 8)}
		h.ServeHTTP(w, req)
		w.finish()
		io.Copy(io.Discard, req.Body)
		if err := bw.Flush(); err != nil || req.Close {
			return
		}
	}
}

type leanWriter struct {
	bw      *bufio.Writer
	req     *http.Request
	header  http.Header
	code    int
	wrote   bool
	chunked bool
}

func (w *leanWriter) Header() http.Header { return w.header }

func (w *leanWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote, w.code = true, code
	w.bw.WriteString("HTTP/1.1 ")
	w.bw.WriteString(strconv.Itoa(code))
	w.bw.WriteByte(' ')
	w.bw.WriteString(http.StatusText(code))
	w.bw.WriteString("\r\n")
	if w.header.Get("Content-Length") == "" {
		w.chunked = true
		w.header.Set("Transfer-Encoding", "chunked")
	}
	w.header.Write(w.bw)
	w.bw.WriteString("\r\n")
}

func (w *leanWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(200)
	}
	if w.chunked {
		w.bw.WriteString(strconv.FormatInt(int64(len(p)), 16))
		w.bw.WriteString("\r\n")
		w.bw.Write(p)
		w.bw.WriteString("\r\n")
		return len(p), nil
	}
	return w.bw.Write(p)
}

func (w *leanWriter) finish() {
	if !w.wrote {
		w.header.Set("Content-Length", "0")
		w.WriteHeader(200)
	}
	if w.chunked {
		w.bw.WriteString("0\r\n\r\n")
	}
}
