// Package lambdatest makes Lambda deployment packages for tests: zips of
// files, Node.js and Python handlers, and real Go functions built with
// aws-lambda-go; and skips a test whose interpreter this machine lacks.
// It is for tests only: every helper fails or skips the test it is given.
package lambdatest

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"path"
	"sort"
	"testing"
	"time"
)

// Entry is one file of a package made with ZipEntries.
type Entry struct {
	Name string
	Body string
	// Mode is the file's permission bits; 0 means 0644, or 0755 for a
	// file named bootstrap. A Name ending in "/" is a directory entry.
	Mode fs.FileMode
}

// epoch is every entry's modification time, so that the same files always
// make the same bytes and so the same CodeSha256.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Zip returns a deployment package holding files (name → content), in name
// order. A file whose base name is bootstrap is executable (0755), as a
// custom runtime's entry point must be; every other file is 0644. Use
// ZipEntries to choose modes.
func Zip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	entries := make([]Entry, len(names))
	for i, name := range names {
		entries[i] = Entry{Name: name, Body: files[name]}
	}
	return ZipEntries(t, entries...)
}

// ZipEntries returns a package holding entries in the order given, each
// with its mode stored as a Unix zip tool stores it (the external
// attributes' high half), which is where Lambda reads exec bits from.
func ZipEntries(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: epoch}
		h.SetMode(mode(e))
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatalf("lambdatest: zip %s: %v", e.Name, err)
		}
		if _, err := f.Write([]byte(e.Body)); err != nil {
			t.Fatalf("lambdatest: zip %s: %v", e.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("lambdatest: zip: %v", err)
	}
	return buf.Bytes()
}

func mode(e Entry) fs.FileMode {
	isDir := len(e.Name) > 0 && e.Name[len(e.Name)-1] == '/'
	m := e.Mode.Perm()
	switch {
	case m != 0:
	case isDir:
		m = 0755
	case path.Base(e.Name) == "bootstrap":
		m = 0755
	default:
		m = 0644
	}
	if isDir {
		m |= fs.ModeDir
	}
	return m
}
