package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"gatehouse/internal/sigv4"
)

var (
	signedAt = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	known    = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
)

func secret(id string) (string, bool) {
	if id == known.AccessKeyID {
		return known.SecretAccessKey, true
	}
	return "", false
}

// oddPath has characters each encoding treats differently: a space, an
// encoded slash, UTF-8, sub-delimiters and an encoded percent sign.
const oddPath = "/v2/apis/a%20b/c%2Fd/%C3%BC/~x/!$'()*+,;=:@/%25/x"

// oddQuery repeats a name, has a plus (a space), reserved characters, an
// empty value, a name without a value, UTF-8, and names that sort
// differently encoded and decoded.
const oddQuery = "b=2&a=1&a=0&sp=a+b&pct=%2F%3F%26%3D&empty=&flag&uni=%E2%9C%93&t=~&star=*&a-b=1&a%2Fb=2"

// sent is what a server saw and what Verify said about it.
type sent struct {
	cred *sigv4.Credential
	err  error
	body string
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// request is an unsigned request; roundTrip builds it for its server's
// address, then signs it.
type request struct {
	method, path, query, body string
	header                    http.Header
}

func (q request) build(host string) *http.Request {
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	u := "http://" + host + q.path
	if q.query != "" {
		u += "?" + q.query
	}
	r, err := http.NewRequest(q.method, u, body)
	if err != nil {
		panic(err)
	}
	for k, vs := range q.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

// how signs a request: the SDK's header or presigned form, with options.
type how struct {
	creds       aws.Credentials
	service     string
	payloadHash string // "" means the body's hash
	single      bool   // S3-style single path encoding
	presign     bool
	expires     string // X-Amz-Expires for presigned URLs
	at          time.Time
	after       func(*http.Request) // tampering after signing
}

// roundTrip signs q as h says, sends it to a server verifying with v at
// now, and returns what the server saw.
func roundTrip(t *testing.T, q request, h how, v sigv4.Verifier, now time.Time) sent {
	t.Helper()
	got := make(chan sent, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred, err := v.Verify(r, now)
		b, _ := io.ReadAll(r.Body)
		got <- sent{cred, err, string(b)}
	}))
	defer srv.Close()
	if h.creds.AccessKeyID == "" {
		h.creds = known
	}
	if h.service == "" {
		h.service = "apigateway"
	}
	if h.at.IsZero() {
		h.at = signedAt
	}
	payload := h.payloadHash
	if payload == "" {
		payload = hash(q.body)
	}
	if h.expires != "" {
		if q.query != "" {
			q.query += "&"
		}
		q.query += "X-Amz-Expires=" + h.expires
	}
	req := q.build(srv.Listener.Addr().String())
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = h.single })
	if h.presign {
		u, hdr, err := signer.PresignHTTP(context.Background(), h.creds, req, payload, h.service, "us-east-1", h.at)
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader
		if q.body != "" {
			body = strings.NewReader(q.body)
		}
		presigned, err := http.NewRequest(q.method, u, body)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range hdr {
			if k != "Host" {
				presigned.Header[k] = vs
			}
		}
		req = presigned
	} else if err := signer.SignHTTP(context.Background(), h.creds, req, payload, h.service, "us-east-1", h.at); err != nil {
		t.Fatal(err)
	}
	if h.after != nil {
		h.after(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return <-got
}

func odd(method, body string) request {
	return request{method: method, path: oddPath, query: oddQuery, body: body, header: http.Header{
		"X-Custom":     {"a", "  b    c  "},
		"X-Amz-Target": {"Svc.Op"},
		"Content-Type": {"application/x-amz-json-1.1"},
	}}
}

func TestSignaturesTheSDKMakesVerify(t *testing.T) {
	body := `{"name":"x y","n":1}`
	for _, tc := range []struct {
		name string
		q    request
		h    how
		v    sigv4.Verifier
	}{
		{"header form, double path encoding", odd("POST", body), how{}, sigv4.Verifier{}},
		{"header form, execute-api", odd("PUT", body), how{service: "execute-api"}, sigv4.Verifier{Service: "execute-api"}},
		{"header form, single path encoding", odd("POST", body), how{single: true}, sigv4.Verifier{SinglePathEncoding: true}},
		{"no body", odd("GET", ""), how{}, sigv4.Verifier{}},
		{"root path", request{method: "GET", path: "/"}, how{}, sigv4.Verifier{}},
		{"no path", request{method: "GET", path: ""}, how{}, sigv4.Verifier{}},
		{"unsigned payload", func() request {
			q := odd("POST", body)
			q.header.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload)
			return q
		}(), how{payloadHash: sigv4.UnsignedPayload}, sigv4.Verifier{}},
		{"declared payload hash", func() request {
			q := odd("POST", body)
			q.header.Set("X-Amz-Content-Sha256", hash(body))
			return q
		}(), how{}, sigv4.Verifier{}},
		{"presigned", odd("GET", ""), how{presign: true}, sigv4.Verifier{}},
		{"presigned with a body", odd("POST", body), how{presign: true}, sigv4.Verifier{}},
		{"presigned unsigned payload", odd("POST", body), how{presign: true, payloadHash: sigv4.UnsignedPayload, single: true}, sigv4.Verifier{SinglePathEncoding: true}},
		{"presigned with expiry", odd("GET", ""), how{presign: true, expires: "300"}, sigv4.Verifier{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.v.Secret = secret
			times := []time.Time{signedAt, signedAt.Add(14 * time.Minute), signedAt.Add(-14 * time.Minute)}
			if tc.h.expires != "" {
				times = []time.Time{signedAt, signedAt.Add(5 * time.Minute)}
			}
			for _, now := range times {
				got := roundTrip(t, tc.q, tc.h, tc.v, now)
				if got.err != nil {
					t.Fatalf("at %s: %v", now, got.err)
				}
				service := tc.h.service
				if service == "" {
					service = "apigateway"
				}
				want := sigv4.Credential{AccessKeyID: known.AccessKeyID, Date: "20260314", Region: "us-east-1",
					Service: service, Time: signedAt, Presigned: tc.h.presign}
				if *got.cred != want {
					t.Errorf("credential %+v, want %+v", *got.cred, want)
				}
				if got.body != tc.q.body {
					t.Errorf("handler read %q after Verify, want %q", got.body, tc.q.body)
				}
			}
		})
	}
}

func TestRefusedSignatures(t *testing.T) {
	body := `{"a":1}`
	mismatch := "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	for _, tc := range []struct {
		name     string
		q        request
		h        how
		v        sigv4.Verifier
		now      time.Time
		kind     sigv4.Kind
		code     string
		jsonCode string
		message  string // a prefix
	}{
		{"unknown access key", odd("POST", body), how{creds: aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "x"}}, sigv4.Verifier{}, signedAt,
			sigv4.UnknownKey, "InvalidClientTokenId", "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"wrong secret", odd("POST", body), how{creds: aws.Credentials{AccessKeyID: known.AccessKeyID, SecretAccessKey: "guess"}}, sigv4.Verifier{}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"body changed", odd("POST", body), how{after: func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"a":2}`))
		}}, sigv4.Verifier{}, signedAt, sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"query parameter added", odd("GET", ""), how{after: func(r *http.Request) { r.URL.RawQuery += "&admin=true" }}, sigv4.Verifier{}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"repeated header dropped", odd("GET", ""), how{after: func(r *http.Request) { r.Header.Set("X-Custom", "a") }}, sigv4.Verifier{}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"path changed", odd("GET", ""), how{after: func(r *http.Request) { r.URL.RawPath = ""; r.URL.Path += "y" }}, sigv4.Verifier{}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"method changed", odd("GET", ""), how{after: func(r *http.Request) { r.Method = "DELETE" }}, sigv4.Verifier{}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"single encoding signed, double verified", odd("GET", ""), how{single: true}, sigv4.Verifier{}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"double encoding signed, single verified", odd("GET", ""), how{}, sigv4.Verifier{SinglePathEncoding: true}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"declared hash is not the body's", func() request {
			q := odd("POST", body)
			q.header.Set("X-Amz-Content-Sha256", hash("other"))
			return q
		}(), how{payloadHash: hash("other")}, sigv4.Verifier{}, signedAt,
			sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match"},
		{"presigned signature changed", odd("GET", ""), how{presign: true, after: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Signature=", "X-Amz-Signature=0", 1)
		}}, sigv4.Verifier{}, signedAt, sigv4.Mismatch, "SignatureDoesNotMatch", "InvalidSignatureException", mismatch},
		{"expired", odd("GET", ""), how{}, sigv4.Verifier{}, signedAt.Add(16 * time.Minute),
			sigv4.Expired, "SignatureDoesNotMatch", "InvalidSignatureException",
			"Signature expired: 20260314T150926Z is now earlier than 20260314T151026Z (20260314T152526Z - 15 min.)"},
		{"from the future", odd("GET", ""), how{}, sigv4.Verifier{}, signedAt.Add(-16 * time.Minute),
			sigv4.Expired, "SignatureDoesNotMatch", "InvalidSignatureException",
			"Signature not yet current: 20260314T150926Z is still later than 20260314T150826Z (20260314T145326Z + 15 min.)"},
		{"presigned URL expired", odd("GET", ""), how{presign: true, expires: "60"}, sigv4.Verifier{}, signedAt.Add(2 * time.Minute),
			sigv4.Expired, "SignatureDoesNotMatch", "InvalidSignatureException", "Signature expired: 20260314T151026Z is now earlier than 20260314T151126Z."},
		{"presigned expiry over a week", odd("GET", ""), how{presign: true, expires: "604801"}, sigv4.Verifier{}, signedAt,
			sigv4.Incomplete, "IncompleteSignature", "IncompleteSignatureException", "X-Amz-Expires must be less than a week"},
		{"wrong service", odd("GET", ""), how{service: "apigateway"}, sigv4.Verifier{Service: "execute-api"}, signedAt,
			sigv4.Incomplete, "IncompleteSignature", "IncompleteSignatureException", "Credential should be scoped to correct service: 'execute-api'."},
		{"unsigned", odd("GET", ""), how{after: func(r *http.Request) { r.Header.Del("Authorization") }}, sigv4.Verifier{}, signedAt,
			sigv4.Missing, "MissingAuthenticationToken", "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"another scheme", odd("GET", ""), how{after: func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }}, sigv4.Verifier{}, signedAt,
			sigv4.Incomplete, "IncompleteSignature", "IncompleteSignatureException",
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc"},
		{"no date", odd("GET", ""), how{after: func(r *http.Request) { r.Header.Del("X-Amz-Date") }}, sigv4.Verifier{}, signedAt,
			sigv4.Incomplete, "IncompleteSignature", "IncompleteSignatureException",
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{"scope date is not the request's", odd("GET", ""), how{after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260315T000000Z") }}, sigv4.Verifier{}, signedAt,
			sigv4.Incomplete, "IncompleteSignature", "IncompleteSignatureException",
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260314' != '20260315', from 'X-Amz-Date'."},
		{"host not signed", odd("GET", ""), how{after: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
		}}, sigv4.Verifier{}, signedAt, sigv4.Incomplete, "IncompleteSignature", "IncompleteSignatureException",
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"presigned without a signature", odd("GET", ""), how{presign: true, after: func(r *http.Request) {
			q := r.URL.Query()
			q.Del("X-Amz-Signature")
			r.URL.RawQuery = q.Encode()
		}}, sigv4.Verifier{}, signedAt, sigv4.Incomplete, "IncompleteSignature", "IncompleteSignatureException",
			"AWS query-string parameters must include 'X-Amz-Signature'."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.v.Secret = secret
			got := roundTrip(t, tc.q, tc.h, tc.v, tc.now)
			var e *sigv4.Error
			if !errors.As(got.err, &e) {
				t.Fatalf("got %v, want a *sigv4.Error", got.err)
			}
			if e.Kind != tc.kind || e.Code != tc.code || e.JSONCode() != tc.jsonCode || e.Status != 403 || !strings.HasPrefix(e.Message, tc.message) {
				t.Errorf("got %d %s/%s %d %q\nwant %d %s/%s 403 %q", e.Kind, e.Code, e.JSONCode(), e.Status, e.Message,
					tc.kind, tc.code, tc.jsonCode, tc.message)
			}
			if got.cred != nil {
				t.Errorf("a refused request has a credential: %+v", got.cred)
			}
		})
	}
}

// A read error is the caller's to answer (e.g. 413), not a signature error.
func TestBodyReadErrorIsReturnedAsIs(t *testing.T) {
	r := httptest.NewRequest("POST", "/", bytes.NewReader(make([]byte, 100)))
	signer := v4.NewSigner()
	if err := signer.SignHTTP(context.Background(), known, r, hash(string(make([]byte, 100))), "apigateway", "us-east-1", signedAt); err != nil {
		t.Fatal(err)
	}
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	_, err := sigv4.Verify(r, signedAt, secret)
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) {
		t.Fatalf("got %v, want the body's *http.MaxBytesError", err)
	}
}

// BenchmarkVerifyBody is the cost of checking a signature that covers a
// 1 MiB body: the body is read whole, hashed and handed back.
func BenchmarkVerifyBody(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1<<20)
	sum := sha256.Sum256(body)
	req, _ := http.NewRequest("POST", "http://gatehouse.localhost/v2/apis", nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), known, req, hex.EncodeToString(sum[:]), "apigateway", "us-east-1", signedAt); err != nil {
		b.Fatal(err)
	}
	v := sigv4.Verifier{Secret: secret}
	b.ReportAllocs()
	for b.Loop() {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		if _, err := v.Verify(req, signedAt); err != nil {
			b.Fatal(err)
		}
	}
}
