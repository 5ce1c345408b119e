package clocktest

import (
	"testing"
	"time"
)

func TestAdvanceFiresInOrder(t *testing.T) {
	c := New(time.Unix(0, 0))
	var got []int
	c.AfterFunc(2*time.Second, func() { got = append(got, 2) })
	c.AfterFunc(time.Second, func() { got = append(got, 1) })
	stopped := c.AfterFunc(time.Second, func() { got = append(got, 9) })
	stopped.Stop()
	c.Advance(1500 * time.Millisecond)
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("after 1.5s fired %v", got)
	}
	c.Advance(time.Second)
	if len(got) != 2 || got[1] != 2 {
		t.Fatalf("after 2.5s fired %v", got)
	}
	if c.Pending() != 0 {
		t.Errorf("pending = %d", c.Pending())
	}
}

func TestTicker(t *testing.T) {
	c := New(time.Unix(0, 0))
	tk := c.NewTicker(time.Second)
	c.Advance(time.Second)
	select {
	case at := <-tk.C():
		if at != time.Unix(1, 0) {
			t.Errorf("tick at %v", at)
		}
	default:
		t.Fatal("no tick")
	}
	tk.Stop()
	c.Advance(time.Second)
	select {
	case <-tk.C():
		t.Fatal("tick after Stop")
	default:
	}
}

func TestTickerTicksOnceAcrossALongAdvance(t *testing.T) {
	c := New(time.Unix(0, 0))
	tk := c.NewTicker(time.Second)
	var fired bool
	c.AfterFunc(90*time.Second, func() { fired = true })
	c.Advance(60 * 24 * time.Hour)
	if !fired {
		t.Fatal("the timer due in the middle did not fire")
	}
	select {
	case at := <-tk.C():
		if at != time.Unix(1, 0) {
			t.Errorf("tick at %v, want the first period", at)
		}
	default:
		t.Fatal("no tick delivered")
	}
	// Once the reader has taken that tick, the next period delivers again.
	c.Advance(time.Second)
	select {
	case <-tk.C():
	default:
		t.Fatal("no tick after the next period")
	}
}
