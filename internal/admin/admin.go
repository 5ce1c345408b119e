// Package admin serves gatehouse's own endpoints under /_gatehouse/, beside
// the AWS APIs: today the explanation of an API's routes. It reads the data
// plane's compiled snapshot, never the store, so what it reports is what
// requests meet; rendering is the explain package's job, on the client.
package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/pprof"
	"time"

	"gatehouse/internal/dataplane"
)

// Prefix is the path prefix the edge hands to this package.
const Prefix = "/_gatehouse/"

// Config wires the admin endpoints.
type Config struct {
	// Snapshot is the snapshot the data plane serves now.
	Snapshot func() *dataplane.Snapshot
	// Health reports target health for explain.
	Health dataplane.HealthStatus
	// Pprof serves Go's profiler under /_gatehouse/debug/pprof/. It is off
	// unless asked for: a profile shows what the process holds, and a CPU
	// profile costs the process while it runs.
	Pprof bool
	// Now is the data plane's clock, which decides Cloud Map health
	// changes still pending; nil is the wall clock.
	Now func() time.Time
	// CACert is the PEM certificate of the authority the HTTPS listener's
	// certificates come from, served at /_gatehouse/ca.pem; nil: none.
	CACert []byte
}

// Handler serves GET /_gatehouse/explain?api=ID[&route=R][&stage=S]: a
// dataplane.Report as JSON, 200 whether or not the path is broken (the
// report says), 404 when the API, stage or route does not exist; and, when
// cfg.Pprof is set, /_gatehouse/debug/pprof/, net/http/pprof's endpoints;
// and GET /_gatehouse/ca.pem, the HTTPS listener's authority, when there is
// one.
func Handler(cfg Config) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"explain", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("api") == "" {
			reply(w, http.StatusBadRequest, map[string]string{"message": "api is required"})
			return
		}
		now := time.Now
		if cfg.Now != nil {
			now = cfg.Now
		}
		rep, err := cfg.Snapshot().ExplainAt(now(), q.Get("api"), q.Get("stage"), q.Get("route"), cfg.Health)
		switch {
		case errors.Is(err, dataplane.ErrNoAPI), errors.Is(err, dataplane.ErrNoStage), errors.Is(err, dataplane.ErrNoRoute):
			reply(w, http.StatusNotFound, map[string]string{"message": err.Error()})
		case err != nil:
			reply(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
		default:
			reply(w, http.StatusOK, rep)
		}
	})
	if cfg.Pprof {
		// Go's profiler, for the data plane under load (README, "Data-plane
		// benchmark"): pprof's handlers expect their paths under /debug/pprof/.
		debug := http.NewServeMux()
		debug.HandleFunc("/debug/pprof/", pprof.Index)
		debug.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		debug.HandleFunc("/debug/pprof/profile", pprof.Profile)
		debug.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		debug.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.Handle(Prefix+"debug/pprof/", http.StripPrefix(Prefix[:len(Prefix)-1], debug))
	}
	if cfg.CACert != nil {
		// The certificate is public: trusting it is the client's choice.
		mux.HandleFunc("GET "+Prefix+"ca.pem", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-pem-file")
			w.Write(cfg.CACert)
		})
	}
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNotFound, map[string]string{"message": "no such gatehouse endpoint: " + r.URL.Path})
	})
	return mux
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
