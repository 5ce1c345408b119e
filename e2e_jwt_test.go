package gatehouse_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/go-jose/go-jose/v4"

	"gatehouse/internal/dataplane/jwtauth"
	"gatehouse/internal/dataplane/jwtauth/oidctest"
	"gatehouse/internal/servertest"
)

// jwtLogs hands the test the access log lines and the warnings the server
// logs.
type jwtLogs struct {
	lines    chan string
	warnings chan string
}

func (l jwtLogs) Enabled(context.Context, slog.Level) bool { return true }
func (l jwtLogs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l jwtLogs) WithGroup(string) slog.Handler            { return l }
func (l jwtLogs) Handle(_ context.Context, r slog.Record) error {
	switch {
	case r.Message == "access log":
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "line" {
				l.lines <- a.Value.String()
			}
			return true
		})
	case r.Level >= slog.LevelWarn:
		select {
		case l.warnings <- r.Message:
		default:
		}
	}
	return nil
}

// TestHTTPAPIJWTAuthorizer drives a JWT authorizer end to end: the SDK
// creates it and the routes that use it, a real loopback OpenID issuer
// publishes its keys, and each kind of token gets AWS's answer; refused
// requests never reach the backend, and accepted ones carry the token's
// claims to it through parameter mapping and into the access log.
func TestHTTPAPIJWTAuthorizer(t *testing.T) {
	logs := jwtLogs{lines: make(chan string, 64), warnings: make(chan string, 16)}
	srv := servertest.Start(t, servertest.Log(slog.New(logs)))
	gw := srv.APIGatewayV2()
	iss := oidctest.Start(t)
	var hits atomic.Int64
	var lastUser atomic.Value
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		lastUser.Store(r.Header.Get("X-User") + "|" + r.Header.Get("X-Groups") + "|" + r.Header.Get("Authorization"))
		io.WriteString(w, "hello")
	}))
	t.Cleanup(backend.Close)

	api, err := gw.CreateApi(restCtx, &apigatewayv2.CreateApiInput{Name: aws.String("jwt"), ProtocolType: v2types.ProtocolTypeHttp})
	restMust(t, err)
	authz, err := gw.CreateAuthorizer(restCtx, &apigatewayv2.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("oidc"),
		AuthorizerType: v2types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &v2types.JWTConfiguration{Issuer: aws.String(iss.URL), Audience: []string{"my-client"}}})
	restMust(t, err)
	integ, err := gw.CreateIntegration(restCtx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId,
		IntegrationType: v2types.IntegrationTypeHttpProxy, IntegrationUri: aws.String(backend.URL + "/"),
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
		RequestParameters: map[string]string{
			"overwrite:header.X-User":   "$context.authorizer.claims.email",
			"overwrite:header.X-Groups": "${context.authorizer.claims.groups}",
		}})
	restMust(t, err)
	target := aws.String("integrations/" + aws.ToString(integ.IntegrationId))
	for key, scopes := range map[string][]string{"GET /admin": {"admin", "root"}, "GET /me": nil} {
		_, err = gw.CreateRoute(restCtx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String(key), Target: target,
			AuthorizationType: v2types.AuthorizationTypeJwt, AuthorizerId: authz.AuthorizerId, AuthorizationScopes: scopes})
		restMust(t, err)
	}
	_, err = gw.CreateRoute(restCtx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /open"), Target: target})
	restMust(t, err)
	_, err = gw.CreateStage(restCtx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &v2types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:jwt"),
			Format: aws.String("$context.requestId $context.status $context.authorizer.claims.sub $context.authorizer.error")}})
	restMust(t, err)
	id := aws.ToString(api.ApiId)
	// The keys are fetched once the API is compiled, before any request.
	iss.WaitKeySet(t)

	client := accessLogClient(t)
	call := func(path, token string) (int, string, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
		req.Host = id + ".execute-api.localhost"
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Www-Authenticate")
	}
	nextLine := func() string {
		t.Helper()
		select {
		case l := <-logs.lines:
			return l
		case <-time.After(5 * time.Second):
			t.Fatal("no access log line")
			return ""
		}
	}
	now := srv.Clock.Now().Unix()
	claims := func(mod map[string]any) map[string]any {
		c := map[string]any{"iss": iss.URL, "aud": "my-client", "sub": "user-7", "email": "u7@example.com",
			"groups": []string{"dev", "ops"}, "iat": now - 5, "exp": now + 600, "scope": "openid admin"}
		for k, v := range mod {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	valid := iss.Sign(t, claims(nil))

	// A valid token reaches the backend with its claims mapped in, and
	// the Authorization header as sent.
	status, body, challenge := call("/me", "Bearer "+valid)
	if status != 200 || body != "hello" || challenge != "" {
		t.Fatalf("valid: %d %q %q", status, body, challenge)
	}
	if got := lastUser.Load(); got != "u7@example.com|[dev ops]|Bearer "+valid {
		t.Fatalf("backend saw %q", got)
	}
	if n := iss.KeySets.Load(); n != 1 {
		t.Fatalf("key set fetched %d times by the first request, want the one fetch made at compile", n)
	}
	if l := nextLine(); !strings.HasSuffix(l, " 200 user-7 -") {
		t.Fatalf("access log %q", l)
	}
	if status, _, _ = call("/admin", valid); status != 200 {
		t.Fatalf("token without Bearer, one of the route's scopes: %d", status)
	}
	nextLine()

	other := oidctest.NewKey(t)
	unauthorized := func(desc string) string {
		return `Bearer scope="" error="invalid_token" error_description="` + desc + `"`
	}
	refusals := []struct {
		name, path, token       string
		status                  int
		body, challenge, logged string
	}{
		{"expired", "/me", iss.Sign(t, claims(map[string]any{"exp": now - 1})), 401, `{"message":"Unauthorized"}`,
			unauthorized("the token has expired"), "the token has expired"},
		{"not yet valid", "/me", iss.Sign(t, claims(map[string]any{"nbf": now + 120})), 401, `{"message":"Unauthorized"}`,
			unauthorized("the token is not valid yet"), "the token is not valid yet"},
		{"wrong audience", "/me", iss.Sign(t, claims(map[string]any{"aud": "someone-else"})), 401, `{"message":"Unauthorized"}`,
			unauthorized("the token does not have a valid audience"), "the token does not have a valid audience"},
		{"wrong issuer", "/me", iss.Sign(t, claims(map[string]any{"iss": "https://other.example.com"})), 401, `{"message":"Unauthorized"}`,
			unauthorized("the token does not have a valid issuer"), "the token does not have a valid issuer"},
		{"bad signature", "/me", oidctest.SignWith(t, jose.RS256, other, iss.KeyID(), claims(nil)), 401, `{"message":"Unauthorized"}`,
			unauthorized("the token's signature is invalid"), "the token's signature is invalid"},
		{"wrong algorithm", "/me", oidctest.SignWith(t, jose.HS256, []byte(strings.Repeat("s", 32)), iss.KeyID(), claims(nil)), 401,
			`{"message":"Unauthorized"}`, unauthorized("the token's signing algorithm is not supported"), "the token's signing algorithm is not supported"},
		{"malformed", "/me", "Bearer abc.def", 401, `{"message":"Unauthorized"}`,
			unauthorized("the token is malformed"), "the token is malformed"},
		{"missing header", "/me", "", 401, `{"message":"Unauthorized"}`, "", "the token is missing"},
		{"missing scope", "/admin", iss.Sign(t, claims(map[string]any{"scope": "openid"})), 403, `{"message":"Forbidden"}`,
			`Bearer scope="admin root" error="insufficient_scope" error_description="the token does not have any of the route's scopes"`,
			"the token does not have any of the route's scopes"},
	}
	before := hits.Load()
	for _, c := range refusals {
		status, body, challenge := call(c.path, c.token)
		if status != c.status || body != c.body || challenge != c.challenge {
			t.Errorf("%s: got %d %s %q, want %d %s %q", c.name, status, body, challenge, c.status, c.body, c.challenge)
		}
		if l := nextLine(); !strings.HasSuffix(l, " - "+c.logged) {
			t.Errorf("%s: access log %q", c.name, l)
		}
	}
	if hits.Load() != before {
		t.Fatalf("refused requests reached the backend: %d", hits.Load()-before)
	}
	// A route without an authorizer takes no token.
	if status, _, _ := call("/open", ""); status != 200 {
		t.Fatalf("open route: %d", status)
	}
	nextLine()

	// Key rotation: tokens signed by a new key are refused until the
	// refresh interval since the last fetch has passed, then served; the
	// old key, still published, keeps working.
	fetches := iss.KeySets.Load()
	iss.Rotate(t, true)
	rotated := iss.Sign(t, claims(nil))
	if status, _, challenge := call("/me", rotated); status != 401 || !strings.Contains(challenge, "signing key was not found") {
		t.Fatalf("rotated key within the interval: %d %q", status, challenge)
	}
	nextLine()
	srv.Clock.Advance(jwtauth.RefreshInterval)
	if status, _, _ := call("/me", rotated); status != 200 {
		t.Fatalf("rotated key after the interval: %d", status)
	}
	nextLine()
	if status, _, _ := call("/me", valid); status != 200 {
		t.Fatalf("old key after the rotation: %d", status)
	}
	nextLine()
	if n := iss.KeySets.Load() - fetches; n != 1 {
		t.Fatalf("the rotation fetched the keys %d times, want 1", n)
	}
}

// TestHTTPAPIJWTUnreachableKeys: an issuer whose key set cannot be fetched
// makes its routes answer 401, the failure is logged, and the backend is
// never called.
func TestHTTPAPIJWTUnreachableKeys(t *testing.T) {
	logs := jwtLogs{lines: make(chan string, 16), warnings: make(chan string, 16)}
	srv := servertest.Start(t, servertest.Log(slog.New(logs)))
	gw := srv.APIGatewayV2()
	iss := oidctest.Start(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	iss.SetJWKSURI(dead.URL + "/keys")
	dead.Close()
	var hits atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(backend.Close)

	api, err := gw.CreateApi(restCtx, &apigatewayv2.CreateApiInput{Name: aws.String("jwt"), ProtocolType: v2types.ProtocolTypeHttp})
	restMust(t, err)
	authz, err := gw.CreateAuthorizer(restCtx, &apigatewayv2.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("oidc"),
		AuthorizerType: v2types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &v2types.JWTConfiguration{Issuer: aws.String(iss.URL), Audience: []string{"c"}}})
	restMust(t, err)
	integ, err := gw.CreateIntegration(restCtx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId,
		IntegrationType: v2types.IntegrationTypeHttpProxy, IntegrationUri: aws.String(backend.URL),
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	restMust(t, err)
	_, err = gw.CreateRoute(restCtx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("$default"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId)), AuthorizationType: v2types.AuthorizationTypeJwt,
		AuthorizerId: authz.AuthorizerId})
	restMust(t, err)
	_, err = gw.CreateStage(restCtx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	restMust(t, err)

	now := srv.Clock.Now().Unix()
	tok := iss.Sign(t, map[string]any{"iss": iss.URL, "aud": "c", "sub": "x", "exp": now + 60})
	req, _ := http.NewRequest("GET", srv.URL()+"/anything", nil)
	req.Host = aws.ToString(api.ApiId) + ".execute-api.localhost"
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(b) != `{"message":"Unauthorized"}` ||
		resp.Header.Get("Www-Authenticate") != `Bearer scope="" error="invalid_token" error_description="the issuer's signing keys could not be fetched"` {
		t.Fatalf("got %d %s %q", resp.StatusCode, b, resp.Header.Get("Www-Authenticate"))
	}
	select {
	case msg := <-logs.warnings:
		if !strings.Contains(msg, "fetching the issuer's keys failed") {
			t.Fatalf("logged %q", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the failed fetch was not logged")
	}
	if hits.Load() != 0 {
		t.Fatal("the backend was called")
	}
}
