// Package storetest is the conformance suite every store backend passes.
package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"gatehouse/internal/store"
)

// Run runs the suite against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("PutGetListDelete", func(t *testing.T) {
		s := open(t)
		rev, err := s.Update(func(tx store.Tx) error {
			for _, k := range []string{"/a/2", "/a/1", "/b/1", "/a/3"} {
				if err := tx.Put(k, []byte("v"+k)); err != nil {
					return err
				}
			}
			return tx.Delete("/a/3")
		})
		if err != nil || rev != 1 || s.Revision() != 1 {
			t.Fatalf("Update = %d, %v; Revision %d", rev, err, s.Revision())
		}
		s.View(func(tx store.Tx) error {
			if tx.Revision() != 1 {
				t.Errorf("tx.Revision = %d, want 1", tx.Revision())
			}
			if v, ok := tx.Get("/a/1"); !ok || string(v) != "v/a/1" {
				t.Errorf("Get /a/1 = %q, %v", v, ok)
			}
			if _, ok := tx.Get("/a/3"); ok {
				t.Error("deleted key is present")
			}
			var keys []string
			tx.List("/a/", func(k string, _ []byte) error { keys = append(keys, k); return nil })
			if fmt.Sprint(keys) != "[/a/1 /a/2]" {
				t.Errorf("List /a/ = %v", keys)
			}
			if err := tx.Put("/x", nil); !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("Put in View = %v, want ErrReadOnly", err)
			}
			return nil
		})
	})
	t.Run("FailedUpdateWritesNothing", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		_, err := s.Update(func(tx store.Tx) error {
			tx.Put("/k", []byte("1"))
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update error = %v", err)
		}
		s.View(func(tx store.Tx) error {
			if _, ok := tx.Get("/k"); ok {
				t.Error("a failed Update left a write behind")
			}
			return nil
		})
		if s.Revision() != 0 {
			t.Errorf("revision moved to %d", s.Revision())
		}
	})
	t.Run("ReadYourWritesInTx", func(t *testing.T) {
		s := open(t)
		s.Update(func(tx store.Tx) error { return tx.Put("/p/old", []byte("o")) })
		s.Update(func(tx store.Tx) error {
			tx.Put("/p/new", []byte("n"))
			tx.Delete("/p/old")
			if _, ok := tx.Get("/p/new"); !ok {
				t.Error("own write not visible")
			}
			var keys []string
			tx.List("/p/", func(k string, _ []byte) error { keys = append(keys, k); return nil })
			if fmt.Sprint(keys) != "[/p/new]" {
				t.Errorf("List in tx = %v", keys)
			}
			return nil
		})
	})
	t.Run("WatchCoalesces", func(t *testing.T) {
		s := open(t)
		ch, cancel := s.Watch()
		defer cancel()
		for i := 0; i < 5; i++ {
			s.Update(func(tx store.Tx) error { return tx.Put("/w", []byte{byte(i)}) })
		}
		if rev := <-ch; rev != 5 {
			t.Errorf("watch saw %d, want the latest (5)", rev)
		}
		select {
		case rev := <-ch:
			t.Errorf("extra wake-up %d", rev)
		default:
		}
	})
	t.Run("ChangeFeed", func(t *testing.T) { runFeed(t, open) })
	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.Update(func(tx store.Tx) error {
					v, _ := tx.Get("/n")
					return tx.Put("/n", append(append([]byte{}, v...), 'x'))
				})
			}()
		}
		wg.Wait()
		if s.Revision() != 20 {
			t.Errorf("revision after 20 commits = %d", s.Revision())
		}
		// The feed holds every one of them, in order, with no gap.
		ch, ok := s.Changes(0)
		if !ok || len(ch) != 20 {
			t.Fatalf("Changes(0) after 20 concurrent commits = %d, %v", len(ch), ok)
		}
		for i, c := range ch {
			if c.Revision != uint64(i+1) || fmt.Sprint(c.Keys) != "[/n]" {
				t.Errorf("change %d = %d %v", i, c.Revision, c.Keys)
			}
		}
		s.View(func(tx store.Tx) error {
			if v, _ := tx.Get("/n"); len(v) != 20 {
				t.Errorf("lost updates: %d of 20", len(v))
			}
			return nil
		})
	})
}

// runFeed checks the change feed: each commit's keys, once each, in
// revision order, from any revision the feed still holds.
func runFeed(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	base := s.Revision()
	if ch, ok := s.Changes(base); !ok || len(ch) != 0 {
		t.Fatalf("Changes(current) = %v, %v; want none, ok", ch, ok)
	}
	s.Update(func(tx store.Tx) error {
		tx.Put("/f/a", []byte("1"))
		tx.Put("/f/a", []byte("2"))
		return tx.Put("/f/b", []byte("1"))
	})
	s.Update(func(tx store.Tx) error { return tx.Delete("/f/a") })
	s.Update(func(tx store.Tx) error { return errors.New("nothing") })
	ch, ok := s.Changes(base)
	if !ok || len(ch) != 2 {
		t.Fatalf("Changes = %v, %v; want two commits", ch, ok)
	}
	keys := append([]string(nil), ch[0].Keys...)
	slices.Sort(keys)
	if ch[0].Revision != base+1 || fmt.Sprint(keys) != "[/f/a /f/b]" {
		t.Errorf("first change = %d %v", ch[0].Revision, keys)
	}
	if ch[1].Revision != base+2 || fmt.Sprint(ch[1].Keys) != "[/f/a]" {
		t.Errorf("second change = %d %v", ch[1].Revision, ch[1].Keys)
	}
	if ch, ok := s.Changes(base + 1); !ok || len(ch) != 1 || ch[0].Revision != base+2 {
		t.Errorf("Changes(base+1) = %v, %v", ch, ok)
	}
}
