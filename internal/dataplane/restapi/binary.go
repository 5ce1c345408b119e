package restapi

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/internal/dataplane/upstream"
)

// mediaTypes is a REST API's binaryMediaTypes, compiled: the content types
// whose payloads are binary rather than UTF-8 text. An entry may be
// type/*, or */* for every type.
type mediaTypes []binaryType

type binaryType struct{ typ, sub string }

func compileMediaTypes(list []string) mediaTypes {
	var out mediaTypes
	for _, e := range list {
		typ, sub, ok := strings.Cut(strings.TrimSpace(e), "/")
		if !ok || typ == "" || sub == "" {
			continue
		}
		out = append(out, binaryType{strings.ToLower(typ), strings.ToLower(sub)})
	}
	return out
}

// binary reports whether a Content-Type or Accept value names a binary
// type. Only the first of several types counts, as AWS honors only the
// first Accept type; parameters do not count.
func (mt mediaTypes) binary(header string) bool {
	if len(mt) == 0 || header == "" {
		return false
	}
	first, _, _ := strings.Cut(header, ",")
	first, _, _ = strings.Cut(first, ";")
	typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(first)), "/")
	if !ok {
		return false
	}
	for _, m := range mt {
		if (m.typ == "*" || m.typ == typ) && (m.sub == "*" || m.sub == sub) {
			return true
		}
	}
	return false
}

// Content handling: the conversion an integration asks for between the
// method's payload and the backend's (contentHandling).
const (
	toBinary = "CONVERT_TO_BINARY"
	toText   = "CONVERT_TO_TEXT"
)

// convert turns a payload into the kind asked for, as AWS's content type
// conversion tables have it: text asked to become binary is base64-decoded
// (false when it is not base64), binary asked to become text is
// base64-encoded, and anything that stays or becomes text is UTF-8, with
// each byte that is not replaced by U+FFFD.
func convert(body []byte, isBinary, wantBinary bool) ([]byte, bool) {
	switch {
	case !isBinary && wantBinary:
		out := make([]byte, base64.StdEncoding.DecodedLen(len(body)))
		n, err := base64.StdEncoding.Decode(out, bytes.TrimSpace(body))
		if err != nil {
			return nil, false
		}
		return out[:n], true
	case isBinary && !wantBinary:
		out := make([]byte, base64.StdEncoding.EncodedLen(len(body)))
		base64.StdEncoding.Encode(out, body)
		return out, true
	case !wantBinary:
		return validUTF8(body), true
	}
	return body, true
}

// validUTF8 is b with each byte that does not belong to a UTF-8 sequence
// replaced by U+FFFD, as a decoder that replaces malformed input does; b
// itself when it is valid.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// requestPayload is the integration request's body for a non-proxy
// integration: binary when its Content-Type is one of the API's binary
// media types, converted as the integration's contentHandling asks, and
// passed through otherwise (text staying UTF-8 text).
func (in *Integration) requestPayload(body []byte, contentType string) ([]byte, bool) {
	isBinary := in.binary.binary(contentType)
	want := isBinary
	switch in.contentHandling {
	case toBinary:
		want = true
	case toText:
		want = false
	}
	return convert(body, isBinary, want)
}

// responsePayload is the method response's body for a non-proxy
// integration: the backend's answer is binary when its Content-Type is a
// binary media type, and is converted to what the integration response's
// contentHandling asks for, or without one to what the client's first
// Accept type is.
func (in *Integration) responsePayload(r *response, body []byte, contentType, accept string) ([]byte, bool) {
	isBinary := in.binary.binary(contentType)
	var want bool
	switch r.contentHandling {
	case toBinary:
		want = true
	case toText:
		want = false
	default:
		want = in.binary.binary(accept)
	}
	return convert(body, isBinary, want)
}

// readBody reads the method request's body whole when the integration
// needs it (wholeBody), within the payload limit, the server's bound on
// what it holds (q.held, which the caller releases) and the integration's
// timeout, which a streamed body would have had too, and converts it for a
// non-proxy backend (q.payload). It reports false once it has answered the
// request itself.
func (q *request) readBody(w http.ResponseWriter, integ *Integration) bool {
	r := q.r
	if !integ.wholeBody || r.Body == nil || r.Body == http.NoBody {
		return true
	}
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(integ.Timeout))
	if !q.method.IAM && !q.method.validate.holdsBody() { // held already
		q.held = upstream.BodySize(r, MaxPayload)
		if !q.env.Guard.Hold(q.held) {
			q.held = 0
			fail(w, q, tooMany)
			return false
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	switch {
	case len(body) > MaxPayload:
		fail(w, q, tooLarge)
		return false
	case err != nil:
		fail(w, q, fault{kind: default4xx, status: http.StatusBadRequest, message: "Bad Request", errorType: "BadRequestException"})
		return false
	}
	if body == nil {
		body = []byte{} // read, and empty
	}
	q.body, q.payload = body, body
	if integ.Type != "HTTP_PROXY" {
		var ok bool
		if q.payload, ok = integ.requestPayload(body, r.Header.Get("Content-Type")); !ok {
			// Text to be made binary that is not base64: AWS's
			// configuration error.
			fail(w, q, configurationError)
			return false
		}
	}
	return true
}
