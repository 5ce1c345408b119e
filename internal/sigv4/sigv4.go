// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// both forms AWS accepts: the Authorization header ("AWS4-HMAC-SHA256
// Credential=..., SignedHeaders=..., Signature=...") and the presigned query
// string (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders,
// X-Amz-Signature). It rebuilds the canonical request from what the client
// said it signed, derives the signing key from the secret of the access key
// the credential names, and compares in constant time.
//
// It is pure: no clock (the caller passes now), no store (the caller passes
// the secret lookup), no knowledge of which protocol family answers. Its
// errors carry the codes and messages AWS uses; the caller puts them in its
// family's shape. It imports no other gatehouse package.
package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm SigV4 defines for HMAC keys.
const Algorithm = "AWS4-HMAC-SHA256"

// UnsignedPayload is the payload hash a client sends when the body is not
// part of the signature (S3 and presigned URLs use it).
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// DefaultSkew is how far a request's X-Amz-Date may be from now, either way:
// AWS allows 15 minutes.
const DefaultSkew = 15 * time.Minute

// MaxExpires is the longest X-Amz-Expires AWS accepts: seven days.
const MaxExpires = 7 * 24 * time.Hour

// timeFormat is SigV4's ISO 8601 basic format, as X-Amz-Date carries it.
const timeFormat = "20060102T150405Z"

// emptyHash is the SHA-256 of an empty body.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Credential is what a verified signature says about its signer.
type Credential struct {
	AccessKeyID string
	// Date (YYYYMMDD), Region and Service are the credential scope.
	Date, Region, Service string
	// Time is the request's X-Amz-Date.
	Time time.Time
	// Presigned is true for the query-string form.
	Presigned bool
}

// Verifier checks signatures. The zero value with Secret set is right for
// every AWS service but S3.
type Verifier struct {
	// Secret returns the secret access key of an access key id, and false
	// for an unknown one.
	Secret func(accessKeyID string) (secret string, ok bool)
	// Service, when set, is the only service a credential scope may name
	// (API Gateway's invoke URLs require "execute-api").
	Service string
	// SinglePathEncoding uses the path as the client sent it, encoded once,
	// as S3 does. Every other service encodes the already-encoded path a
	// second time; that is the default.
	SinglePathEncoding bool
}

// Verify checks r's signature with the default Verifier: double path
// encoding, any service, 15 minutes of skew.
func Verify(r *http.Request, now time.Time, secret func(accessKeyID string) (string, bool)) (*Credential, error) {
	return Verifier{Secret: secret}.Verify(r, now)
}

// Verify checks r's signature at time now. It returns the credential that
// signed it, or an *Error with AWS's code and message. When the signature
// covers the body, Verify reads the body and puts an equivalent one back on
// r, so the caller reads it as if untouched; the caller bounds r.Body (a
// read error is returned as it is, not as an *Error, so an
// *http.MaxBytesError can be told apart). A body declared UNSIGNED-PAYLOAD
// is not read.
func (v Verifier) Verify(r *http.Request, now time.Time) (*Credential, error) {
	query := r.URL.Query()
	var s *signed
	var err error
	if auth := r.Header.Get("Authorization"); auth != "" {
		s, err = parseHeader(r, auth)
	} else if query.Has("X-Amz-Signature") || query.Has("X-Amz-Credential") || query.Has("X-Amz-Algorithm") {
		s, err = parseQuery(query)
	} else {
		return nil, newError(Missing, "Missing Authentication Token")
	}
	if err != nil {
		return nil, err
	}
	if v.Service != "" && s.cred.Service != v.Service {
		return nil, newError(Incomplete, "Credential should be scoped to correct service: '"+v.Service+"'. ")
	}
	secret, ok := v.Secret(s.cred.AccessKeyID)
	if !ok {
		return nil, newError(UnknownKey, "The security token included in the request is invalid.")
	}
	if err := v.checkTime(s, now); err != nil {
		return nil, err
	}

	payload, err := payloadHash(r, s.presigned, query)
	if err != nil {
		return nil, err
	}
	key := signingKey(secret, s.cred.Date, s.cred.Region, s.cred.Service)
	if v.matches(r, s, query, payload, key) {
		return &s.cred, nil
	}
	// A presigned URL that declares no payload hash was signed with the
	// body's hash or, as S3 presigners do, with UNSIGNED-PAYLOAD.
	if s.presigned && payload != UnsignedPayload && r.Header.Get("X-Amz-Content-Sha256") == "" && !query.Has("X-Amz-Content-Sha256") &&
		v.matches(r, s, query, UnsignedPayload, key) {
		return &s.cred, nil
	}
	return nil, newError(Mismatch, mismatchMessage)
}

const mismatchMessage = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// signed is what a request says about its own signature.
type signed struct {
	cred          Credential
	signedHeaders []string
	signature     string
	dateHeader    string // X-Amz-Date as sent
	expires       time.Duration
	presigned     bool
}

// parseHeader reads the Authorization header form. Like AWS it reports
// every missing part at once.
func parseHeader(r *http.Request, auth string) (*signed, error) {
	algo, rest, _ := strings.Cut(auth, " ")
	params := map[string]string{}
	if algo == Algorithm {
		for _, kv := range strings.Split(rest, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, newError(Incomplete, "Invalid key=value pair (missing equal-sign) in Authorization header: '"+kv+"'.")
			}
			params[k] = v
		}
	}
	date := r.Header.Get("X-Amz-Date")
	dateFrom := "X-Amz-Date"
	if date == "" {
		if d := r.Header.Get("Date"); d != "" {
			if t, err := http.ParseTime(d); err == nil {
				date = t.UTC().Format(timeFormat)
			} else {
				date = d
			}
			dateFrom = "Date"
		}
	}
	var missing []string
	for _, p := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[p] == "" {
			missing = append(missing, "Authorization header requires '"+p+"' parameter.")
		}
	}
	if date == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, newError(Incomplete, strings.Join(missing, " ")+" Authorization="+auth)
	}
	s := &signed{signature: params["Signature"], dateHeader: date}
	if err := s.parseScope(params["Credential"], date, dateFrom); err != nil {
		return nil, err
	}
	s.signedHeaders = strings.Split(params["SignedHeaders"], ";")
	if err := s.checkSignedHeaders(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseQuery reads the presigned form.
func parseQuery(q url.Values) (*signed, error) {
	var missing []string
	for _, p := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(p) == "" {
			missing = append(missing, "'"+p+"'")
		}
	}
	if len(missing) > 0 {
		return nil, newError(Incomplete, "AWS query-string parameters must include "+strings.Join(missing, ", ")+". Re-examine the query-string parameters.")
	}
	if a := q.Get("X-Amz-Algorithm"); a != Algorithm {
		return nil, newError(Incomplete, "Unsupported AWS 'algorithm': '"+a+"'.")
	}
	s := &signed{signature: q.Get("X-Amz-Signature"), dateHeader: q.Get("X-Amz-Date"), presigned: true}
	if err := s.parseScope(q.Get("X-Amz-Credential"), s.dateHeader, "X-Amz-Date"); err != nil {
		return nil, err
	}
	s.cred.Presigned = true
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n < 0 {
			return nil, newError(Incomplete, "X-Amz-Expires should be a number of seconds, not '"+e+"'.")
		}
		if n > int64(MaxExpires/time.Second) {
			return nil, newError(Incomplete, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		s.expires = time.Duration(n) * time.Second
	}
	s.signedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	if err := s.checkSignedHeaders(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseScope reads "AKID/20250101/us-east-1/service/aws4_request" and checks
// its date against the request's.
func (s *signed) parseScope(cred, date, dateFrom string) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return newError(Incomplete, "Credential should be scoped to a valid region, not '"+strings.Join(parts[min(2, len(parts)):], "/")+"'. ")
	}
	if parts[4] != "aws4_request" {
		return newError(Incomplete, "Credential should be scoped with a valid terminator: 'aws4_request', not '"+parts[4]+"'. ")
	}
	t, err := time.Parse(timeFormat, date)
	if err != nil {
		return newError(Incomplete, "Date must be in ISO-8601 'basic format'. Got '"+date+"'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	if day := date[:8]; parts[1] != day {
		return newError(Incomplete, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			parts[1]+"' != '"+day+"', from '"+dateFrom+"'.")
	}
	if parts[0] == "" {
		return newError(Incomplete, "Authorization header requires 'Credential' parameter.")
	}
	s.cred = Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Time: t}
	s.dateHeader = date
	return nil
}

// checkSignedHeaders insists on host, as AWS does: without it a signature
// could be replayed against another endpoint.
func (s *signed) checkSignedHeaders() error {
	for _, h := range s.signedHeaders {
		if h == "host" {
			return nil
		}
	}
	return newError(Incomplete, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
}

// checkTime applies the skew window, and a presigned URL's expiry.
func (v Verifier) checkTime(s *signed, now time.Time) error {
	skew := DefaultSkew
	now = now.UTC()
	t := s.cred.Time
	mins := strconv.Itoa(int(skew/time.Minute)) + " min.)"
	if s.presigned && s.expires > 0 {
		if now.After(t.Add(s.expires)) {
			return newError(Expired, "Signature expired: "+t.Add(s.expires).Format(timeFormat)+" is now earlier than "+now.Format(timeFormat)+".")
		}
	} else if earliest := now.Add(-skew); t.Before(earliest) {
		return newError(Expired, "Signature expired: "+s.dateHeader+" is now earlier than "+earliest.Format(timeFormat)+
			" ("+now.Format(timeFormat)+" - "+mins)
	}
	if latest := now.Add(skew); t.After(latest) {
		return newError(Expired, "Signature not yet current: "+s.dateHeader+" is still later than "+latest.Format(timeFormat)+
			" ("+now.Format(timeFormat)+" + "+mins)
	}
	return nil
}

// payloadHash is the hash the canonical request ends with: the one the
// client declared if it is UNSIGNED-PAYLOAD, else the body's own, which must
// agree with a declared one.
func payloadHash(r *http.Request, presigned bool, q url.Values) (string, error) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	if declared == "" && presigned {
		declared = q.Get("X-Amz-Content-Sha256")
	}
	if declared == UnsignedPayload {
		return UnsignedPayload, nil
	}
	sum := emptyHash
	if r.Body != nil && r.Body != http.NoBody {
		body, err := readBody(r.Body, r.ContentLength)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		h := sha256.Sum256(body)
		sum = hex.EncodeToString(h[:])
	}
	if declared != "" && !strings.EqualFold(declared, sum) {
		return "", newError(Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return sum, nil
}

// matches rebuilds the string to sign and compares signatures.
func (v Verifier) matches(r *http.Request, s *signed, query url.Values, payload string, key []byte) bool {
	var c strings.Builder
	c.WriteString(r.Method)
	c.WriteByte('\n')
	path := escapedPath(r)
	if !v.SinglePathEncoding {
		path = encode(path, false)
	}
	c.WriteString(path)
	c.WriteByte('\n')
	c.WriteString(canonicalQuery(query, s.presigned))
	c.WriteByte('\n')
	for _, h := range s.signedHeaders {
		c.WriteString(h)
		c.WriteByte(':')
		c.WriteString(headerValue(r, h))
		c.WriteByte('\n')
	}
	c.WriteByte('\n')
	c.WriteString(strings.Join(s.signedHeaders, ";"))
	c.WriteByte('\n')
	c.WriteString(payload)

	canon := sha256.Sum256([]byte(c.String()))
	toSign := Algorithm + "\n" + s.dateHeader + "\n" +
		s.cred.Date + "/" + s.cred.Region + "/" + s.cred.Service + "/aws4_request\n" + hex.EncodeToString(canon[:])
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	return hmac.Equal([]byte(want), []byte(strings.ToLower(s.signature)))
}

// escapedPath is the path as it came on the wire: what the client signed.
func escapedPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if strings.HasPrefix(r.RequestURI, "/") {
		p, _, _ = strings.Cut(r.RequestURI, "?")
	}
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery encodes each name and value, then sorts by encoded name and
// value, as SigV4 says: the order of encoded and decoded forms can differ.
func canonicalQuery(q url.Values, presigned bool) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(q))
	for k, vs := range q {
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		ek := encode(k, true)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, encode(v, true)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// headerValue is a signed header's canonical value: each value trimmed with
// inner runs of spaces made one, repeated headers joined by commas.
func headerValue(r *http.Request, name string) string {
	var vs []string
	switch name {
	case "host":
		vs = []string{r.Host}
	case "content-length":
		vs = r.Header.Values("Content-Length")
		if len(vs) == 0 && r.ContentLength > 0 {
			vs = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		vs = r.Header.Values(name)
	}
	for i, v := range vs {
		vs[i] = strings.Join(strings.FieldsFunc(v, func(c rune) bool { return c == ' ' }), " ")
	}
	return strings.Join(vs, ",")
}

// encode percent-encodes every byte outside RFC 3986's unreserved set, with
// upper-case hex; slashes stay when slash is false (paths).
func encode(s string, slash bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && !slash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// signingKey derives the key for one day, region and service.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// readBody reads a body whole into one buffer of its declared length (n,
// -1 when unknown), rather than into one grown by doubling, which for a
// 10 MB body holds twice that at its peak.
func readBody(rc io.Reader, n int64) ([]byte, error) {
	if n < 0 {
		return io.ReadAll(rc)
	}
	// MinRead more, so that the read that finds the end needs no growth.
	buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
	_, err := buf.ReadFrom(rc)
	return buf.Bytes(), err
}
