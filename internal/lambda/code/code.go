// Package code is the store of Lambda deployment packages: each zip is kept
// as it was uploaded and unpacked beside it, under a folder named by the
// SHA-256 of its bytes, so the same package uploaded twice is stored once
// and a folder, once there, never changes.
//
// Put checks a package as Lambda does before anything is stored (a zip that
// is not one, entries that would land outside the folder, more than 250 MB
// unpacked) and unpacks it into a temporary folder that is renamed into
// place whole: a reader never sees half a package, and concurrent Puts of
// one zip are safe. A package no function uses any more is harmless; it is
// never served.
//
// The package knows nothing of functions, the model or the API: the Lambda
// service stores code here before it commits a function's record, and the
// engine runs what Dir points at.
package code

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// MaxUnzipped is Lambda's quota on a deployment package's unpacked size.
const MaxUnzipped = 262144000

// Store keeps packages under one root folder.
type Store struct {
	root string
}

// Code names a stored package.
type Code struct {
	// ID is the hex SHA-256 of the zip: the folder's name.
	ID string
	// Sha256 is the base64 SHA-256 of the zip, as Lambda reports CodeSha256.
	Sha256 string
	// Size is the zip's size in bytes (CodeSize).
	Size int64
}

// InvalidError is a package Lambda would refuse, with Lambda's message; the
// service answers it as InvalidParameterValueException.
type InvalidError struct {
	Message string
	// Err is what was wrong, for logs; Lambda's message does not say.
	Err error
}

func (e *InvalidError) Error() string {
	if e.Err != nil {
		return e.Message + " (" + e.Err.Error() + ")"
	}
	return e.Message
}

func (e *InvalidError) Unwrap() error { return e.Err }

// Lambda's messages for a package it cannot take.
const (
	msgNotZip   = "Could not unzip uploaded file. Please check your file, then try to upload again."
	msgTooLarge = "Unzipped size must be smaller than 262144000 bytes"
)

func notZip(err error) error { return &InvalidError{Message: msgNotZip, Err: err} }

// New returns the store rooted at dir, creating it.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("code store: %w", err)
	}
	return &Store{root: dir}, nil
}

// Root is the folder the store keeps packages in.
func (s *Store) Root() string { return s.root }

// Dir is the folder holding package id unpacked: a function's task root.
func (s *Store) Dir(id string) string { return filepath.Join(s.root, id, "code") }

// ZipPath is the file holding package id as it was uploaded.
func (s *Store) ZipPath(id string) string { return filepath.Join(s.root, id, "package.zip") }

// Has reports whether package id is stored.
func (s *Store) Has(id string) bool {
	_, err := os.Stat(s.ZipPath(id))
	return err == nil
}

// Put checks and stores a package, or finds it stored already.
func (s *Store) Put(data []byte) (Code, error) {
	sum := sha256.Sum256(data)
	c := Code{ID: hex.EncodeToString(sum[:]), Sha256: base64.StdEncoding.EncodeToString(sum[:]), Size: int64(len(data))}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Code{}, notZip(err)
	}
	if err := check(zr); err != nil {
		return Code{}, err
	}
	if s.Has(c.ID) {
		return c, nil
	}
	tmp := filepath.Join(s.root, ".put-"+rand.Text())
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return Code{}, err
	}
	defer os.RemoveAll(tmp)
	if err := unpack(zr, filepath.Join(tmp, "code")); err != nil {
		return Code{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "package.zip"), data, 0o644); err != nil {
		return Code{}, err
	}
	if err := os.Rename(tmp, filepath.Join(s.root, c.ID)); err != nil {
		// Another Put of the same zip got there first: its folder is
		// this one, byte for byte.
		if s.Has(c.ID) {
			return c, nil
		}
		return Code{}, err
	}
	return c, nil
}

// check refuses what Lambda refuses before a byte is written: entry names
// that would leave the folder, and a package over the unpacked quota by
// what its headers say (unpack holds each entry to its declared size).
func check(zr *zip.Reader) error {
	var total uint64
	for _, f := range zr.File {
		if _, err := entryPath(f.Name); err != nil {
			return notZip(err)
		}
		total += f.UncompressedSize64
		if total > MaxUnzipped {
			return &InvalidError{Message: msgTooLarge}
		}
	}
	return nil
}

// entryPath is the slash-separated path an entry unpacks to, relative to
// the folder; it refuses absolute names and names that climb out of it.
func entryPath(name string) (string, error) {
	name = strings.ReplaceAll(name, "\\", "/")
	if path.IsAbs(name) || len(name) > 1 && name[1] == ':' {
		return "", fmt.Errorf("entry %q has an absolute path", name)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("entry %q leaves the package", name)
	}
	return clean, nil
}

// unpack writes the entries of zr under dir.
func unpack(zr *zip.Reader, dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range zr.File {
		name, _ := entryPath(f.Name)
		if name == "." {
			continue
		}
		if err := unpackEntry(root, dir, name, f); err != nil {
			return err
		}
	}
	return nil
}

// unpackEntry writes one entry through root, which refuses any path that
// would resolve outside the folder, symbolic links included.
func unpackEntry(root *os.Root, dir, name string, f *zip.File) error {
	mode := f.Mode()
	if parent := path.Dir(name); parent != "." {
		if err := root.MkdirAll(parent, 0o755); err != nil {
			return notZip(err)
		}
	}
	switch {
	case mode.IsDir():
		if err := root.MkdirAll(name, 0o755); err != nil {
			return notZip(err)
		}
		return nil
	case mode&fs.ModeSymlink != 0:
		target, err := readAll(f)
		if err != nil {
			return err
		}
		// The link must stay inside the folder wherever it is followed
		// from, as the engine runs code from it.
		t := string(target)
		if path.IsAbs(t) {
			return notZip(fmt.Errorf("link %q points outside the package", name))
		}
		if resolved := path.Join(path.Dir(name), t); resolved == ".." || strings.HasPrefix(resolved, "../") {
			return notZip(fmt.Errorf("link %q points outside the package", name))
		}
		if err := root.Symlink(t, name); err != nil {
			return notZip(err)
		}
		return nil
	case !mode.IsRegular():
		return notZip(fmt.Errorf("entry %q is not a file", name))
	}
	perm := filePerm(f, name)
	rc, err := f.Open()
	if err != nil {
		return notZip(err)
	}
	defer rc.Close()
	out, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return notZip(err)
	}
	// An entry may not inflate past the size its header declares; the
	// headers' total was checked against the quota.
	n, err := io.Copy(out, io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && uint64(n) > f.UncompressedSize64 {
		err = errors.New("entry larger than its header says")
	}
	if err != nil {
		return notZip(fmt.Errorf("%s: %w", name, err))
	}
	// The umask may have taken bits off; set what the package says.
	return root.Chmod(name, perm)
}

// filePerm is the mode an entry is written with: the zip's own Unix mode
// when it has one, readable by its owner; a zip made without modes (on
// Windows, say) gives 0644, and 0755 to a bootstrap, which Lambda runs.
func filePerm(f *zip.File, name string) fs.FileMode {
	const creatorUnix = 3
	if f.CreatorVersion>>8 == creatorUnix && f.Mode().Perm() != 0 {
		return f.Mode().Perm() | 0o400
	}
	if path.Base(name) == "bootstrap" {
		return 0o755
	}
	return 0o644
}

func readAll(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, notZip(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return nil, notZip(err)
	}
	return b, nil
}
