package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"gatehouse/internal/model"
)

// A public HTTP_PROXY integration on the $default route is sent the full
// request path (the stage segment included) after its URI's path, as AWS
// documents for the $default route; on any other route the URI is the
// whole path.
func TestDefaultRouteAppendsThePath(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path+"?"+r.URL.RawQuery)
	}))
	t.Cleanup(backend.Close)
	integs := []model.Integration{{ID: "web", Type: "HTTP_PROXY", ConnectionType: "INTERNET", URI: backend.URL + "/base/", Method: "ANY",
		PayloadFormatVersion: "1.0", TimeoutMillis: 5000}}
	routes := []model.Route{{RouteKey: "$default", Target: "integrations/web", AuthorizationType: "NONE"},
		{RouteKey: "GET /fixed", Target: "integrations/web", AuthorizationType: "NONE"}}
	l := newLambdaAPI(t, integs, routes, nil)
	for target, want := range map[string]string{
		"/a/b?x=1":      "/base/a/b?x=1",
		"/prod/a/b?y=2": "/base/prod/a/b?y=2",
		"/fixed":        "/base/?",
		"/prod/fixed":   "/base/?",
	} {
		if w := l.send("GET", target, "", nil); w.Code != 200 || w.Body.String() != want {
			t.Errorf("GET %s: the backend saw %d %q, want %q", target, w.Code, w.Body, want)
		}
	}
}
