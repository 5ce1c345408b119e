package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// NewID returns an EC2-style identifier: prefix, a dash, 17 hex digits
// ("vpc-0a1b2c3d4e5f60718").
func NewID(prefix string) string {
	return prefix + "-" + RandomHex(17)
}

// RandomHex returns n random lowercase hex digits.
func RandomHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)[:n]
}

// NewRequestID returns a request id in AWS's UUID form.
func NewRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ARN formats an Amazon Resource Name.
func ARN(service, region, account, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}

// NewMAC returns a locally administered MAC address, as AWS gives ENIs
// ("02:1a:2b:3c:4d:5e").
func NewMAC() string {
	h := RandomHex(10)
	return "02:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10]
}
