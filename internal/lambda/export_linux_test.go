package lambda

import (
	"log/slog"
	"testing"
)

// Namespaces reports whether sandboxes get namespaces of their own here.
func Namespaces() bool { return namespaces() }

// WithoutNamespaces has the engine start sandboxes as on a machine that
// refuses namespaces, for the rest of the test.
func WithoutNamespaces(t testing.TB) { t.Cleanup(NoNamespaces()) }

// NoNamespaces does the same until the function it answers is called.
func NoNamespaces() (restore func()) {
	was := namespaces
	namespaces = func() bool { return false }
	return func() { namespaces = was }
}

// Confined reports whether functions are confined with Landlock here.
func Confined() bool { return landlockABI() > 0 }

// FailTmpSetup reports a sandbox whose private /tmp could not be made,
// for the rest of the test.
func FailTmpSetup(t testing.TB) {
	was := nsFailed.Load()
	setupFailed(tmpSetup+": refused", slog.New(slog.DiscardHandler))
	t.Cleanup(func() { nsFailed.Store(was) })
}

// WithoutLandlock has the engine start sandboxes as on a kernel without
// Landlock, for the rest of the test.
func WithoutLandlock(t testing.TB) {
	was := landlockABI
	landlockABI = func() int { return 0 }
	t.Cleanup(func() { landlockABI = was })
}
