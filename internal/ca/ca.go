// Package ca is gatehouse's local certificate authority: an ECDSA P-256 key
// and a self-signed certificate, made once and kept in the data directory
// (or for one process only), that signs the certificates the HTTPS
// listener presents. A user who trusts the authority's certificate trusts
// every name gatehouse serves over TLS, and no other certificate: the
// authority's key never leaves its directory, and nothing here opens a
// socket.
//
// Certificates are issued on the first handshake for a name and cached, so
// a handshake signs nothing once its name has been seen.
package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// File names in the directory an authority is kept in.
const (
	CertFile = "ca.pem"
	KeyFile  = "ca-key.pem"
)

// Lifetimes. A leaf lives a year less a day, under the 398 days browsers
// accept; it is issued again a day before it ends.
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	leafLifetime = 364 * 24 * time.Hour
	renewBefore  = 24 * time.Hour
	// maxCached bounds the names held: past it, the least needed way to
	// grow memory (a client inventing names) is refused instead.
	maxCached = 4096
	// maxInvented bounds, apart from maxCached, the names under
	// .localhost, which any client may invent: past it one of them is
	// dropped for the new one, so they never crowd out the custom domain
	// names created later.
	maxInvented = 512
)

// Authority signs leaf certificates for the names it is asked for.
type Authority struct {
	cert    *x509.Certificate
	certPEM []byte
	key     *ecdsa.PrivateKey
	// path is the PEM file of the certificate, for curl --cacert and for
	// trust stores; temp is the directory to remove on Close, if any.
	path, temp string
	// leafKey is the one key of every leaf: issuing a name signs a
	// certificate, never makes a key.
	leafKey *ecdsa.PrivateKey
	now     func() time.Time

	mu     sync.Mutex // held while issuing, so a name is signed once
	leaves sync.Map   // name -> *tls.Certificate
	cached atomic.Int64
	// invented counts the names under .localhost held; guarded by mu.
	invented int
	issued   atomic.Int64
}

// Open returns the authority kept in dir, making it (and dir) the first
// time.
func Open(dir string) (*Authority, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	certPEM, cerr := os.ReadFile(certPath)
	keyPEM, kerr := os.ReadFile(keyPath)
	switch {
	case cerr == nil && kerr == nil:
		a, err := parse(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("the certificate authority in %s: %w", dir, err)
		}
		a.path = certPath
		return a, nil
	case errors.Is(cerr, os.ErrNotExist) && errors.Is(kerr, os.ErrNotExist):
	case cerr != nil && !errors.Is(cerr, os.ErrNotExist):
		return nil, cerr
	case kerr != nil && !errors.Is(kerr, os.ErrNotExist):
		return nil, kerr
	default:
		return nil, fmt.Errorf("the certificate authority in %s is half there: %s and %s go together", dir, CertFile, KeyFile)
	}
	a, keyPEM, err := create()
	if err != nil {
		return nil, err
	}
	// The key first, readable by its owner only: a certificate without
	// its key would be refused at the next start.
	if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(certPath, a.certPEM, 0o644); err != nil {
		return nil, err
	}
	a.path = certPath
	return a, nil
}

// Ephemeral returns an authority that lives as long as the process: its
// key stays in memory, and its certificate is written to a new temporary
// directory so that clients can be pointed at it. Close removes it.
func Ephemeral() (*Authority, error) {
	a, _, err := create()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gatehouse-ca-")
	if err != nil {
		return nil, err
	}
	a.temp, a.path = dir, filepath.Join(dir, CertFile)
	if err := os.WriteFile(a.path, a.certPEM, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return a, nil
}

// Close removes an ephemeral authority's certificate file.
func (a *Authority) Close() error {
	if a.temp == "" {
		return nil
	}
	return os.RemoveAll(a.temp)
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func create() (*Authority, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "gatehouse local CA " + now.UTC().Format("2006-01-02"), Organization: []string{"gatehouse"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	a, err := parse(certPEM, keyPEM)
	return a, keyPEM, err
}

func parse(certPEM, keyPEM []byte) (*Authority, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("the key is not the certificate's")
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Authority{cert: cert, certPEM: certPEM, key: key, leafKey: leafKey, now: time.Now}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// Path is the PEM file of the authority's certificate.
func (a *Authority) Path() string { return a.path }

// CertPEM is the authority's certificate in PEM.
func (a *Authority) CertPEM() []byte { return a.certPEM }

// Pool is a pool holding the authority's certificate alone, for clients.
func (a *Authority) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.cert)
	return p
}

// Issued counts the leaf certificates signed so far.
func (a *Authority) Issued() int64 { return a.issued.Load() }

// Certificate returns the leaf for name ("api.example.com",
// "*.execute-api.localhost", or an IP address), signing it the first time
// and when it nears its end.
func (a *Authority) Certificate(name string) (*tls.Certificate, error) {
	if c, ok := a.leaves.Load(name); ok && a.fresh(c.(*tls.Certificate)) {
		return c.(*tls.Certificate), nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.leaves.Load(name)
	if ok && a.fresh(c.(*tls.Certificate)) {
		return c.(*tls.Certificate), nil
	}
	local := invented(name)
	if !ok && !local && a.cached.Load() >= maxCached {
		return nil, fmt.Errorf("ca: %d names issued already; refusing %q", maxCached, name)
	}
	leaf, err := a.sign(name)
	if err != nil {
		return nil, err
	}
	switch {
	case ok:
	case local:
		if a.invented >= maxInvented {
			a.dropInvented()
		}
		a.invented++
	default:
		a.cached.Add(1)
	}
	a.leaves.Store(name, leaf)
	return leaf, nil
}

// invented reports whether name is one a client may make up: a name
// under .localhost other than a wildcard, which gatehouse names itself.
func invented(name string) bool {
	return strings.HasSuffix(name, ".localhost") && !strings.HasPrefix(name, "*.")
}

// dropInvented forgets one invented name's certificate, to make room for
// another; a client naming it again has it signed again. Called with mu
// held.
func (a *Authority) dropInvented() {
	a.leaves.Range(func(k, _ any) bool {
		if invented(k.(string)) {
			a.leaves.Delete(k)
			a.invented--
			return false
		}
		return true
	})
}

func (a *Authority) fresh(c *tls.Certificate) bool {
	return a.now().Add(renewBefore).Before(c.Leaf.NotAfter)
}

func (a *Authority) sign(name string) (*tls.Certificate, error) {
	now := a.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{name}
	}
	if name == "localhost" {
		// A client that connects to an address and sends no name gets
		// this one: it covers the loopback addresses too.
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &a.leafKey.PublicKey, a.key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	a.issued.Add(1)
	return &tls.Certificate{Certificate: [][]byte{der, a.cert.Raw}, PrivateKey: a.leafKey, Leaf: leaf}, nil
}
