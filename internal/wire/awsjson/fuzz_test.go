package awsjson

import (
	"bytes"
	"net/http"
	"testing"
)

// FuzzDecode drives dispatch and decoding, everything this package does with
// untrusted bytes, without the handler's recover: a panic here is a bug even
// though a served request would survive it. Every failure must be a client
// error.
func FuzzDecode(f *testing.F) {
	seeds := []struct{ method, target, body string }{
		{"POST", target + ".GetNamespace", `{"Id":"ns-1"}`},
		{"POST", target + ".CreatePrivateDnsNamespace", `{"Name":"n","Vpc":"v","Tags":[{"Key":"k","Value":"v"}],"Description":null}`},
		{"POST", target + ".ListNamespaces", `{"MaxResults":1e10}`},
		{"POST", target + ".TagResource", `{"Tags":[{"Key":1}]}`},
		{"POST", target + ".GetNamespace", `[`},
		{"POST", target + ".Nope", `{}`},
		{"GET", "", ""},
		{"POST", target + ".GetNamespace", "\xef\xbb\xbf{}"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, []byte(s.body))
	}
	h := NewHandler(target, fakeOps(), nil)
	f.Fuzz(func(t *testing.T, method, tgt string, body []byte) {
		req, err := http.NewRequest(method, "http://gatehouse.test/", bytes.NewReader(body))
		if err != nil {
			t.Skip("the server would refuse this request line")
		}
		req.Header.Set("X-Amz-Target", tgt)
		_, _, e := h.decodeRequest(req)
		if e != nil && (e.Status < 400 || e.Status > 499 || e.Code == "") {
			t.Errorf("%s %q: error %d %q %q, want a 4xx with a code", method, tgt, e.Status, e.Code, e.Message)
		}
	})
}
