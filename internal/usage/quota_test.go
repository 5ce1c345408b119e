package usage

import (
	"sync"
	"testing"
)

func TestQuotaTakesUpToTheLimitPerPeriod(t *testing.T) {
	var c Quota
	for i := range 3 {
		if !c.Take(100, 3, 1) {
			t.Fatalf("request %d refused under the limit", i+1)
		}
	}
	if c.Take(100, 3, 1) {
		t.Fatal("the fourth request of a limit of 3 was taken")
	}
	if start, used := c.Used(); start != 100 || used != 3 {
		t.Fatalf("Used = %d, %d; want 100, 3", start, used)
	}
	if !c.Take(200, 3, 2) {
		t.Fatal("a new period does not start from nothing")
	}
	if _, used := c.Used(); used != 1 || c.Total() != 4 {
		t.Fatalf("new period used %d, total %d; want 1, 4", used, c.Total())
	}
	// A correction: two left of three.
	c.Set(200, 1)
	if !c.Take(200, 3, 2) || !c.Take(200, 3, 2) || c.Take(200, 3, 2) {
		t.Fatal("a corrected counter did not take exactly the two left")
	}
	// An extension: a negative count leaves more than the limit.
	c.Set(200, -2)
	n := 0
	for c.Take(200, 3, 2) {
		n++
	}
	if n != 5 {
		t.Fatalf("an extended counter took %d, want 5", n)
	}
	days := map[int64]int64{}
	c.Days(func(day, n int64) { days[day] = n })
	if len(days) != 2 || days[1] != 3 || days[2] != 8 {
		t.Fatalf("days %v, want 3 on day 1 and 8 on day 2", days)
	}
}

// Concurrent requests never take more than the limit.
func TestQuotaConcurrent(t *testing.T) {
	var c Quota
	var wg sync.WaitGroup
	var taken sync.Map
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for range 1000 {
				if c.Take(1, 500, 1) {
					n++
				}
			}
			taken.Store(g, n)
		}()
	}
	wg.Wait()
	sum := 0
	taken.Range(func(_, v any) bool { sum += v.(int); return true })
	if sum != 500 {
		t.Fatalf("took %d requests, want the limit of 500", sum)
	}
}

func TestQuotaTakeAllocatesNothing(t *testing.T) {
	var c Quota
	c.Take(1, 1<<40, 1)
	if n := testing.AllocsPerRun(100, func() { c.Take(1, 1<<40, 1) }); n != 0 {
		t.Fatalf("Take allocates %v times", n)
	}
}
