// Package oidctest is an OpenID Connect issuer for tests: a loopback HTTP
// server publishing a discovery document and a key set, whose keys can be
// rotated, and which signs tokens with them. It counts the fetches it
// answers, so tests can hold the key cache to its fetch bounds.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is a running test issuer.
type Issuer struct {
	URL string
	// Discoveries and KeySets count the documents served.
	Discoveries, KeySets atomic.Int64

	srv *httptest.Server
	mu  sync.Mutex
	// keys are published; signing is the one tokens are signed with.
	keys    []jose.JSONWebKey
	signing *jose.JSONWebKey
	n       int
	// jwksURI overrides the discovery document's jwks_uri.
	jwksURI string
	// served has a value for each key set served.
	served chan struct{}
}

// Start runs an issuer with one RSA key, stopped when t ends.
func Start(t testing.TB) *Issuer {
	iss := &Issuer{served: make(chan struct{}, 1024)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		iss.Discoveries.Add(1)
		iss.mu.Lock()
		uri := iss.jwksURI
		iss.mu.Unlock()
		if uri == "" {
			uri = iss.URL + "/.well-known/jwks.json"
		}
		writeJSON(w, map[string]any{"issuer": iss.URL, "jwks_uri": uri})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		iss.KeySets.Add(1)
		iss.mu.Lock()
		set := jose.JSONWebKeySet{}
		for _, k := range iss.keys {
			set.Keys = append(set.Keys, k.Public())
		}
		iss.mu.Unlock()
		writeJSON(w, set)
		select {
		case iss.served <- struct{}{}:
		default:
		}
	})
	iss.srv = httptest.NewServer(mux)
	iss.URL = iss.srv.URL
	t.Cleanup(iss.srv.Close)
	iss.Rotate(t, false)
	return iss
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// Rotate makes a new key the signing key; keepOld keeps the old ones
// published.
func (iss *Issuer) Rotate(t testing.TB, keepOld bool) string {
	key := NewKey(t)
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.n++
	k := jose.JSONWebKey{Key: key, KeyID: "key-" + string(rune('0'+iss.n)), Algorithm: string(jose.RS256), Use: "sig"}
	if !keepOld {
		iss.keys = nil
	}
	iss.keys = append(iss.keys, k)
	iss.signing = &iss.keys[len(iss.keys)-1]
	return k.KeyID
}

// WaitKeySet waits until the issuer has served its key set once more
// than the last call saw, failing t after five seconds.
func (iss *Issuer) WaitKeySet(t testing.TB) {
	t.Helper()
	select {
	case <-iss.served:
	case <-time.After(5 * time.Second):
		t.Fatal("the issuer's key set was not fetched within 5s")
	}
}

// SetJWKSURI makes the discovery document name uri as the key set.
func (iss *Issuer) SetJWKSURI(uri string) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.jwksURI = uri
}

// NewKey is a fresh RSA key.
func NewKey(t testing.TB) *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// Sign signs claims with the issuer's signing key (RS256, its kid).
func (iss *Issuer) Sign(t testing.TB, claims map[string]any) string {
	iss.mu.Lock()
	k := *iss.signing
	iss.mu.Unlock()
	return SignWith(t, jose.RS256, k.Key, k.KeyID, claims)
}

// SignWith signs claims with any key and algorithm, naming kid.
func SignWith(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// KeyID is the signing key's kid.
func (iss *Issuer) KeyID() string {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.signing.KeyID
}
