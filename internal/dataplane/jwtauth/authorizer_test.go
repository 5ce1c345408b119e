package jwtauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/dataplane/jwtauth"
	"gatehouse/internal/dataplane/jwtauth/oidctest"
	"gatehouse/internal/model"
)

type env struct {
	iss     *oidctest.Issuer
	clk     *clocktest.Fake
	issuers *jwtauth.Issuers
	auth    *jwtauth.Authorizer
	fetched chan error
}

func setup(t *testing.T) *env {
	iss := oidctest.Start(t)
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := &env{iss: iss, clk: clk, fetched: make(chan error, 16)}
	e.issuers = &jwtauth.Issuers{Clock: clk, Fetched: func(_ string, err error) { e.fetched <- err }}
	e.auth = jwtauth.Compile(&model.Authorizer{ID: "abc123", Type: "JWT", IdentitySource: []string{"$request.header.Authorization"},
		JWT: &model.JWTConfiguration{Issuer: iss.URL, Audience: []string{"client-a", "client-b"}}})
	return e
}

// claims are a valid token's claims at the env's time, changed by mod.
func (e *env) claims(mod map[string]any) map[string]any {
	now := e.clk.Now().Unix()
	c := map[string]any{"iss": e.iss.URL, "aud": "client-a", "sub": "user-1", "iat": now - 10, "nbf": now - 10, "exp": now + 300,
		"scope": "read write", "email": "a@example.com"}
	for k, v := range mod {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func (e *env) check(token string, scopes ...string) (*jwtauth.Claims, *jwtauth.Denial) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if token != "" {
		r.Header.Set("Authorization", token)
	}
	return e.auth.Check(r, scopes, e.issuers)
}

func TestCheck(t *testing.T) {
	e := setup(t)
	now := e.clk.Now().Unix()
	other := oidctest.NewKey(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	valid := e.iss.Sign(t, e.claims(nil))
	cases := []struct {
		name   string
		token  string
		scopes []string
		status int
		desc   string
	}{
		{"valid", valid, nil, 0, ""},
		{"bearer prefix", "Bearer " + valid, nil, 0, ""},
		{"lowercase bearer", "bearer " + valid, nil, 0, ""},
		{"second audience", e.iss.Sign(t, e.claims(map[string]any{"aud": []string{"x", "client-b"}})), nil, 0, ""},
		{"client_id without aud", e.iss.Sign(t, e.claims(map[string]any{"aud": nil, "client_id": "client-b"})), nil, 0, ""},
		{"aud wins over client_id", e.iss.Sign(t, e.claims(map[string]any{"aud": "x", "client_id": "client-a"})), nil, 401, "the token does not have a valid audience"},
		{"one scope of the route", valid, []string{"admin", "write"}, 0, ""},
		{"scp list", e.iss.Sign(t, e.claims(map[string]any{"scope": nil, "scp": []string{"admin"}})), []string{"admin"}, 0, ""},
		{"missing", "", nil, 401, "the token is missing"},
		{"bearer alone", "Bearer ", nil, 401, "the token is missing"},
		{"expired", e.iss.Sign(t, e.claims(map[string]any{"exp": now - 1})), nil, 401, "the token has expired"},
		{"not yet valid", e.iss.Sign(t, e.claims(map[string]any{"nbf": now + 60})), nil, 401, "the token is not valid yet"},
		{"issued in the future", e.iss.Sign(t, e.claims(map[string]any{"iat": now + 60, "nbf": nil})), nil, 401, "the token was issued in the future"},
		{"wrong audience", e.iss.Sign(t, e.claims(map[string]any{"aud": "client-z"})), nil, 401, "the token does not have a valid audience"},
		{"no audience", e.iss.Sign(t, e.claims(map[string]any{"aud": nil})), nil, 401, "the token does not have a valid audience"},
		{"wrong issuer", e.iss.Sign(t, e.claims(map[string]any{"iss": "https://evil.example.com"})), nil, 401, "the token does not have a valid issuer"},
		{"missing scope", valid, []string{"admin"}, 403, "the token does not have any of the route's scopes"},
		{"bad signature", oidctest.SignWith(t, jose.RS256, other, e.iss.KeyID(), e.claims(nil)), nil, 401, "the token's signature is invalid"},
		{"tampered payload", tamper(valid), nil, 401, "the token's signature is invalid"},
		{"HS256", oidctest.SignWith(t, jose.HS256, []byte(strings.Repeat("k", 32)), e.iss.KeyID(), e.claims(nil)), nil, 401, "the token's signing algorithm is not supported"},
		{"ES256", oidctest.SignWith(t, jose.ES256, ec, e.iss.KeyID(), e.claims(nil)), nil, 401, "the token's signing algorithm is not supported"},
		{"malformed", "not.a.token", nil, 401, "the token is malformed"},
		{"two parts", "abc.def", nil, 401, "the token is malformed"},
		{"unknown kid", oidctest.SignWith(t, jose.RS256, other, "nosuch", e.claims(nil)), nil, 401, "the token's signing key was not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			claims, d := e.check(c.token, c.scopes...)
			if c.status == 0 {
				if d != nil {
					t.Fatalf("refused: %d %s", d.Status, d.Reason)
				}
				if v, _ := claims.Claim("sub"); v != "user-1" {
					t.Fatalf("sub = %q", v)
				}
				return
			}
			if d == nil {
				t.Fatal("accepted")
			}
			if d.Status != c.status || d.Reason != c.desc {
				t.Fatalf("got %d %q, want %d %q", d.Status, d.Reason, c.status, c.desc)
			}
			want := ""
			switch {
			case c.status == 403:
				want = `Bearer scope="` + strings.Join(c.scopes, " ") + `" error="insufficient_scope" error_description="` + c.desc + `"`
			case c.desc != "the token is missing":
				want = `Bearer scope="` + strings.Join(c.scopes, " ") + `" error="invalid_token" error_description="` + c.desc + `"`
			}
			if d.Challenge != want {
				t.Fatalf("challenge %q, want %q", d.Challenge, want)
			}
		})
	}
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	// A payload of other claims under the original signature.
	parts[1] = strings.TrimRight(parts[1], "=")
	b := []byte(parts[1])
	b[len(b)/2] ^= 1
	parts[1] = string(b)
	return strings.Join(parts, ".")
}

func TestClaimsRendering(t *testing.T) {
	e := setup(t)
	tok := e.iss.Sign(t, e.claims(map[string]any{"groups": []string{"a", "b"}, "n": 42, "ok": true, "obj": map[string]any{"k": "v"}}))
	claims, d := e.check(tok)
	if d != nil {
		t.Fatal(d.Reason)
	}
	for name, want := range map[string]string{"groups": "[a b]", "n": "42", "ok": "true", "obj": `{"k":"v"}`, "email": "a@example.com"} {
		if got, ok := claims.Claim(name); !ok || got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, ok := claims.Claim("nosuch"); ok {
		t.Error("a claim the token lacks was found")
	}
}

func TestQueryStringSource(t *testing.T) {
	e := setup(t)
	e.auth = jwtauth.Compile(&model.Authorizer{ID: "q", Type: "JWT", IdentitySource: []string{"$request.querystring.token"},
		JWT: &model.JWTConfiguration{Issuer: e.iss.URL, Audience: []string{"client-a"}}})
	r := httptest.NewRequest(http.MethodGet, "/?token="+e.iss.Sign(t, e.claims(nil)), nil)
	if _, d := e.auth.Check(r, nil, e.issuers); d != nil {
		t.Fatal(d.Reason)
	}
}

// TestFetchBounds: keys are fetched once for any number of requests, a
// token naming an unknown key fetches again at most once per
// RefreshInterval, and a rotated key is picked up after it.
func TestFetchBounds(t *testing.T) {
	e := setup(t)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d != nil {
				t.Error(d.Reason)
			}
		}()
	}
	wg.Wait()
	if n := e.iss.KeySets.Load(); n != 1 {
		t.Fatalf("16 cold requests fetched the key set %d times, want 1", n)
	}
	<-e.fetched

	// Rotation: the new key is published and used at once, within the
	// interval of the first fetch: refused, without a fetch.
	e.iss.Rotate(t, true)
	rotated := e.iss.Sign(t, e.claims(nil))
	for range 5 {
		if _, d := e.check(rotated); d == nil || d.Reason != "the token's signing key was not found" {
			t.Fatalf("rotated key within the interval: %+v", d)
		}
	}
	if n := e.iss.KeySets.Load(); n != 1 {
		t.Fatalf("unknown keys within RefreshInterval fetched %d times, want 1", n)
	}
	// Past the interval, the first request naming it fetches once.
	e.clk.Advance(jwtauth.RefreshInterval)
	for range 5 {
		if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d != nil {
			t.Fatalf("rotated key after the interval: %s", d.Reason)
		}
	}
	<-e.fetched
	if n := e.iss.KeySets.Load(); n != 2 {
		t.Fatalf("key set fetched %d times, want 2", n)
	}
	// Garbage kids cannot make it fetch more than once per interval.
	e.clk.Advance(jwtauth.RefreshInterval)
	garbage := oidctest.NewKey(t)
	for i := range 10 {
		e.check(oidctest.SignWith(t, jose.RS256, garbage, "garbage-"+string(rune('a'+i)), e.claims(nil)))
	}
	<-e.fetched
	if n := e.iss.KeySets.Load(); n != 3 {
		t.Fatalf("key set fetched %d times, want 3", n)
	}
}

// TestBackgroundRefresh: keys older than MaxAge still answer, and are
// fetched again off the request path.
func TestBackgroundRefresh(t *testing.T) {
	e := setup(t)
	if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d != nil {
		t.Fatal(d.Reason)
	}
	<-e.fetched
	e.clk.Advance(jwtauth.MaxAge)
	if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d != nil {
		t.Fatal(d.Reason)
	}
	if err := <-e.fetched; err != nil {
		t.Fatal(err)
	}
	if n := e.iss.KeySets.Load(); n != 2 {
		t.Fatalf("key set fetched %d times, want 2", n)
	}
	// The refreshed keys are fresh: no further fetch.
	if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d != nil {
		t.Fatal(d.Reason)
	}
	select {
	case <-e.fetched:
		t.Fatal("fresh keys fetched again")
	default:
	}
}

// TestWarm: a warmed issuer's first request finds the keys held.
func TestWarm(t *testing.T) {
	e := setup(t)
	e.issuers.Warm(e.iss.URL)
	if err := <-e.fetched; err != nil {
		t.Fatal(err)
	}
	e.issuers.Warm(e.iss.URL) // once tried, not again
	if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d != nil {
		t.Fatal(d.Reason)
	}
	if n := e.iss.KeySets.Load(); n != 1 {
		t.Fatalf("key set fetched %d times, want 1", n)
	}
}

// TestUnreachableKeys: a key set that cannot be fetched is a 401, and the
// failure is not retried by every request.
func TestUnreachableKeys(t *testing.T) {
	e := setup(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	uri := dead.URL + "/jwks.json"
	dead.Close()
	e.iss.SetJWKSURI(uri)
	for range 3 {
		_, d := e.check(e.iss.Sign(t, e.claims(nil)))
		if d == nil || d.Status != 401 || d.Reason != "the issuer's signing keys could not be fetched" {
			t.Fatalf("got %+v", d)
		}
	}
	if err := <-e.fetched; err == nil {
		t.Fatal("the fetch reported no failure")
	}
	if n := e.iss.Discoveries.Load(); n != 1 {
		t.Fatalf("discovery fetched %d times, want 1", n)
	}
	// Once the keys are back, the next interval serves.
	e.iss.SetJWKSURI("")
	e.clk.Advance(jwtauth.RefreshInterval)
	if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d != nil {
		t.Fatal(d.Reason)
	}
}

// A key set larger than AWS takes from a jwks_uri fails the fetch, as on
// AWS, and its tokens are refused.
func TestOversizedKeySet(t *testing.T) {
	e := setup(t)
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"keys":[],"padding":"%s"}`, strings.Repeat("x", jwtauth.MaxKeySet))
	}))
	defer big.Close()
	e.iss.SetJWKSURI(big.URL + "/jwks.json")
	if _, d := e.check(e.iss.Sign(t, e.claims(nil))); d == nil || d.Status != 401 || d.Reason != "the issuer's signing keys could not be fetched" {
		t.Fatalf("got %+v", d)
	}
	if err := <-e.fetched; err == nil || !strings.Contains(err.Error(), "larger than 150000 bytes") {
		t.Fatalf("the fetch reported %v", err)
	}
}

// FuzzCheck: no header value makes the check panic, and anything that is
// not a token the issuer signed is refused with a 401.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "Bearer ", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
		"Bearer eyJ.eyJ.sig", strings.Repeat("A", 1000), "e30.e30.e30", "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleS0xIn0.e30.AAAA"} {
		f.Add(s)
	}
	iss := oidctest.Start(f)
	issuers := &jwtauth.Issuers{Clock: clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	auth := jwtauth.Compile(&model.Authorizer{ID: "f", Type: "JWT", IdentitySource: []string{"$request.header.Authorization"},
		JWT: &model.JWTConfiguration{Issuer: iss.URL, Audience: []string{"a"}}})
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{v}
		_, d := auth.Check(r, nil, issuers)
		if d == nil || d.Status != http.StatusUnauthorized {
			t.Fatalf("%q: %+v", v, d)
		}
	})
}
