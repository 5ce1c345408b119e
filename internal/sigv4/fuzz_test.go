package sigv4_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gatehouse/internal/sigv4"
)

// Whatever a client puts in the Authorization header, the query string and
// X-Amz-Date, Verify answers with a *sigv4.Error and never panics; nothing
// it was not signed by the known key passes.
func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "", "20260314T150926Z", "body")
	f.Add("AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=", "", "2026", "")
	f.Add("AWS4-HMAC-SHA256 Credential", "a=1", "", "")
	f.Add("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260314T150926Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab&X-Amz-Expires=-1", "", "")
	f.Add("", "X-Amz-Credential=a/b/c/d/e/f&X-Amz-Expires=99999999999999999999", "", "")
	f.Add("Bearer x", "", "20260314T150926Z", "")
	f.Fuzz(func(t *testing.T, auth, query, date, body string) {
		r := httptest.NewRequest("POST", "http://localhost/p", strings.NewReader(body))
		if strings.ContainsAny(auth, "\r\n\x00") || strings.ContainsAny(date, "\r\n\x00") {
			return
		}
		if q, err := url.ParseQuery(query); err == nil {
			r.URL.RawQuery = q.Encode()
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		cred, err := sigv4.Verify(r, signedAt, secret)
		var e *sigv4.Error
		if err == nil || !errors.As(err, &e) || cred != nil {
			t.Fatalf("a request nobody signed: %v %v", cred, err)
		}
		if e.Code == "" || e.JSONCode() == "" || e.Message == "" || e.Status != 403 {
			t.Fatalf("an error without AWS's fields: %+v", e)
		}
	})
}
