// Package mem is the in-memory store backend, for tests and --in-memory. A
// write transaction buffers its changes and applies them only on success, so a
// failed Update leaves nothing behind, as with the durable backends.
package mem

import (
	"sort"
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
	rev, err := s.commit(fn)
	if err == nil {
		s.Notify(rev)
	}
	return rev, err
}

// commit holds the write lock with defer, so a panicking fn (recovered by
// the wire layer) cannot leave the store locked for ever.
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
	for k, v := range t.writes {
		if v == nil {
			delete(s.data, k)
		} else {
			s.data[k] = v
		}
	}
	return s.rev.Add(1), nil
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
	var keys []string
	for k := range t.s.data {
		if _, pending := t.writes[k]; !pending && strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	for k, v := range t.writes {
		if v != nil && strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := t.Get(k)
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}
