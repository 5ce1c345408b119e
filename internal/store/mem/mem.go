// Package mem is the in-memory store backend, for tests and --in-memory. A
// write transaction buffers its changes and applies them only on success, so a
// failed Update leaves nothing behind, as with the durable backends.
package mem

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"gatehouse/internal/store"
)

// Store is an in-memory store.Store.
type Store struct {
	store.Notifier
	mu   sync.RWMutex
	data map[string][]byte
	// keys are data's keys in order, so that List reads only its prefix's
	// range instead of scanning and sorting every key.
	keys []string
	// rev is atomic, not guarded by mu, because readers ask for it inside
	// View: taking the read lock twice deadlocks once a writer is waiting.
	rev    atomic.Uint64
	closed bool
}

// New returns an empty store.
func New() *Store { return &Store{data: map[string][]byte{}} }

func (s *Store) View(fn func(store.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.ErrClosed
	}
	return fn(&tx{s: s})
}

func (s *Store) Update(fn func(store.Tx) error) (uint64, error) {
	return s.commit(fn)
}

// commit holds the write lock with defer, so a panicking fn (recovered by
// the wire layer) cannot leave the store locked for ever. The change feed
// is written under the same lock, so it holds commits in revision order.
func (s *Store) commit(fn func(store.Tx) error) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	t := &tx{s: s, writes: map[string][]byte{}, writable: true}
	if err := fn(t); err != nil {
		return 0, err
	}
	keys := make([]string, 0, len(t.writes))
	for k, v := range t.writes {
		keys = append(keys, k)
		_, had := s.data[k]
		switch {
		case v == nil && had:
			delete(s.data, k)
			i, _ := slices.BinarySearch(s.keys, k)
			s.keys = slices.Delete(s.keys, i, i+1)
		case v != nil:
			if !had {
				i, _ := slices.BinarySearch(s.keys, k)
				s.keys = slices.Insert(s.keys, i, k)
			}
			s.data[k] = v
		}
	}
	rev := s.rev.Add(1)
	s.Commit(rev, keys)
	return rev, nil
}

func (s *Store) Revision() uint64 { return s.rev.Load() }

func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// tx reads through its own pending writes (nil marks a delete).
type tx struct {
	s        *Store
	writes   map[string][]byte
	writable bool
}

// Revision is the last commit: readers hold the lock, so none can land
// while a transaction is open.
func (t *tx) Revision() uint64 { return t.s.rev.Load() }

func (t *tx) Get(key string) ([]byte, bool) {
	if v, ok := t.writes[key]; ok {
		return v, v != nil
	}
	v, ok := t.s.data[key]
	return v, ok
}

func (t *tx) Put(key string, val []byte) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	t.writes[key] = append([]byte{}, val...)
	return nil
}

func (t *tx) Delete(key string) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	t.writes[key] = nil
	return nil
}

func (t *tx) List(prefix string, fn func(string, []byte) error) error {
	// The committed keys under prefix are one range of the sorted keys. A
	// write transaction's own new keys under prefix are few; they are
	// sorted and merged in.
	start, _ := slices.BinarySearch(t.s.keys, prefix)
	end := start
	for end < len(t.s.keys) && strings.HasPrefix(t.s.keys[end], prefix) {
		end++
	}
	committed := t.s.keys[start:end]
	var added []string
	for k, v := range t.writes {
		if _, had := t.s.data[k]; v != nil && !had && strings.HasPrefix(k, prefix) {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	for len(committed) > 0 || len(added) > 0 {
		var k string
		if len(added) == 0 || len(committed) > 0 && committed[0] < added[0] {
			k, committed = committed[0], committed[1:]
		} else {
			k, added = added[0], added[1:]
		}
		v, ok := t.Get(k) // a pending delete hides a committed key
		if !ok {
			continue
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}
