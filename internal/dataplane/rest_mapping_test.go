package dataplane_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/model"
)

// TestRestNonProxyMapping: an HTTP (non-proxy) integration maps method
// request values into the integration request, and picks the integration
// response by selection pattern against the backend's status, mapping its
// headers into the method response.
func TestRestNonProxyMapping(t *testing.T) {
	p := newPrivateALB(t)
	status := http.StatusOK
	backend := echoWithStatus(t, &status)
	integ := &model.RestIntegration{Type: "HTTP", HTTPMethod: "POST", ConnectionType: "INTERNET",
		URI: "http://127.0.0.1:" + backend + "/items/{id}", TimeoutMillis: 29000,
		RequestParameters: map[string]string{
			"integration.request.path.id":          "method.request.path.proxy",
			"integration.request.header.x-tenant":  "method.request.header.tenant",
			"integration.request.querystring.from": "'gateway'",
			"integration.request.header.x-stage":   "context.stage",
		},
		IntegrationResponses: map[string]*model.RestIntegrationResponse{
			"200": {StatusCode: "200", ResponseParameters: map[string]string{"method.response.header.x-backend": "integration.response.header.x-served-by",
				"method.response.header.x-fixed": "'yes'"}},
			"404": {StatusCode: "404", SelectionPattern: "4\\d\\d", ResponseTemplates: map[string]string{"application/json": `{"error":"not here"}`}},
		}}
	p.restAPI(t, integ, map[string]map[string]string{"prod": nil})

	req, _ := http.NewRequest("GET", p.srv.URL()+"/restapis/rest000001/prod/_user_request_/42", nil)
	req.Header.Set("tenant", "acme")
	code, body, h := do(t, p, req)
	if code != 200 || h.Get("X-Backend") != "echo" || h.Get("X-Fixed") != "yes" {
		t.Fatalf("default response: %d %q %v", code, body, h)
	}
	for _, want := range []string{"POST /items/42?from=gateway", "x-tenant=acme", "x-stage=prod", "ua=AmazonAPIGateway_rest000001"} {
		if !strings.Contains(body, want) {
			t.Errorf("backend saw %q, want %q in it", body, want)
		}
	}
	status = http.StatusTeapot
	code, body, _ = do(t, p, req)
	if code != 404 || body != `{"error":"not here"}` {
		t.Fatalf("4xx selection pattern: %d %q", code, body)
	}
}

func do(t *testing.T, p *privateALB, req *http.Request) (int, string, http.Header) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	must(t, p.srv.Sync(sctx)) // the data plane serves every write made so far
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// echoWithStatus answers with a line describing the request and the status
// *status holds at the time.
func echoWithStatus(t *testing.T, status *int) string {
	s := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-served-by", "echo")
		w.WriteHeader(*status)
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" x-tenant="+r.Header.Get("x-tenant")+" x-stage="+r.Header.Get("x-stage")+" ua="+r.Header.Get("User-Agent"))
	}))
	_, port, _ := strings.Cut(s, "127.0.0.1:")
	return port
}
