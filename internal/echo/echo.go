// Package echo is the built-in demo backend: it answers every request with
// the request it received, as JSON, so a user can see exactly what reached a
// target through a private integration (path, headers AWS added, the peer
// address the target sees).
package echo

import (
	"encoding/json"
	"io"
	"net/http"
)

// MaxBody bounds how much of a request body is echoed back.
const MaxBody = 1 << 20

// Request is what the backend saw.
type Request struct {
	Name     string              `json:"name,omitempty"`
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	RawQuery string              `json:"query,omitempty"`
	Query    map[string][]string `json:"queryParameters,omitempty"`
	Host     string              `json:"host"`
	Headers  map[string][]string `json:"headers"`
	Body     string              `json:"body,omitempty"`
	Peer     string              `json:"peer"`
}

// Handler echoes requests; name labels the answers, so several backends can
// be told apart.
func Handler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, MaxBody))
		out := Request{Name: name, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host,
			Headers: r.Header, Body: string(body), Peer: r.RemoteAddr}
		if len(r.URL.Query()) > 0 {
			out.Query = r.URL.Query()
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	})
}
