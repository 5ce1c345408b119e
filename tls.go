package gatehouse

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"

	"gatehouse/internal/ca"
)

// DefaultTLSListen is where `gatehouse serve` serves HTTPS unless told
// otherwise: the port after DefaultListen's.
const DefaultTLSListen = "127.0.0.1:4567"

// openAuthority opens the certificate authority the HTTPS listener's
// certificates come from: kept in the data directory, or, in memory, one
// for this process whose certificate is written to a temporary file.
func openAuthority(cfg Config) (*ca.Authority, error) {
	if cfg.InMemory {
		return ca.Ephemeral()
	}
	return ca.Open(cfg.DataDir)
}

// tlsConfig presents a certificate for each name a client asks for that
// gatehouse serves: invoke URLs' host names get a wildcard of their
// suffix (*.execute-api.us-east-1.amazonaws.com), custom domain names
// their own name, gatehouse's own names theirs, and a client that names
// nothing (an address) gets localhost's, which covers the loopback
// addresses. Any other name fails the handshake. HTTP/2 is not offered:
// both listeners serve requests alike.
func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			name, ok := s.certName(hello.ServerName)
			if !ok {
				return nil, fmt.Errorf("gatehouse serves no name %q over TLS", hello.ServerName)
			}
			return s.ca.Certificate(name)
		},
	}
}

// certName is the name of the certificate that serves server, a TLS
// client's server name.
func (s *Server) certName(server string) (string, bool) {
	server = strings.ToLower(strings.TrimSuffix(server, "."))
	if server == "" || net.ParseIP(server) != nil {
		return "localhost", true
	}
	if name, ok := invokeWildcard(server, s.cfg.Region); ok {
		return name, true
	}
	if d := s.plane.Snapshot().Domain(server); d != nil {
		return d.Name, true
	}
	if server == "localhost" || strings.HasSuffix(server, ".localhost") && validName(server) {
		return server, true
	}
	for _, h := range s.cfg.AllowHosts {
		if strings.EqualFold(hostName(h), server) {
			return server, true
		}
	}
	return "", false
}

// invokeWildcard is the wildcard certificate name for an invoke URL's
// host name: only the served region's execute-api suffix and
// execute-api.localhost qualify, so a client inventing suffixes cannot
// have a certificate signed for each.
func invokeWildcard(server, region string) (string, bool) {
	id, rest, ok := strings.Cut(server, ".")
	if !ok || id == "" || !validName(id) {
		return "", false
	}
	if rest == "execute-api.localhost" || rest == "execute-api."+region+".amazonaws.com" {
		return "*." + rest, true
	}
	return "", false
}

// validName reports whether s is a DNS name: labels of letters, digits
// and hyphens.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func hostName(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// serveTLS starts the HTTPS listener's server on ln, with the handler and
// the limits of the plain one.
func (s *Server) serveTLS(ln net.Listener) {
	plain := s.http
	s.https = &http.Server{Handler: plain.Handler, ReadHeaderTimeout: plain.ReadHeaderTimeout, IdleTimeout: plain.IdleTimeout,
		ConnState: plain.ConnState, TLSConfig: s.tlsConfig(),
		// An empty map turns HTTP/2 off.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
	go func() {
		err := s.https.Serve(tls.NewListener(ln, s.https.TLSConfig))
		if err == http.ErrServerClosed {
			err = nil
		}
		s.tlsDone <- err
	}()
}

// listenTLS opens the authority and binds the HTTPS listener.
func (s *Server) listenTLS() error {
	a, err := openAuthority(s.cfg)
	if err != nil {
		return fmt.Errorf("the certificate authority: %w", err)
	}
	ln, err := net.Listen("tcp", s.cfg.TLSListen)
	if err != nil {
		a.Close()
		return fmt.Errorf("listen on %s: %w", s.cfg.TLSListen, err)
	}
	s.ca, s.tlsLn, s.tlsDone = a, sendBuffered{Listener: ln, size: SendBuffer}, make(chan error, 1)
	return nil
}

// closeTLS releases what listenTLS took, for a start that failed after it
// and for shutdown: an ephemeral authority's file goes.
func (s *Server) closeTLS() {
	if s.tlsLn != nil && s.https == nil {
		s.tlsLn.Close()
	}
	if s.ca != nil {
		s.ca.Close()
	}
}

// caCert is the authority's PEM certificate, nil without the HTTPS
// listener.
func (s *Server) caCert() []byte {
	if s.ca == nil {
		return nil
	}
	return s.ca.CertPEM()
}
