package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/internal/cost"
)

func runCost(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(append([]string{"cost"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCostText(t *testing.T) {
	code, out, errs := runCost("--requests", "1e8", "--request-bytes", "10240", "--response-bytes", "10240")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The totals of the worked example in internal/cost's tests, rounded.
	for _, want := range []string{
		"prices read 2026-11-25 (built-in)",
		"100,000,000 requests",
		"HTTP API + VPC link V2 + ALB",
		"REST API + VPC link v1 + NLB",
		"REST API + VPC link V2 + ALB",
		"PrivateLink endpoint, 2 AZs",
		"Side by side",
		"131.68",
		"411.54",
		"381.68",
		"upper bound",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The side-by-side row: requests, link, balancer, PrivateLink, total, ratio.
	if !regexpLine(out, "REST API + VPC link v1 + NLB", "350.00", "0.00", "27.87", "33.67", "411.54", "3.13") {
		t.Errorf("no side-by-side row for REST v1 with the expected figures:\n%s", out)
	}
}

// regexpLine reports whether some line starts with title and holds the
// fields in order.
func regexpLine(out, title string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), title)
		if ok && strings.Join(strings.Fields(rest), " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}

func TestCostJSON(t *testing.T) {
	code, out, errs := runCost("--requests", "100000000", "--request-bytes", "10240", "--response-bytes", "10240", "--region", "ap-northeast-1", "--azs", "3", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		PricesFile string `json:"pricesFile"`
		cost.Comparison
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Region != "ap-northeast-1" || got.PricesFile != "built-in" || got.Workload.AZs != 3 || len(got.Estimates) != 3 {
		t.Fatalf("got %+v", got)
	}
	// 3 AZs × 730 h × $0.014
	l := got.Estimates[1].Lines[4]
	if l.Quantity != 2190 || l.Cost < 30.659 || l.Cost > 30.661 {
		t.Errorf("Tokyo endpoint line %+v, want 2190 AZ-hours costing 30.66", l)
	}
}

func TestCostPricesOverride(t *testing.T) {
	p, err := cost.Default()
	if err != nil {
		t.Fatal(err)
	}
	// A file with one made-up region, prices doubled from us-east-1, and
	// its own date, which the output must show.
	r, _ := p.Region("us-east-1")
	r.HTTPAPIRequests.Tiers = []cost.Tier{{USD: 2}}
	doc := *p
	doc.Read = "2030-01-02"
	doc.Regions = map[string]cost.RegionPrices{"xx-test-1": r}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runCost("--prices", file, "--region", "xx-test-1", "--requests", "1e6", "--request-bytes", "0", "--response-bytes", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "prices read 2030-01-02 ("+file+")") || !regexpLine(out, "HTTP API requests", "1", "M requests", "$2.00", "2.00") {
		t.Errorf("override not used:\n%s", out)
	}
	// The override replaces the built-in file: its regions are gone.
	code, _, errs = runCost("--prices", file, "--requests", "1")
	if code != 2 || !strings.Contains(errs, `no prices for region "us-east-1"`) || !strings.Contains(errs, "xx-test-1") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestCostErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"read": "soon"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown region", []string{"--requests", "1", "--region", "eu-west-9"}, 2, `no prices for region "eu-west-9"`},
		{"no requests", nil, 2, "--requests is required"},
		{"negative requests", []string{"--requests", "-5"}, 2, "requests must be"},
		{"not a number", []string{"--requests", "lots"}, 2, "invalid value"},
		{"unknown flag", []string{"--requests", "1", "--colour"}, 2, "not defined"},
		{"bad output", []string{"--requests", "1", "--output", "yaml"}, 2, "--output must be text or json"},
		{"zero AZs", []string{"--requests", "1", "--azs", "0"}, 2, "--azs"},
		{"stray argument", []string{"--requests", "1", "extra"}, 2, "unexpected argument"},
		{"missing prices file", []string{"--requests", "1", "--prices", filepath.Join(t.TempDir(), "none.json")}, 1, "no such file"},
		{"invalid prices file", []string{"--requests", "1", "--prices", bad}, 1, "not a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCost(tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errs, tc.code, tc.want)
			}
		})
	}
}

func TestUsageListsCost(t *testing.T) {
	var out, errb bytes.Buffer
	if Main([]string{"help"}, &out, &errb) != 0 || !strings.Contains(out.String(), "gatehouse cost") {
		t.Errorf("usage does not list cost:\n%s", out.String())
	}
}
