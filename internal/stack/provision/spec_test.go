package provision

import (
	"maps"
	"slices"
	"testing"

	"gatehouse/internal/stack"
)

// TestEverySpecHasACreator checks that the types a template may use (those
// stack.Specs documents, which Check accepts) are exactly those the
// provisioner can create and delete: a type with a spec and no creator
// would pass every check and then fail halfway through a stack, one that
// cannot be deleted would be left behind by a rollback, and a creator with
// no spec could never be reached.
func TestEverySpecHasACreator(t *testing.T) {
	for _, typ := range slices.Sorted(maps.Keys(stack.Specs)) {
		if creators[typ] == nil {
			t.Errorf("%s has a spec but no creator", typ)
		}
		if deleters[typ] == nil {
			t.Errorf("%s has a spec but no deleter", typ)
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(creators)) {
		if stack.Specs[typ] == nil {
			t.Errorf("%s has a creator but no spec", typ)
		}
	}
}
