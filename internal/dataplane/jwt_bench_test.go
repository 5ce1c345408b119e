package dataplane_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/dataplane/jwtauth/oidctest"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
	"gatehouse/internal/store"
)

// BenchmarkJWTRoute compares one HTTP API request to a public loopback
// backend on a route without an authorizer ("plain", the cost every route
// paid before JWT authorizers existed) and on a JWT route with a warm key
// cache ("jwt": the token parsed, its RS256 signature verified, its
// claims checked).
func BenchmarkJWTRoute(b *testing.B) {
	srv := servertest.Start(b)
	iss := oidctest.Start(b)
	backend := echoServer(b, "app")
	_, err := srv.Store().Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		integ := model.Integration{APIID: "api0000001", ID: "int0001", Type: "HTTP_PROXY", ConnectionType: "INTERNET",
			URI: backend.URL + "/", Method: "ANY", PayloadFormatVersion: "1.0", TimeoutMillis: 30000}
		dep := &model.Deployment{APIID: "api0000001", ID: "dep001", Integrations: []model.Integration{integ}, Routes: []model.Route{
			{APIID: "api0000001", ID: "rt00001", RouteKey: "GET /plain", Target: "integrations/int0001", AuthorizationType: "NONE"},
			{APIID: "api0000001", ID: "rt00002", RouteKey: "GET /jwt", Target: "integrations/int0001", AuthorizationType: "JWT",
				AuthorizerID: "auth01", AuthorizationScopes: []string{"read"}},
		}}
		for _, rec := range []model.Record{&model.HTTPAPI{ID: "api0000001", Name: "bench", ProtocolType: "HTTP"}, dep,
			&model.Authorizer{APIID: "api0000001", ID: "auth01", Name: "oidc", Type: "JWT", IdentitySource: []string{"$request.header.Authorization"},
				JWT: &model.JWTConfiguration{Issuer: iss.URL, Audience: []string{"client"}}},
			&model.Stage{APIID: "api0000001", Name: "$default", DeploymentID: "dep001"}} {
			if err := model.Put(mt, rec); err != nil {
				return err
			}
		}
		return nil
	})
	must(b, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	now := srv.Clock.Now().Unix()
	token := iss.Sign(b, map[string]any{"iss": iss.URL, "aud": "client", "sub": "u", "iat": now, "exp": now + 3600, "scope": "read"})
	h := srv.Handler()
	for _, c := range []struct{ name, path, auth string }{{"plain", "/plain", ""}, {"jwt", "/jwt", "Bearer " + token}} {
		req := httptest.NewRequest("GET", "http://api0000001.execute-api.localhost"+c.path, nil)
		req.Host = "api0000001.execute-api.localhost"
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		// The first request fetches the keys: the loop measures a warm
		// cache.
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: status %d: %s", c.name, rec.Code, rec.Body)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
