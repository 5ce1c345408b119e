package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gatehouse/internal/dataplane"
	"gatehouse/internal/explain"
)

// explainCmd asks a running gatehouse for a route's path and renders it.
// It is a thin client on purpose: the server explains from the snapshot it
// serves, so the answer cannot drift from what requests meet.
// Exit codes: 0 the path is OK, 1 it is broken, 2 usage, unknown API or
// route, or no server.
func explainCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: gatehouse explain [flags] API_ID [ROUTE_OR_PATH]\n\n"+
			"ROUTE_OR_PATH is a route key (\"GET /pets/{id}\"), a REST method (\"GET /pets/{id}\"),\n"+
			"or a request (\"GET /pets/7\", \"/pets/7\") matched as the data plane would; without it,\n"+
			"every route is explained.\n\n")
		fs.PrintDefaults()
	}
	endpoint := fs.String("endpoint", "http://127.0.0.1:4566", "the running gatehouse")
	output := fs.String("output", "text", "text, json, dot or mermaid")
	stage := fs.String("stage", "", "stage to explain (default: $default, else the first by name)")
	// Flags may follow the API id, as they do in the AWS CLI.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) < 1 || len(pos) > 2 {
		fs.Usage()
		return 2
	}
	if !validOutput(*output) {
		fmt.Fprintf(stderr, "gatehouse explain: unknown --output %q (want %s)\n", *output, strings.Join(explain.Formats, ", "))
		return 2
	}
	base := *endpoint
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	q := url.Values{"api": {pos[0]}}
	if len(pos) == 2 {
		q.Set("route", pos[1])
	}
	if *stage != "" {
		q.Set("stage", *stage)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(strings.TrimSuffix(base, "/") + "/_gatehouse/explain?" + q.Encode())
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse explain: %v\n", err)
		return 2
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		json.NewDecoder(resp.Body).Decode(&e)
		fmt.Fprintf(stderr, "gatehouse explain: %s (%s)\n", e.Message, resp.Status)
		return 2
	}
	var rep dataplane.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		fmt.Fprintf(stderr, "gatehouse explain: reading the answer: %v\n", err)
		return 2
	}
	if err := explain.Render(stdout, &rep, *output); err != nil {
		fmt.Fprintf(stderr, "gatehouse explain: %v\n", err)
		return 2
	}
	if !rep.OK {
		return 1
	}
	return 0
}

func validOutput(f string) bool {
	for _, x := range explain.Formats {
		if x == f {
			return true
		}
	}
	return false
}
