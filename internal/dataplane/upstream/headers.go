package upstream

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
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
