// Package bolt is the embedded, durable store backend on bbolt. Each Update is
// one bbolt transaction that is fsynced before it returns, so an acknowledged
// write survives kill -9.
package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"gatehouse/internal/store"
)

var (
	kvBucket   = []byte("kv")
	metaBucket = []byte("meta")
	revKey     = []byte("revision")
)

// FileName is the database file inside the data directory.
const FileName = "gatehouse.db"

// Store is a bbolt-backed store.Store.
type Store struct {
	store.Notifier
	db  *bbolt.DB
	rev atomic.Uint64
}

// Open opens (creating if needed) the store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db, err := bbolt.Open(filepath.Join(dir, FileName), 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dir, err)
	}
	s := &Store{db: db}
	err = db.Update(func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(kvBucket); err != nil {
			return err
		}
		m, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if v := m.Get(revKey); len(v) == 8 {
			s.rev.Store(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) View(fn func(store.Tx) error) error {
	return s.db.View(func(btx *bbolt.Tx) error {
		return fn(&tx{b: btx.Bucket(kvBucket), meta: btx.Bucket(metaBucket)})
	})
}

func (s *Store) Update(fn func(store.Tx) error) (uint64, error) {
	var rev uint64
	err := s.db.Update(func(btx *bbolt.Tx) error {
		t := &tx{b: btx.Bucket(kvBucket), meta: btx.Bucket(metaBucket), writable: true}
		if err := fn(t); err != nil {
			return err
		}
		// The revision is read and written inside the transaction, which
		// bbolt serialises, so no two commits can share one.
		rev = t.Revision() + 1
		return t.meta.Put(revKey, binary.BigEndian.AppendUint64(nil, rev))
	})
	if err != nil {
		return 0, err
	}
	storeMax(&s.rev, rev)
	s.Notify(rev)
	return rev, nil
}

func (s *Store) Revision() uint64 { return s.rev.Load() }

func (s *Store) Close() error { return s.db.Close() }

// storeMax raises v to rev: commits can finish out of order after bbolt
// releases its writer lock, and the revision must never go back.
func storeMax(v *atomic.Uint64, rev uint64) {
	for {
		cur := v.Load()
		if cur >= rev || v.CompareAndSwap(cur, rev) {
			return
		}
	}
}

type tx struct {
	b, meta  *bbolt.Bucket
	writable bool
}

func (t *tx) Revision() uint64 {
	if v := t.meta.Get(revKey); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (t *tx) Get(key string) ([]byte, bool) {
	v := t.b.Get([]byte(key))
	return v, v != nil
}

func (t *tx) Put(key string, val []byte) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	return t.b.Put([]byte(key), val)
}

func (t *tx) Delete(key string) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	return t.b.Delete([]byte(key))
}

func (t *tx) List(prefix string, fn func(string, []byte) error) error {
	c := t.b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(string(k), v); err != nil {
			return err
		}
	}
	return nil
}
