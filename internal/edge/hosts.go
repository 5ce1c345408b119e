package edge

import (
	"net"
	"net/netip"
	"strings"
)

// hosts decides which Host headers the management plane, the admin
// endpoints and the path forms of invoke URLs answer to. A DNS rebinding
// attack reaches a local gatehouse under a name the attacker controls, so
// names are refused unless they are loopback names or configured; address
// literals are kept, since no attacker can make a browser send a literal
// that is not the address it really connected to.
type hosts struct {
	names map[string]bool // lower case, no port
}

func newHosts(allow []string) hosts {
	h := hosts{names: map[string]bool{}}
	for _, n := range allow {
		h.names[strings.ToLower(hostOnly(n))] = true
	}
	return h
}

// allowed reports whether host (a Host header, with or without a port) is
// served.
func (h hosts) allowed(host string) bool {
	name := hostOnly(host)
	if name == "" {
		// HTTP/1.0 without a Host: no browser sends that.
		return true
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	if strings.EqualFold(name, "localhost") || hasFoldSuffix(name, ".localhost") {
		return true
	}
	if len(h.names) == 0 {
		return false
	}
	return h.names[strings.ToLower(name)]
}

// hostOnly strips the port and an IPv6 literal's brackets.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}

func hasFoldSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
