// Package store defines the narrow key-value interface every backend
// implements: read transactions, write transactions that commit whole or not at
// all, a revision that grows with each commit, change notification, and a
// change feed of the keys each commit wrote, so that readers can follow a
// commit in proportion to its size. It holds
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
	// Changes returns what the commits after revision after wrote, oldest
	// first, so that a reader can apply a burst in proportion to its size.
	// ok is false when the feed no longer reaches back that far: the reader
	// must then read the whole state again.
	Changes(after uint64) (changes []Change, ok bool)
	// Close releases the store.
	Close() error
}

// Change is what one commit did: its revision and the keys it put or
// deleted, each once, in no particular order.
type Change struct {
	Revision uint64
	Keys     []string
}

// feedLen is how many commits the change feed keeps. A reader further
// behind than that reads the whole state again, which is always correct,
// only slower; readers run right after each burst, so they rarely are.
const feedLen = 8192

// Notifier keeps the change feed and fans commit revisions out to
// watchers, latest wins. Backends embed it and call Commit once per commit,
// in revision order.
type Notifier struct {
	mu       sync.Mutex
	next     int
	watchers map[int]chan uint64
	// feed is a ring of the last feedLen commits; start is the index of
	// the oldest, n how many it holds.
	feed     []Change
	start, n int
	opened   uint64
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

// Commit records a commit's keys in the change feed and tells the
// watchers. Backends call it in revision order (under their write lock):
// the feed must never hold a gap.
func (n *Notifier) Commit(rev uint64, keys []string) {
	n.mu.Lock()
	if n.feed == nil {
		n.feed = make([]Change, feedLen)
	}
	c := Change{Revision: rev, Keys: keys}
	if n.n > 0 && n.feed[(n.start+n.n-1)%feedLen].Revision+1 != rev {
		// Not the next revision (a backend that opened at an older
		// state): what came before is unknown, so the feed starts over.
		n.start, n.n = 0, 0
	}
	if n.n < feedLen {
		n.feed[(n.start+n.n)%feedLen] = c
		n.n++
	} else {
		n.feed[n.start] = c
		n.start = (n.start + 1) % feedLen
	}
	n.mu.Unlock()
	n.Notify(rev)
}

// Changes returns the recorded commits after rev, oldest first. It is ok
// with none when rev is the last recorded commit or later, and not ok when
// the commits just after rev are no longer (or never were) recorded.
func (n *Notifier) Changes(rev uint64) ([]Change, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.n == 0 {
		return nil, rev >= n.opened
	}
	first := n.feed[n.start].Revision
	last := n.feed[(n.start+n.n-1)%feedLen].Revision
	switch {
	case rev >= last:
		return nil, true
	case rev+1 < first:
		return nil, false
	}
	skip := int(rev + 1 - first)
	out := make([]Change, 0, n.n-skip)
	for i := skip; i < n.n; i++ {
		out = append(out, n.feed[(n.start+i)%feedLen])
	}
	return out, true
}

// Opened tells the feed the revision the store opened at, so that readers
// at that revision need not read everything again before the first commit.
func (n *Notifier) Opened(rev uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.opened = rev
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
