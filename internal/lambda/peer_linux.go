package lambda

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// FromFunction reports whether the client of a loopback TCP connection to
// gatehouse is one of the engine's function processes: remote is the
// client's address, local gatehouse's end ("127.0.0.1:4566"). It looks in
// /proc for the client's socket and for the sandbox process holding it, so
// it is for gatehouse's own endpoints, which functions must not reach, and
// never for an API's requests.
func (e *Engine) FromFunction(remote, local string) bool {
	ino := socketInode(remote, local)
	if ino == "" {
		return false
	}
	var roots []int
	e.boxMu.Lock()
	for b := range e.sandboxes {
		b.mu.Lock()
		if b.cmd != nil && b.cmd.Process != nil && !b.reaped {
			roots = append(roots, b.cmd.Process.Pid)
		}
		b.mu.Unlock()
	}
	e.boxMu.Unlock()
	sock := "socket:[" + ino + "]"
	for _, root := range roots {
		for _, p := range descendants(root) {
			if held, hidden := holds(p, sock); held || hidden {
				// A process whose descriptors cannot be read (it made
				// itself not dumpable) is taken to hold it: the check
				// fails closed.
				return true
			}
		}
	}
	return false
}

// socketInode is the inode of the TCP socket whose own address is remote
// and whose peer is local, from /proc/net/tcp and tcp6; "" if none.
func socketInode(remote, local string) string {
	r, err1 := netip.ParseAddrPort(remote)
	l, err2 := netip.ParseAddrPort(local)
	if err1 != nil || err2 != nil {
		return ""
	}
	r, l = netip.AddrPortFrom(r.Addr().Unmap(), r.Port()), netip.AddrPortFrom(l.Addr().Unmap(), l.Port())
	if r.Addr().Is4() && l.Addr().Is4() {
		if ino := findSocket("/proc/net/tcp", procAddr(r), procAddr(l)); ino != "" {
			return ino
		}
	}
	// A dual-stack listener's connections are listed in tcp6, IPv4 ones
	// as IPv4-mapped addresses.
	return findSocket("/proc/net/tcp6", procAddr6(r), procAddr6(l))
}

// findSocket scans a /proc/net/tcp table for the socket from own to peer.
func findSocket(table, own, peer string) string {
	f, err := os.Open(table)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fs := strings.Fields(sc.Text())
		if len(fs) > 9 && fs[1] == own && fs[2] == peer {
			return fs[9]
		}
	}
	return ""
}

// procAddr is an IPv4 address and port as /proc/net/tcp writes them: the
// address as one 32-bit word in the machine's (little-endian) order.
func procAddr(a netip.AddrPort) string {
	b := a.Addr().As4()
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", b[3], b[2], b[1], b[0], a.Port())
}

// procAddr6 is the same for tcp6: four 32-bit words, each in the
// machine's order; an IPv4 address is written IPv4-mapped.
func procAddr6(a netip.AddrPort) string {
	b := a.Addr().As16()
	var s strings.Builder
	for w := 0; w < 16; w += 4 {
		fmt.Fprintf(&s, "%02X%02X%02X%02X", b[w+3], b[w+2], b[w+1], b[w])
	}
	fmt.Fprintf(&s, ":%04X", a.Port())
	return s.String()
}
