package store

import "testing"

// TestFeedForgetsOldest shows a reader too far behind is told to read
// everything again rather than handed a feed with a hole in it.
func TestFeedForgetsOldest(t *testing.T) {
	var n Notifier
	for rev := uint64(1); rev <= feedLen+10; rev++ {
		n.Commit(rev, []string{"/k"})
	}
	if _, ok := n.Changes(5); ok {
		t.Error("Changes(5) ok after the feed moved past it")
	}
	ch, ok := n.Changes(10)
	if !ok || len(ch) != feedLen || ch[0].Revision != 11 || ch[len(ch)-1].Revision != feedLen+10 {
		t.Errorf("Changes(10) = %d commits, %v", len(ch), ok)
	}
	if ch, ok := n.Changes(feedLen + 10); !ok || len(ch) != 0 {
		t.Errorf("Changes(last) = %v, %v", ch, ok)
	}
}

// TestFeedBeforeFirstCommit: a store opened at revision 7 has no feed yet;
// a reader at 7 is up to date, one at 3 must read everything.
func TestFeedBeforeFirstCommit(t *testing.T) {
	var n Notifier
	n.Opened(7)
	if _, ok := n.Changes(7); !ok {
		t.Error("reader at the opened revision told to reload")
	}
	if _, ok := n.Changes(3); ok {
		t.Error("reader before the opened revision not told to reload")
	}
	n.Commit(8, []string{"/a"})
	if _, ok := n.Changes(6); ok {
		t.Error("reader before the first recorded commit not told to reload")
	}
	if ch, ok := n.Changes(7); !ok || len(ch) != 1 {
		t.Errorf("Changes(7) = %v, %v", ch, ok)
	}
}
