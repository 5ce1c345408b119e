package lambda

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

// socketInode finds a client's socket in /proc/net/tcp and tcp6, IPv4,
// IPv6 and IPv4 through a dual-stack listener alike.
func TestSocketInode(t *testing.T) {
	for _, c := range []struct{ listen, dial string }{
		{"tcp4", "127.0.0.1"},
		{"tcp6", "[::1]"},
		{"tcp", "127.0.0.1"}, // [::]:port, so tcp6 with a mapped address
	} {
		addr := "127.0.0.1:0"
		if c.listen != "tcp4" {
			addr = "[::]:0"
			if c.dial == "[::1]" {
				addr = "[::1]:0"
			}
		}
		ln, err := net.Listen(c.listen, addr)
		if err != nil {
			t.Logf("skipped: %s %s: %v", c.listen, addr, err)
			continue
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		conn, err := net.Dial("tcp", c.dial+":"+port)
		if err != nil {
			t.Fatal(err)
		}
		server, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		f, _ := conn.(*net.TCPConn).File()
		var st syscall.Stat_t
		syscall.Fstat(int(f.Fd()), &st)
		f.Close()
		// The server's view: its peer is the client, its own end local.
		got := socketInode(server.RemoteAddr().String(), server.LocalAddr().String())
		if got != strconv.FormatUint(st.Ino, 10) {
			t.Errorf("%s to %s: inode %q, want %d", c.listen, c.dial, got, st.Ino)
		}
		if other := socketInode(server.LocalAddr().String(), "127.0.0.1:1"); other != "" {
			t.Errorf("%s: found %q for a connection that does not exist", c.listen, other)
		}
		conn.Close()
		server.Close()
		ln.Close()
	}
}
