// Package bolt is the embedded, durable store backend on bbolt. Each Update is
// one bbolt transaction that is fsynced before it returns, so an acknowledged
// write survives kill -9.
//
// Open must never panic on a damaged file: bbolt trusts its pages and can
// panic on garbage in them, so Open reads every page once under recover and
// turns whatever goes wrong into an error that names the file.
package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
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

// PIDFile, beside the database, names the process that has it open, so a
// second server on the same directory can say who holds it.
const PIDFile = "gatehouse.pid"

// LockTimeout is how long Open waits for another process to let go of the
// file before saying it is in use. Tests that open a directory in use on
// purpose shorten it.
var LockTimeout = 2 * time.Second

// Store is a bbolt-backed store.Store.
type Store struct {
	store.Notifier
	db   *bbolt.DB
	rev  atomic.Uint64
	path string
	// wmu spans a commit and its entry in the change feed, so the feed
	// holds commits in revision order. bbolt serialises writers anyway.
	wmu sync.Mutex
}

// ErrInUse is returned by Open when another process has the store open.
var ErrInUse = errors.New("in use by another gatehouse")

// Open opens (creating if needed) the store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	db, err := openDB(path)
	if errors.Is(err, bbolt.ErrTimeout) {
		who := "another gatehouse"
		if pid := readPID(dir); pid != 0 {
			who += " (pid " + strconv.Itoa(pid) + ")"
		}
		return nil, fmt.Errorf("data directory %s is in use by %s: stop it, or give this one another data directory: %w",
			dir, who, ErrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s is damaged: %w", path, err)
	}
	s.Opened(s.rev.Load())
	// Best effort: the pid only improves a second server's message.
	os.WriteFile(filepath.Join(dir, PIDFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	return s, nil
}

// openDB is bbolt.Open with its panics on a damaged file made errors.
func openDB(path string) (db *bbolt.DB, err error) {
	// A page pointing past the end of the mapped file faults rather than
	// panics; make that a panic too, so it is recovered below.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("the file is damaged (%v)", p)
		}
	}()
	return bbolt.Open(path, 0o600, &bbolt.Options{Timeout: LockTimeout, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
}

// init makes the buckets, reads the revision, and reads every record once,
// so that a damaged page fails here with an error rather than later with a
// panic in whichever reader meets it first.
func (s *Store) init() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reading it failed (%v)", p)
		}
	}()
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(kvBucket); err != nil {
			return err
		}
		m, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		switch v := m.Get(revKey); {
		case len(v) == 8:
			s.rev.Store(binary.BigEndian.Uint64(v))
		case v != nil:
			return fmt.Errorf("the revision is %d bytes long, not 8", len(v))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.db.View(func(tx *bbolt.Tx) error {
		var prev []byte
		return tx.Bucket(kvBucket).ForEach(func(k, v []byte) error {
			if v == nil {
				return fmt.Errorf("a nested bucket %q where records are kept", k)
			}
			if prev != nil && bytes.Compare(prev, k) >= 0 {
				return fmt.Errorf("keys out of order at %q", k)
			}
			prev = append(prev[:0], k...)
			return nil
		})
	})
}

func readPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, PIDFile))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func (s *Store) View(fn func(store.Tx) error) error {
	return s.db.View(func(btx *bbolt.Tx) error {
		return fn(&tx{b: btx.Bucket(kvBucket), meta: btx.Bucket(metaBucket)})
	})
}

func (s *Store) Update(fn func(store.Tx) error) (uint64, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var (
		rev  uint64
		keys map[string]struct{}
	)
	err := s.db.Update(func(btx *bbolt.Tx) error {
		t := &tx{b: btx.Bucket(kvBucket), meta: btx.Bucket(metaBucket), writable: true, keys: map[string]struct{}{}}
		if err := fn(t); err != nil {
			return err
		}
		rev = t.Revision() + 1
		keys = t.keys
		return t.meta.Put(revKey, binary.BigEndian.AppendUint64(nil, rev))
	})
	if err != nil {
		return 0, err
	}
	s.rev.Store(rev)
	list := make([]string, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	s.Commit(rev, list)
	return rev, nil
}

func (s *Store) Revision() uint64 { return s.rev.Load() }

// Close closes the database and removes the pid file if it is still this
// process's.
func (s *Store) Close() error {
	if dir := filepath.Dir(s.path); readPID(dir) == os.Getpid() {
		os.Remove(filepath.Join(dir, PIDFile))
	}
	return s.db.Close()
}

type tx struct {
	b, meta  *bbolt.Bucket
	writable bool
	keys     map[string]struct{} // written or deleted, for the change feed
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
	t.keys[key] = struct{}{}
	return t.b.Put([]byte(key), val)
}

func (t *tx) Delete(key string) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	t.keys[key] = struct{}{}
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
