package edge

import (
	"container/list"
	"context"
	"sync"
)

// budget bounds the bytes of management request bodies held at once. A
// caller takes the size of its body before reading it and gives it back
// when its operation has answered; callers that do not fit wait in
// arrival order, so a large body is not starved by a stream of small ones.
// It guards the management plane only: the data plane streams bodies.
type budget struct {
	mu      sync.Mutex
	free    int64
	size    int64
	waiters list.List // of *waiter, first come first served
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newBudget(size int64) *budget { return &budget{free: size, size: size} }

// take reserves n bytes, waiting until they are free or ctx is done. A
// request larger than the whole budget waits for all of it.
func (b *budget) take(ctx context.Context, n int64) error {
	n = min(n, b.size)
	b.mu.Lock()
	if b.waiters.Len() == 0 && n <= b.free {
		b.free -= n
		b.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	el := b.waiters.PushBack(w)
	b.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready:
			// Granted while giving up: hand the bytes on.
			b.free += n
		default:
			b.waiters.Remove(el)
		}
		b.grant()
		b.mu.Unlock()
		return ctx.Err()
	}
}

// give returns n bytes taken earlier.
func (b *budget) give(n int64) {
	n = min(n, b.size)
	b.mu.Lock()
	b.free += n
	b.grant()
	b.mu.Unlock()
}

// grant wakes the waiters at the head of the queue that now fit. b.mu is
// held.
func (b *budget) grant() {
	for el := b.waiters.Front(); el != nil; el = b.waiters.Front() {
		w := el.Value.(*waiter)
		if w.n > b.free {
			return
		}
		b.free -= w.n
		b.waiters.Remove(el)
		close(w.ready)
	}
}
