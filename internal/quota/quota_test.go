package quota

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/usage"
)

var (
	scope = model.Scope{Account: "000000000000", Region: "us-east-1"}
	day0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id    = model.UsageID(scope, "plan1", "key1")
)

func newController(st store.Store) (*Controller, *usage.Quotas) {
	q := usage.NewQuotas()
	return New(Config{Store: st, Clock: clocktest.New(day0.Add(time.Hour)), Quotas: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}), q
}

func record(t *testing.T, st store.Store) *model.Usage {
	t.Helper()
	var rec *model.Usage
	err := model.View(st, scope.Account, scope.Region, func(tx model.Tx) error {
		var err error
		rec, _, err = model.Get[model.Usage](tx, "plan1/key1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func take(q *usage.Quotas, n int, day time.Time) {
	for range n {
		q.Quota(id).Take(day0.Unix(), 100, day.Unix()/secondsPerDay)
	}
}

// Counts are written with their days, loaded back by a new controller, and
// a correction stored meanwhile wins over the counter.
func TestFlushLoadAndCorrect(t *testing.T) {
	st := mem.New()
	c, q := newController(st)
	take(q, 3, day0)
	take(q, 2, day0.Add(24*time.Hour))
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	rec := record(t, st)
	if rec == nil || rec.Used != 5 || !rec.PeriodStart.Equal(day0) || rec.Days["2026-01-01"] != 3 || rec.Days["2026-01-02"] != 2 {
		t.Fatalf("stored %+v", rec)
	}
	// Nothing new: nothing written.
	rev := st.Revision()
	if err := c.Flush(); err != nil || st.Revision() != rev {
		t.Fatalf("an idle flush wrote (revision %d -> %d, %v)", rev, st.Revision(), err)
	}

	// A restart: a new controller loads the count.
	c2, q2 := newController(st)
	if err := c2.Load(); err != nil {
		t.Fatal(err)
	}
	if start, used := q2.Quota(id).Used(); start != day0.Unix() || used != 5 {
		t.Fatalf("loaded %d, %d", start, used)
	}
	take(q2, 1, day0.Add(24*time.Hour))

	// A correction (UpdateUsage) stored under a new epoch.
	err := model.Update(st, scope.Account, scope.Region, func(tx model.Tx) error {
		rec, _, err := model.Get[model.Usage](tx, "plan1/key1")
		if err != nil {
			return err
		}
		rec.Used, rec.Epoch = 90, rec.Epoch+1
		return model.Put(tx, rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Sync(context.Background(), scope.Account, scope.Region); err != nil {
		t.Fatal(err)
	}
	if _, used := q2.Quota(id).Used(); used != 90 {
		t.Fatalf("after the correction the counter has %d, want 90", used)
	}
	rec = record(t, st)
	if rec.Used != 90 || rec.Days["2026-01-02"] != 3 {
		t.Fatalf("stored after the correction %+v", rec)
	}

	// The record deleted (its key or plan went): the counter is forgotten.
	err = model.Update(st, scope.Account, scope.Region, func(tx model.Tx) error {
		return model.Delete(tx, &model.Usage{PlanID: "plan1", KeyID: "key1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	take(q2, 1, day0)
	if err := c2.Flush(); err != nil {
		t.Fatal(err)
	}
	if rec := record(t, st); rec != nil {
		t.Fatalf("a deleted record came back: %+v", rec)
	}
}

// Stop writes what was counted since the last interval.
func TestStopFlushes(t *testing.T) {
	st := mem.New()
	c, q := newController(st)
	c.Start()
	take(q, 2, day0)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if rec := record(t, st); rec == nil || rec.Used != 2 {
		t.Fatalf("after Stop the store holds %+v", rec)
	}
}
