package jwtauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"gatehouse/internal/model"
)

// Algorithms are the signing algorithms a token may use: AWS's JWT
// authorizers take RSA-based ones only.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512}

// Authorizer is a compiled JWT authorizer.
type Authorizer struct {
	ID        string
	IssuerURL string
	Audience  []string
	// header or query names where the token is read.
	header, query string
	// issuer is bound on first use, from the Issuers the request path
	// holds: compiling stays free of the key cache, and each request
	// after the first reads it with one atomic load.
	issuer atomic.Pointer[Issuer]
}

// Compile compiles a JWT authorizer; anything else (a Lambda authorizer)
// compiles to nil.
func Compile(a *model.Authorizer) *Authorizer {
	if a.Type != "JWT" || a.JWT == nil || len(a.IdentitySource) != 1 {
		return nil
	}
	out := &Authorizer{ID: a.ID, IssuerURL: a.JWT.Issuer, Audience: a.JWT.Audience}
	src := a.IdentitySource[0]
	if name, ok := strings.CutPrefix(src, "$request.header."); ok {
		out.header = http.CanonicalHeaderKey(name)
	} else if name, ok := strings.CutPrefix(src, "$request.querystring."); ok {
		out.query = name
	}
	return out
}

// Denial is why a request was refused: its status (401 or 403) and the
// www-authenticate value that explains it ("" sends none).
type Denial struct {
	Status    int
	Challenge string
	// Reason is the error description, for the access log's
	// $context.authorizer.error.
	Reason string
}

// Message is the body's message for the denial's status.
func (d *Denial) Message() string {
	if d.Status == http.StatusForbidden {
		return "Forbidden"
	}
	return "Unauthorized"
}

// Claims are a valid token's claims, as the integration sees them through
// $context.authorizer.claims.NAME.
type Claims struct {
	raw map[string]any
}

// Claim renders claim name as AWS hands claims on: strings as they are,
// numbers and booleans as text, a list as "[a b]", an object as JSON; ok
// is false when the token has no such claim.
func (c *Claims) Claim(name string) (string, bool) {
	if c == nil {
		return "", false
	}
	v, ok := c.raw[name]
	if !ok {
		return "", false
	}
	return render(v), true
}

func render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = render(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// token is what Check reads from a token's payload besides the registered
// claims go-jose checks.
type token struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Scp      any    `json:"scp"`
}

// The error descriptions of the www-authenticate challenge. AWS's own
// wording is known for the audience only; the rest follow its form.
const (
	descMissing   = "the token is missing"
	descMalformed = "the token is malformed"
	descAlgorithm = "the token's signing algorithm is not supported"
	descKey       = "the token's signing key was not found"
	descKeys      = "the issuer's signing keys could not be fetched"
	descSignature = "the token's signature is invalid"
	descIssuer    = "the token does not have a valid issuer"
	descAudience  = "the token does not have a valid audience"
	descExpired   = "the token has expired"
	descNotYet    = "the token is not valid yet"
	descIssuedAt  = "the token was issued in the future"
	descScope     = "the token does not have any of the route's scopes"
)

// Check authorizes r for a route requiring one of scopes (none: any valid
// token), as AWS's JWT authorizer does: the token from the identity source
// (with or without "Bearer "), its algorithm and signature by the issuer's
// key its kid names, then iss, aud (or client_id when there is no aud),
// exp, nbf and iat against the clock, then the scopes. It returns the
// token's claims, or why the request is refused.
func (a *Authorizer) Check(r *http.Request, scopes []string, issuers *Issuers) (*Claims, *Denial) {
	raw := a.read(r)
	if raw == "" {
		return nil, &Denial{Status: http.StatusUnauthorized, Reason: descMissing}
	}
	deny := func(desc string) (*Claims, *Denial) {
		return nil, &Denial{Status: http.StatusUnauthorized, Reason: desc, Challenge: challenge(scopes, "invalid_token", desc)}
	}
	tok, err := jwt.ParseSigned(raw, Algorithms)
	if err != nil {
		var alg *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &alg) {
			return deny(descAlgorithm)
		}
		return deny(descMalformed)
	}
	if len(tok.Headers) != 1 {
		return deny(descMalformed)
	}
	iss := a.issuer.Load()
	if iss == nil {
		iss = issuers.Issuer(a.IssuerURL)
		a.issuer.Store(iss)
	}
	key, err := iss.key(tok.Headers[0].KeyID)
	if err != nil {
		if errors.Is(err, errNoKey) {
			return deny(descKey)
		}
		return deny(descKeys)
	}
	var t token
	claims := &Claims{}
	if err := tok.Claims(key, &t, &claims.raw); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return deny(descSignature)
		}
		return deny(descMalformed)
	}
	if t.Issuer != a.IssuerURL {
		return deny(descIssuer)
	}
	if !a.audienceOK(&t) {
		return deny(descAudience)
	}
	if err := t.Claims.ValidateWithLeeway(jwt.Expected{Time: issuers.Clock.Now()}, 0); err != nil {
		switch {
		case errors.Is(err, jwt.ErrExpired):
			return deny(descExpired)
		case errors.Is(err, jwt.ErrNotValidYet):
			return deny(descNotYet)
		}
		return deny(descIssuedAt)
	}
	if len(scopes) > 0 && !hasScope(&t, scopes) {
		return nil, &Denial{Status: http.StatusForbidden, Reason: descScope, Challenge: challenge(scopes, "insufficient_scope", descScope)}
	}
	return claims, nil
}

// read is the token in the identity source, without a "Bearer " prefix.
func (a *Authorizer) read(r *http.Request) string {
	var v string
	if a.header != "" {
		if vs := r.Header[a.header]; len(vs) > 0 {
			v = vs[0]
		}
	} else if a.query != "" {
		v = r.URL.Query().Get(a.query)
	}
	v = strings.TrimSpace(v)
	if len(v) >= 6 && strings.EqualFold(v[:6], "bearer") && (len(v) == 6 || v[6] == ' ') {
		v = strings.TrimSpace(v[6:])
	}
	return v
}

// audienceOK: aud must name one of the audiences; a token without aud is
// judged by client_id instead, as Cognito's access tokens carry one.
func (a *Authorizer) audienceOK(t *token) bool {
	if len(t.Audience) > 0 {
		for _, aud := range t.Audience {
			if slices.Contains(a.Audience, aud) {
				return true
			}
		}
		return false
	}
	return t.ClientID != "" && slices.Contains(a.Audience, t.ClientID)
}

// hasScope: the token's scope (space-separated) or scp (a list, or a
// space-separated string) holds one of scopes.
func hasScope(t *token, scopes []string) bool {
	var held []string
	held = append(held, strings.Fields(t.Scope)...)
	switch scp := t.Scp.(type) {
	case string:
		held = append(held, strings.Fields(scp)...)
	case []any:
		for _, s := range scp {
			if s, ok := s.(string); ok {
				held = append(held, s)
			}
		}
	}
	for _, s := range scopes {
		if slices.Contains(held, s) {
			return true
		}
	}
	return false
}

// challenge is the www-authenticate value, in AWS's form:
// Bearer scope="a b" error="invalid_token" error_description="...".
func challenge(scopes []string, code, desc string) string {
	return `Bearer scope="` + strings.Join(scopes, " ") + `" error="` + code + `" error_description="` + desc + `"`
}

// Each calls f with each claim, by name in order, rendered as Claim
// renders it: the claims an integration's event carries.
func (c *Claims) Each(f func(name, value string)) {
	if c == nil {
		return
	}
	names := make([]string, 0, len(c.raw))
	for k := range c.raw {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		f(k, render(c.raw[k]))
	}
}

// Scopes are the token's scopes (its scope claim, or scp), nil when it
// names none.
func (c *Claims) Scopes() []string {
	if c == nil {
		return nil
	}
	switch v := c.raw["scope"].(type) {
	case string:
		return strings.Fields(v)
	}
	switch v := c.raw["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, s := range v {
			if s, ok := s.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
