package code

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPut feeds arbitrary bytes to Put: nothing panics, a refusal is
// Lambda's InvalidError and leaves the store empty, and whatever is stored
// lies inside the store's folder.
func FuzzPut(f *testing.F) {
	f.Add([]byte("not a zip"))
	f.Add(makeZip(&testing.T{}, entry{name: "index.mjs", body: "export const handler = 1;", mode: 0o644}))
	f.Add(makeZip(&testing.T{}, entry{name: "../x", body: "x", mode: 0o644}))
	f.Add(makeZip(&testing.T{}, entry{name: "bootstrap", body: "#!/bin/sh"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		s, err := New(filepath.Join(root, "store"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Put(data)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("Put: %v is not an InvalidError", err)
			}
			if names, _ := os.ReadDir(s.Root()); len(names) != 0 {
				t.Fatalf("a refused package left %d entries", len(names))
			}
			return
		}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !strings.HasPrefix(p, s.Dir(c.ID)) && p != root && p != s.Root() &&
				p != filepath.Join(s.Root(), c.ID) && p != s.ZipPath(c.ID) {
				t.Errorf("%s lies outside the package's folder", p)
			}
			return nil
		})
	})
}
