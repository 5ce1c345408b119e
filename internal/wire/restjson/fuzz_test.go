package restjson

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzDecode drives routing and binding, everything this package does with
// untrusted bytes, without the handler's recover: a panic here is a bug even
// though a served request would survive it. Every failure must be a client
// error.
func FuzzDecode(f *testing.F) {
	seeds := []struct{ method, target, header, body string }{
		{"POST", "/v2/vpclinks", "Content-Type: application/json", `{"name":"l","subnetIds":["s"],"tags":{"a":"b"}}`},
		{"POST", "/v2/vpclinks", "", `{"subnetIds":"s"}`},
		{"POST", "/v2/vpclinks", "", `[{"name":1}]`},
		{"GET", "/v2/vpclinks/a%2Fb", "", ""},
		{"GET", "/v2/vpclinks?maxResults=5&nextToken=x", "", ""},
		{"DELETE", "/v2/vpclinks/vl", "", ""},
		{"GET", "/objects/b/k/e/y", "", ""},
		{"POST", "/echo?limit=1&flag=TRUE&id=a&id=b", "X-Gatehouse-Tag: t\nX-Sizes: 1, 2", `{"weight":1e3,"nested":{"on":false}}`},
		{"POST", "/echo?limit=9999999999", "X-Sizes: x", `{"nested":null}`},
		{"POST", "/things?mode=import", "", "\x00\xff"},
		{"PUT", "/v2//vpclinks/", "", "{"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.header, []byte(s.body))
	}
	h := NewHandler(fakeOps(), nil)
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		req, err := http.NewRequest(method, "http://gatehouse.test"+target, bytes.NewReader(body))
		if err != nil {
			t.Skip("the server would refuse this request line")
		}
		for line := range strings.SplitSeq(header, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				req.Header.Add(k, v)
			}
		}
		_, _, e := h.decodeRequest(req)
		if e != nil && (e.Status < 400 || e.Status > 499 || e.Code == "") {
			t.Errorf("%s %s: error %d %q %q, want a 4xx with a code", method, target, e.Status, e.Code, e.Message)
		}
	})
}
