// Package store defines the narrow key-value interface every backend
// implements: read transactions, write transactions that commit whole or not at
// all, a revision that grows with each commit, and change notification. It holds
// interfaces and small shared types only; the backends (mem, bolt, later etcd)
// live in sub-packages that only the composition root imports.
package store

import (
	"errors"
	"sync"
)

// ErrReadOnly is returned by writes inside a View transaction.
var ErrReadOnly = errors.New("store: write in a read-only transaction")

// ErrClosed is returned by transactions on a closed store.
var ErrClosed = errors.New("store: closed")

// Tx is one transaction. Keys are '/'-separated paths; values are opaque bytes
// that the caller must not modify or keep past the transaction.
type Tx interface {
	// Get returns the value at key, or ok=false.
	Get(key string) (val []byte, ok bool)
	// Put writes val at key.
	Put(key string, val []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(key string) error
	// List calls fn for each key with the prefix, in key order, stopping at the
	// first error, which it returns.
	List(prefix string, fn func(key string, val []byte) error) error
	// Revision is the revision of the state this transaction reads: the
	// last commit it sees.
	Revision() uint64
}

// Store is a transactional key-value store.
type Store interface {
	// View runs fn in a read-only transaction over a consistent state.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction. If fn returns an error
	// nothing is written. On success the commit is durable when Update returns
	// (for durable backends) and the new revision is returned.
	Update(fn func(Tx) error) (rev uint64, err error)
	// Revision is the revision of the last commit.
	Revision() uint64
	// Watch returns a channel that receives a value after commits. Bursts are
	// coalesced: a reader that falls behind sees one wake-up, then reads the
	// current state. Call cancel to stop watching.
	Watch() (ch <-chan uint64, cancel func())
	// Close releases the store.
	Close() error
}

// Notifier fans commit revisions out to watchers, latest wins. Backends embed
// it.
type Notifier struct {
	mu       sync.Mutex
	next     int
	watchers map[int]chan uint64
}

// Watch registers a watcher.
func (n *Notifier) Watch() (<-chan uint64, func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.watchers == nil {
		n.watchers = map[int]chan uint64{}
	}
	id := n.next
	n.next++
	ch := make(chan uint64, 1)
	n.watchers[id] = ch
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.watchers, id)
	}
}

// Notify tells every watcher about rev without blocking: a watcher that has
// not read the previous value gets the newer one instead.
func (n *Notifier) Notify(rev uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ch := range n.watchers {
		select {
		case <-ch:
		default:
		}
		ch <- rev
	}
}
