package code

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

type entry struct {
	name, body string
	mode       fs.FileMode // 0: no Unix mode (a zip made on Windows)
}

func makeZip(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		} else {
			h.CreatorVersion = 0 // FAT: no modes
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPutUnpacksAndReports(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := makeZip(t,
		entry{name: "index.mjs", body: "export const handler = async () => 1;", mode: 0o644},
		entry{name: "bin/tool", body: "#!/bin/sh\n", mode: 0o755},
		entry{name: "lib/", mode: fs.ModeDir | 0o755},
		entry{name: "lib/link", body: "../index.mjs", mode: fs.ModeSymlink | 0o777},
	)
	c, err := s.Put(data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if c.Sha256 != base64.StdEncoding.EncodeToString(sum[:]) || c.Size != int64(len(data)) || len(c.ID) != 64 {
		t.Fatalf("code = %+v", c)
	}
	dir := s.Dir(c.ID)
	if b, err := os.ReadFile(filepath.Join(dir, "lib", "link")); err != nil || string(b) != "export const handler = async () => 1;" {
		t.Fatalf("link read %q, %v", b, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "bin", "tool")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("tool mode %v, %v", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Join(dir, "index.mjs")); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("index mode %v, %v", st.Mode(), err)
	}
	if b, err := os.ReadFile(s.ZipPath(c.ID)); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("package.zip differs: %v", err)
	}
	// The same zip again is the same code, stored once.
	again, err := s.Put(data)
	if err != nil || again != c {
		t.Fatalf("second put = %+v, %v", again, err)
	}
	names, _ := os.ReadDir(s.Root())
	if len(names) != 1 {
		t.Fatalf("root holds %d entries, want 1", len(names))
	}
}

func TestBootstrapFromAZipWithoutModesIsExecutable(t *testing.T) {
	s, _ := New(t.TempDir())
	c, err := s.Put(makeZip(t, entry{name: "bootstrap", body: "#!/bin/sh\n"}, entry{name: "data.txt", body: "x"}))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{"bootstrap": 0o755, "data.txt": 0o644} {
		st, err := os.Stat(filepath.Join(s.Dir(c.ID), name))
		if err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", name, st.Mode().Perm(), err, want)
		}
	}
}

func TestPutRefuses(t *testing.T) {
	big := makeZip(t, entry{name: "a", body: "x", mode: 0o644})
	// Declare more than the quota in the central directory.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 2 {
		h := &zip.FileHeader{Name: string(rune('a' + i)), Method: zip.Store}
		h.UncompressedSize64 = MaxUnzipped/2 + 1
		w, _ := zw.CreateRaw(h)
		w.Write([]byte("x"))
	}
	zw.Close()
	cases := map[string]struct {
		data []byte
		msg  string
	}{
		"not a zip":     {[]byte("hello"), msgNotZip},
		"truncated":     {big[:len(big)-10], msgNotZip},
		"zip slip":      {makeZip(t, entry{name: "../evil", body: "x", mode: 0o644}), msgNotZip},
		"absolute":      {makeZip(t, entry{name: "/etc/evil", body: "x", mode: 0o644}), msgNotZip},
		"backslashes":   {makeZip(t, entry{name: `..\evil`, body: "x", mode: 0o644}), msgNotZip},
		"link outside":  {makeZip(t, entry{name: "l", body: "../../etc/passwd", mode: fs.ModeSymlink | 0o777}), msgNotZip},
		"link absolute": {makeZip(t, entry{name: "l", body: "/etc/passwd", mode: fs.ModeSymlink | 0o777}), msgNotZip},
		"write through link": {makeZip(t,
			entry{name: "d", body: ".", mode: fs.ModeSymlink | 0o777},
			entry{name: "d/../../x", body: "x", mode: 0o644}), msgNotZip},
		"too large": {buf.Bytes(), msgTooLarge},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			s, _ := New(root)
			_, err := s.Put(tc.data)
			var ie *InvalidError
			if !errors.As(err, &ie) || ie.Message != tc.msg {
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
			if names, _ := os.ReadDir(root); len(names) != 0 {
				t.Fatalf("a refused package left %d entries", len(names))
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(root), "evil")); err == nil {
				t.Fatal("an entry was written outside the store")
			}
		})
	}
}

func TestConcurrentPutsOfOneZip(t *testing.T) {
	s, _ := New(t.TempDir())
	data := makeZip(t, entry{name: "index.py", body: "def handler(e, c): return 1", mode: 0o644})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := s.Put(data)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	names, _ := os.ReadDir(s.Root())
	if len(names) != 1 {
		t.Fatalf("root holds %d entries, want 1", len(names))
	}
}
