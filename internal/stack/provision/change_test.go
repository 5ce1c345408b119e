package provision

import (
	"slices"
	"testing"
)

// A number that went through JSON with the stack (80.0), the same number
// from the template (80) and its text ("80") are one value; anything
// else that differs is a change.
func TestChangedKeysComparesAsCloudFormation(t *testing.T) {
	old := props{"Port": 80.0, "Enabled": true, "Nested": map[string]any{"Rate": 7.0, "List": []any{1.0, "a"}}, "Gone": "x", "Same": "s"}
	new := props{"Port": 80, "Enabled": "true", "Nested": map[string]any{"Rate": "7", "List": []any{1, "a"}}, "Added": "y", "Same": "s"}
	if got, want := changedKeys(old, new), []string{"Added", "Gone"}; !slices.Equal(got, want) {
		t.Errorf("changedKeys = %v, want %v", got, want)
	}
	new["Nested"] = map[string]any{"Rate": 7.5, "List": []any{1, "a"}}
	new["Port"] = []any{80}
	if got, want := changedKeys(old, new), []string{"Added", "Gone", "Nested", "Port"}; !slices.Equal(got, want) {
		t.Errorf("changedKeys = %v, want %v", got, want)
	}
}
