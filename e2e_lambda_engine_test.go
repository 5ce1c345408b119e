package gatehouse_test

import (
	"testing"
	"time"

	"gatehouse"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

// A function the Lambda service leaves Pending is Active once
// FunctionDelay has passed on the server's clock, and not before.
func TestFunctionGoesActiveAfterFunctionDelay(t *testing.T) {
	srv := servertest.Start(t)
	state := func() string {
		var fn *model.Function
		if err := model.View(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
			var err error
			fn, _, err = model.Get[model.Function](tx, "hello")
			return err
		}); err != nil || fn == nil {
			t.Fatalf("reading the function: %v", err)
		}
		return fn.Config.State + "/" + fn.Config.LastUpdateStatus
	}
	if err := model.Update(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		return model.Put(tx, &model.Function{Name: "hello", Config: model.FunctionConfig{Version: "$LATEST",
			Runtime: "provided.al2023", Timeout: 3, MemorySize: 128, LastModified: srv.Clock.Now(),
			State: "Pending", LastUpdateStatus: "InProgress"}})
	}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(gatehouse.DefaultFunctionDelay - time.Millisecond)
	if got := state(); got != "Pending/InProgress" {
		t.Fatalf("before the delay: %s", got)
	}
	srv.Advance(time.Millisecond)
	if got := state(); got != "Active/Successful" {
		t.Fatalf("after the delay: %s", got)
	}
}
