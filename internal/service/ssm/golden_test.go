package ssm_test

import (
	"context"
	"flag"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/service/ssm"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/wire/awsjson"
	"gatehouse/internal/wire/wiretest"
)

var update = flag.Bool("update", false, "rewrite the response half of each golden file from the handler's answer")

const goldenAccount, goldenRegion = "123456789012", "us-east-1"

// goldenHandler serves the Parameter Store over a store holding two
// parameters with fixed dates, with fixed request metadata, as the edge
// would stamp it.
func goldenHandler(t *testing.T) http.Handler {
	st := mem.New()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := model.Update(st, goldenAccount, goldenRegion, func(tx model.Tx) error {
		for _, p := range []*model.Parameter{
			{Name: "/cdk-bootstrap/hnb659fds/version", Type: "String", Value: "33", Version: 1, DataType: "text", Tier: "Standard",
				LastModifiedUser: "arn:aws:iam::123456789012:root", LastModifiedDate: at},
			{Name: "/app/hosts", Type: "StringList", Value: "a,b", Version: 3, DataType: "text", Tier: "Standard",
				Description: "the hosts", LastModifiedUser: "arn:aws:iam::123456789012:root", LastModifiedDate: at.Add(1500 * time.Millisecond)},
		} {
			if err := model.Put(tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h := awsjson.NewHandler(ssm.TargetPrefix, ssm.New(st, clocktest.New(at)).Ops(), nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		meta := api.Meta{RequestID: "req-golden", Account: goldenAccount, Region: goldenRegion}
		h.ServeHTTP(w, r.WithContext(api.WithMeta(context.Background(), meta)))
	})
}

// TestGolden checks the Parameter Store's answers as awsJson 1.1 encodes
// them against testdata/golden (format in wiretest). go test -update
// rewrites the expected answers.
func TestGolden(t *testing.T) {
	wiretest.Golden(t, filepath.Join("testdata", "golden"), goldenHandler(t), *update)
}
