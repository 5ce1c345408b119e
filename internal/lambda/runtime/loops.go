package runtime

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// loops are the runtime loops, one file per language.
//
//go:embed loops/*
var loops embed.FS

// installed is the directory the loops were written to in this process.
var installed struct {
	once sync.Once
	dir  string
	err  error
}

// loopsDir writes the loops once per process and returns their
// directory. Interpreters need files, not bytes. The directory is named
// by the loops' hash under the user's cache directory, as Go's build
// cache is: every process of one gatehouse build shares it, a different
// build gets its own, and it never needs cleaning up (each is a few
// kilobytes, and stays the same while gatehouse does). A process that
// finds it written checks every byte, so a damaged copy is rewritten.
// Without a cache directory it can write to (no HOME, a read-only one)
// it falls back to the temporary directory, still named by hash and so
// still shared.
func loopsDir() (string, error) {
	installed.once.Do(func() { installed.dir, installed.err = install() })
	return installed.dir, installed.err
}

func install() (string, error) {
	files, err := fs.Glob(loops, "loops/*")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, name := range files {
		b, _ := loops.ReadFile(name)
		h.Write([]byte(name))
		h.Write(b)
	}
	sub := filepath.Join("gatehouse", "lambda-runtimes", hex.EncodeToString(h.Sum(nil))[:16])
	if base, err := os.UserCacheDir(); err == nil {
		if dir, err := writeLoops(filepath.Join(base, sub), files); err == nil {
			return dir, nil
		}
	}
	return writeLoops(filepath.Join(os.TempDir(), sub), files)
}

// writeLoops makes dir hold files as embedded, writing only what differs.
func writeLoops(dir string, files []string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, name := range files {
		want, _ := loops.ReadFile(name)
		path := filepath.Join(dir, filepath.Base(name))
		if got, err := os.ReadFile(path); err == nil && bytes.Equal(got, want) {
			continue
		}
		// Written beside and renamed over, so a process starting a
		// function meanwhile reads the old whole file or the new one.
		tmp, err := os.CreateTemp(dir, ".tmp-*")
		if err != nil {
			return "", err
		}
		_, werr := tmp.Write(want)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), path)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return "", werr
		}
	}
	return dir, nil
}
