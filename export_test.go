package gatehouse

import (
	"net"
	"net/http"
)

// WatchConns has a server started with c report each client connection's
// change of state to f, after the connection cap has acted on it.
func WatchConns(c *Config, f func(net.Conn, http.ConnState)) { c.watchConns = f }
