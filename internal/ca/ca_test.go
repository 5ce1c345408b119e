package ca

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// An authority is made once in its directory and is the same one at the
// next start; its leaves verify for their names against it alone.
func TestOpenKeepsTheAuthority(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(a.CertPEM()) != string(b.CertPEM()) || b.Path() != filepath.Join(dir, CertFile) {
		t.Fatal("a second Open made another authority")
	}
	leaf, err := b.Certificate("api.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(), DNSName: "api.example.com"}); err != nil {
		t.Errorf("leaf does not verify against the authority: %v", err)
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(), DNSName: "other.example.com"}); err == nil {
		t.Error("leaf verifies for a name it was not issued for")
	}
	other, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: other.Pool(), DNSName: "api.example.com"}); err == nil {
		t.Error("leaf verifies against another authority")
	}

	// Half an authority is refused, not replaced.
	os.Remove(filepath.Join(dir, KeyFile))
	if _, err := Open(dir); err == nil {
		t.Error("Open accepted a certificate without its key")
	}
}

// A name is signed once, then served from the cache until it nears its end.
func TestCertificateIsCached(t *testing.T) {
	a, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	path := a.Path()
	for range 3 {
		if _, err := a.Certificate("*.execute-api.localhost"); err != nil {
			t.Fatal(err)
		}
	}
	if got := a.Issued(); got != 1 {
		t.Errorf("issued %d certificates for one name, want 1", got)
	}
	wild, _ := a.Certificate("*.execute-api.localhost")
	if _, err := wild.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(), DNSName: "abc123.execute-api.localhost"}); err != nil {
		t.Errorf("wildcard: %v", err)
	}
	local, _ := a.Certificate("localhost")
	if _, err := local.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(), DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("localhost's certificate does not cover 127.0.0.1: %v", err)
	}
	// Near its end, a leaf is signed again.
	a.now = func() time.Time { return time.Now().Add(leafLifetime - time.Hour) }
	if _, err := a.Certificate("localhost"); err != nil || a.Issued() != 3 {
		t.Errorf("renewal: issued %d, %v", a.Issued(), err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the ephemeral certificate file outlives Close: %v", err)
	}
}

// BenchmarkCertificateCached is what a handshake for a name seen before
// costs the authority: a map lookup, no signing.
func BenchmarkCertificateCached(b *testing.B) {
	a, err := Ephemeral()
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	a.Certificate("api.example.com")
	b.ReportAllocs()
	for b.Loop() {
		a.Certificate("api.example.com")
	}
	if a.Issued() != 1 {
		b.Fatalf("issued %d", a.Issued())
	}
}

// BenchmarkCertificateIssue is the cost of the first handshake for a name.
func BenchmarkCertificateIssue(b *testing.B) {
	a, err := Ephemeral()
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	b.ReportAllocs()
	for b.Loop() {
		a.sign("api.example.com")
	}
}

// Names a client invents under .localhost are held apart from the cap on
// every other name, one of them dropped past their own bound, so
// custom domain names created after a flood of them still get
// certificates.
func TestInventedNamesDoNotStarveDomains(t *testing.T) {
	a, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.cached.Store(maxCached - 1) // one place left for a real name
	for i := range maxInvented + 10 {
		if _, err := a.Certificate(fmt.Sprintf("n%d.localhost", i)); err != nil {
			t.Fatalf("invented name %d: %v", i, err)
		}
	}
	held := 0
	a.leaves.Range(func(k, _ any) bool {
		if invented(k.(string)) {
			held++
		}
		return true
	})
	if held != maxInvented || a.invented != maxInvented {
		t.Errorf("holding %d invented names (counted %d), want %d", held, a.invented, maxInvented)
	}
	if _, err := a.Certificate("api.example.com"); err != nil {
		t.Fatalf("a custom domain after a flood of invented names: %v", err)
	}
	if _, err := a.Certificate("other.example.com"); err == nil {
		t.Error("past maxCached, a name that is not invented was still signed")
	}
	if _, err := a.Certificate("*.execute-api.localhost"); err == nil {
		t.Error("a wildcard under .localhost is not invented: it counts against maxCached")
	}
}
