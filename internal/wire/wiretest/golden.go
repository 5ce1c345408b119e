// Package wiretest checks a wire family's handler against golden files: a
// request and the answer expected for it, byte for byte, in one text file
// each. The REST-JSON and awsJson families share it, and so do the Query
// services (ec2, elbv2), whose goldens run the real operations over a
// seeded store.
package wiretest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A golden file holds one request and the response expected for it:
//
//	METHOD /escaped/target?query
//	Header: value
//
//	body
//	--- response
//	STATUS
//	Header: value          (an empty value means the header must be absent)
//
//	body
//
// Only the listed response headers are compared; the body is compared byte
// for byte. One trailing newline of each body is not part of it.
const marker = "\n--- response\n"

// checkedHeaders are always compared, and written by -update.
var checkedHeaders = []string{"Content-Type", "X-Amzn-Errortype", "X-Amzn-Requestid"}

type section struct {
	first  string
	header [][2]string
	body   string
}

func parseSection(s string) (section, error) {
	head, body, _ := strings.Cut(s, "\n\n")
	lines := strings.Split(strings.TrimSuffix(head, "\n"), "\n")
	sec := section{first: lines[0], body: strings.TrimSuffix(body, "\n")}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return sec, fmt.Errorf("header line %q has no colon", l)
		}
		sec.header = append(sec.header, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return sec, nil
}

// Golden serves the request of every dir/*.txt file to h and compares the
// answer with the file's response half; with update it rewrites that half
// from the answer instead.
func Golden(t *testing.T, dir string, h http.Handler, update bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files in %s: %v", dir, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			reqText, respText, ok := strings.Cut(string(data), marker)
			if !ok {
				t.Fatalf("no %q marker line", strings.TrimSpace(marker))
			}
			reqSec, err := parseSection(reqText)
			if err != nil {
				t.Fatal(err)
			}
			want, err := parseSection(respText)
			if err != nil {
				t.Fatal(err)
			}
			method, target, _ := strings.Cut(reqSec.first, " ")
			req, err := http.NewRequest(method, "http://gatehouse.test"+target, strings.NewReader(reqSec.body))
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range reqSec.header {
				req.Header.Add(kv[0], kv[1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if update {
				writeGolden(t, file, reqText, want, rec)
				return
			}
			if strconv.Itoa(rec.Code) != want.first {
				t.Errorf("status %d, want %s", rec.Code, want.first)
			}
			for _, kv := range want.header {
				if got := strings.Join(rec.Header().Values(kv[0]), ", "); got != kv[1] {
					t.Errorf("header %s = %q, want %q", kv[0], got, kv[1])
				}
			}
			if got := rec.Body.String(); got != want.body {
				t.Errorf("body\n got: %s\nwant: %s", got, want.body)
			}
		})
	}
}

// writeGolden replaces the response half of file with what the handler
// answered, keeping any extra header the file chose to check.
func writeGolden(t *testing.T, file, reqText string, old section, rec *httptest.ResponseRecorder) {
	names := slices.Clone(checkedHeaders)
	for _, kv := range old.header {
		if !slices.Contains(names, kv[0]) {
			names = append(names, kv[0])
		}
	}
	var b strings.Builder
	b.WriteString(reqText + marker + strconv.Itoa(rec.Code) + "\n")
	for _, name := range names {
		b.WriteString(strings.TrimSpace(name+": "+strings.Join(rec.Header().Values(name), ", ")) + "\n")
	}
	if rec.Body.Len() > 0 {
		b.WriteString("\n" + rec.Body.String() + "\n")
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
