package privatelink

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

const nlb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/0123456789abcdef"

var scope = model.Scope{Account: "000000000000", Region: "us-east-1"}

func put(t *testing.T, st store.Store, recs ...model.Record) {
	t.Helper()
	_, err := st.Update(func(tx store.Tx) error {
		for _, r := range recs {
			if err := model.Put(model.Tx{Tx: tx, Account: scope.Account, Region: scope.Region}, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, st store.Store, id string) *model.VpcLinkV1 {
	t.Helper()
	snap, err := model.Load(st)
	if err != nil {
		t.Fatal(err)
	}
	if sc := snap.Scopes[scope]; sc != nil {
		return sc.VpcLinksV1[id]
	}
	return nil
}

// TestNewerChangeRestartsTheDelay: a link whose StatusSince moves (deleted
// while PENDING, say) is due a full delay after the change; the timer set
// for the older state must not move it early.
func TestNewerChangeRestartsTheDelay(t *testing.T) {
	st := mem.New()
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := New(Config{Store: st, Clock: clk, Delay: time.Minute})
	c.Start()
	defer c.Stop()
	sync := func() {
		t.Helper()
		if err := c.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	put(t, st, &model.LoadBalancer{ARN: nlb, Type: "network", State: "active"},
		&model.VpcLinkV1{ID: "abc123", TargetARNs: []string{nlb}, Status: model.LinkPending, StatusSince: clk.Now()})
	sync()
	clk.Advance(30 * time.Second)
	put(t, st, &model.VpcLinkV1{ID: "abc123", TargetARNs: []string{nlb}, Status: model.LinkPending, StatusSince: clk.Now()})
	sync()
	clk.Advance(30 * time.Second)
	if l := link(t, st, "abc123"); l.Status != model.LinkPending {
		t.Fatalf("a minute after creation but 30s after the last change: %s", l.Status)
	}
	clk.Advance(30 * time.Second)
	l := link(t, st, "abc123")
	if l.Status != model.LinkAvailable || l.StatusMessage != MessageReady || l.EndpointService == "" {
		t.Fatalf("a minute after the last change: %+v", l)
	}
	if !l.StatusSince.Equal(clk.Now()) {
		t.Fatalf("StatusSince = %v, want the transition's time %v", l.StatusSince, clk.Now())
	}
}

func TestStopCancelsTimers(t *testing.T) {
	st := mem.New()
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := New(Config{Store: st, Clock: clk, Delay: time.Hour})
	c.Start()
	put(t, st, &model.VpcLinkV1{ID: "abc123", TargetARNs: []string{nlb}, Status: model.LinkPending, StatusSince: clk.Now()})
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if clk.Pending() != 1 {
		t.Fatalf("%d timers for one pending link", clk.Pending())
	}
	c.Stop()
	if clk.Pending() != 0 {
		t.Fatalf("%d timers left after Stop", clk.Pending())
	}
	clk.Advance(2 * time.Hour)
	if l := link(t, st, "abc123"); l.Status != model.LinkPending {
		t.Fatalf("a stopped controller moved the link to %s", l.Status)
	}
	// Stop without Start, and twice, must not block.
	New(Config{Store: st, Clock: clk}).Stop()
	c.Stop()
}
