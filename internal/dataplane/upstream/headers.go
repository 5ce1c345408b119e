package upstream

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// HopByHop reports whether a header belongs to one connection and is never
// forwarded, in either direction (RFC 9110 7.6.1). Keys are compared in
// canonical form, the form net/http stores them in. Both API types use this
// one table; REST adds the few it also drops.
func HopByHop(key string) bool {
	switch key {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// TraceID is an X-Ray trace header value: Root=1-{epoch hex}-{96 random
// bits}. Trace ids need to be unique, not secret, so math/rand's
// per-thread generator serves, in one allocation.
func TraceID() string {
	var r [12]byte
	binary.BigEndian.PutUint64(r[:8], rand.Uint64())
	binary.BigEndian.PutUint32(r[8:], rand.Uint32())
	var buf [48]byte
	b := append(buf[:0], "Root=1-"...)
	b = strconv.AppendInt(b, time.Now().Unix(), 16)
	b = append(b, '-')
	b = hex.AppendEncode(b, r[:])
	return string(b)
}

// DropConnectionListed removes from out the headers that in's Connection
// header names: a client marks them as meant for this connection alone
// (RFC 9110 7.6.1), so a proxy must not pass them on. Most requests carry
// no Connection header and pay one map lookup.
func DropConnectionListed(in, out http.Header) {
	for _, v := range in["Connection"] {
		for v != "" {
			var name string
			name, v, _ = strings.Cut(v, ",")
			if name = textproto.TrimString(name); name != "" {
				delete(out, textproto.CanonicalMIMEHeaderKey(name))
			}
		}
	}
}

// NoUserAgent makes an outgoing request that came without a User-Agent
// leave without one: Go's HTTP client otherwise sends its own
// (Go-http-client/1.1), which the backend would take for the client's. An
// entry present but empty tells it not to.
func NoUserAgent(h http.Header) {
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = nil
	}
}

// Remapped is the name under which a REST API passes a proxy backend's
// response header to the client, when the name is one the gateway reserves
// for itself or for the connection: AWS renames these x-amzn-Remapped-{name}
// rather than let a backend overwrite the gateway's own request id, date or
// authentication challenge. ok is false for every other header, which
// passes as it is.
func Remapped(key string) (name string, ok bool) {
	switch key {
	case "X-Amzn-Requestid":
		return "X-Amzn-Remapped-X-Amzn-Requestid", true
	case "X-Amz-Apigw-Id":
		return "X-Amzn-Remapped-X-Amz-Apigw-Id", true
	case "X-Amzn-Trace-Id":
		return "X-Amzn-Remapped-X-Amzn-Trace-Id", true
	case "X-Amzn-Errortype":
		return "X-Amzn-Remapped-X-Amzn-Errortype", true
	case "Authorization":
		return "X-Amzn-Remapped-Authorization", true
	case "Connection":
		return "X-Amzn-Remapped-Connection", true
	case "Content-Md5":
		return "X-Amzn-Remapped-Content-Md5", true
	case "Date":
		return "X-Amzn-Remapped-Date", true
	case "Server":
		return "X-Amzn-Remapped-Server", true
	case "Www-Authenticate":
		return "X-Amzn-Remapped-Www-Authenticate", true
	}
	return "", false
}
