package bolt_test

import (
	"testing"

	"gatehouse/internal/store"
	"gatehouse/internal/store/bolt"
	"gatehouse/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := bolt.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestReopenKeepsDataAndRevision(t *testing.T) {
	dir := t.TempDir()
	s, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Update(func(tx store.Tx) error { return tx.Put("/k", []byte("v")) })
	s.Close()
	s, err = bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Revision() != 1 {
		t.Errorf("revision after reopen = %d", s.Revision())
	}
	s.View(func(tx store.Tx) error {
		if v, ok := tx.Get("/k"); !ok || string(v) != "v" {
			t.Errorf("Get after reopen = %q, %v", v, ok)
		}
		return nil
	})
}
