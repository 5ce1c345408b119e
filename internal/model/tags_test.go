package model

import (
	"maps"
	"testing"
)

func TestTagsWithAndWithoutLeaveTheOriginal(t *testing.T) {
	orig := Tags{"a": "1", "b": "2"}
	if got := orig.With(Tags{"b": "3", "c": "4"}); !maps.Equal(got, Tags{"a": "1", "b": "3", "c": "4"}) {
		t.Fatalf("With = %v", got)
	}
	if got := orig.Without([]string{"a", "z"}); !maps.Equal(got, Tags{"b": "2"}) {
		t.Fatalf("Without = %v", got)
	}
	if !maps.Equal(orig, Tags{"a": "1", "b": "2"}) {
		t.Fatalf("the original changed: %v", orig)
	}
	if got := Tags(nil).Without([]string{"a"}); got == nil {
		t.Fatal("Without on no tags gave nil, want an empty set")
	}
}
