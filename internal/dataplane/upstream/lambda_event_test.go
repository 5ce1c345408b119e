package upstream

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzLambdaEvent holds that any query, header value and body make an
// event that is JSON, whatever bytes they carry.
func FuzzLambdaEvent(f *testing.F) {
	f.Add("a=1&a=2&&b", "text/plain", "x\xff\"\\\n", false)
	f.Add("=&=x&%zz", "application/octet-stream", "\x00\x01", true)
	f.Fuzz(func(t *testing.T, query, contentType, body string, multi bool) {
		req := httptest.NewRequest("POST", "http://alb.example/p", nil)
		req.URL.RawQuery = query
		req.Header = http.Header{"Content-Type": {contentType}, "X-Odd": {body}}
		ev := AppendEvent(nil, req, "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/t/0", []byte(body), multi)
		if !json.Valid(ev) {
			t.Fatalf("not JSON: %s", ev)
		}
	})
}

func BenchmarkLambdaEvent(b *testing.B) {
	req := httptest.NewRequest("POST", "http://internal-pets.example/pets/7?color=black&q=%3Fname%3Drex&color=brown", strings.NewReader(""))
	req.Header = http.Header{"Accept": {"application/json"}, "Content-Type": {"application/json"}, "User-Agent": {"bench/1.0"},
		"X-Amzn-Trace-Id": {"Root=1-65a1b2c3-0123456789abcdef01234567"}, "X-Forwarded-For": {"10.0.1.200"},
		"X-Forwarded-Port": {"80"}, "X-Forwarded-Proto": {"http"}}
	body := []byte(`{"name":"rex","kind":"dog"}`)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEvent(buf[:0], req, "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/pets/0123456789abcdef", body, false)
	}
}
