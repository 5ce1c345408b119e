package dataplane_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/model"
)

// BenchmarkPrivateIntegrationALB measures one HTTP API request through a VPC
// link, an ALB and a real loopback backend, in process (no client socket):
// route matching, mapping, the hop checks, target choice and the proxied
// call. Run with -benchmem; compare with the shared harness for whole-system
// numbers.
func BenchmarkPrivateIntegrationALB(b *testing.B) {
	p := newPrivateALB(b)
	p.api(b, model.LinkAvailable, 30000, nil)
	bench(b, p, "api0000001.execute-api.localhost", "/pets/7")
}

// BenchmarkRestPrivateIntegrationNLB measures one REST API request through a
// v1 VPC link, the NLB and a real loopback backend.
func BenchmarkRestPrivateIntegrationNLB(b *testing.B) {
	p := newPrivateALB(b)
	nlb, _, _ := p.restNLB(b)
	link := &model.VpcLinkV1{ID: "v1link", Name: "nlb", TargetARNs: []string{nlb}, Status: model.LinkAvailable}
	p.restAPI(b, &model.RestIntegration{Type: "HTTP_PROXY", HTTPMethod: "ANY", ConnectionType: "VPC_LINK", ConnectionID: "v1link",
		URI: "http://rest-nlb.internal/{proxy}", TimeoutMillis: 29000}, map[string]map[string]string{"prod": nil}, link)
	bench(b, p, "rest000001.execute-api.localhost", "/prod/pets/7")
}

func bench(b *testing.B, p *privateALB, host, path string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.srv.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	h := p.srv.Handler()
	req := httptest.NewRequest("GET", "http://"+host+path, nil)
	req.Host = host
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
