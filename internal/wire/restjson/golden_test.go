package restjson

import (
	"context"
	"flag"
	"net/http"
	"path/filepath"
	"testing"

	"gatehouse/internal/api"
	"gatehouse/internal/wire/wiretest"
)

var update = flag.Bool("update", false, "rewrite the response half of each golden file from the handler's answer")

// goldenHandler serves the fake table with fixed request metadata, as the
// edge would stamp it.
func goldenHandler() http.Handler {
	h := NewHandler(fakeOps(), nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		meta := api.Meta{RequestID: "req-golden", Account: "123456789012", Region: "eu-west-1"}
		h.ServeHTTP(w, r.WithContext(api.WithMeta(context.Background(), meta)))
	})
}

// TestGolden checks the handler against testdata/golden (format in
// wiretest); go test -update rewrites the expected answers.
func TestGolden(t *testing.T) {
	wiretest.Golden(t, filepath.Join("testdata", "golden"), goldenHandler(), *update)
}
