package bolt

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/store"
)

// TestDamagedFileIsAnError damages a store file in the ways disks and
// careless hands do and opens it again: each must either open (a damage
// bbolt can route around, such as one of its two meta pages) or fail with
// an error that names the file. None may panic.
func TestDamagedFileIsAnError(t *testing.T) {
	const page = 4096
	cases := []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"truncated to 100 bytes", func(b []byte) []byte { return b[:100] }},
		{"truncated to one page", func(b []byte) []byte { return b[:page] }},
		{"truncated to two pages", func(b []byte) []byte { return b[:2*page] }},
		{"truncated by half", func(b []byte) []byte { return b[:len(b)/2/page*page] }},
		{"truncated mid-page", func(b []byte) []byte { return b[:len(b)-page/2] }},
		{"random first meta page", func(b []byte) []byte { return garble(b, 0, page) }},
		{"random second meta page", func(b []byte) []byte { return garble(b, page, page) }},
		{"random both meta pages", func(b []byte) []byte { return garble(b, 0, 2*page) }},
		{"zeroed both meta pages", func(b []byte) []byte { return zero(b, 0, 2*page) }},
		{"zeroed freelist and root pages", func(b []byte) []byte { return zero(b, 2*page, 2*page) }},
		{"zeroed data pages", func(b []byte) []byte { return zero(b, 4*page, len(b)-4*page) }},
		{"random data pages", func(b []byte) []byte { return garble(b, 2*page, len(b)-2*page) }},
		{"random page headers", func(b []byte) []byte {
			for off := 2 * page; off < len(b); off += page {
				garble(b, off, 16)
			}
			return b
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSome(t, dir)
			path := filepath.Join(dir, FileName)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rnd = rand.New(rand.NewPCG(uint64(i), 7))
			if err := os.WriteFile(path, c.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			var s *Store
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("Open panicked: %v", p)
					}
				}()
				s, err = Open(dir)
			}()
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error does not name the file %s: %v", path, err)
				}
				t.Logf("error: %v", err)
				return
			}
			// It opened: reading and writing must not panic either.
			defer s.Close()
			s.View(func(tx store.Tx) error { return tx.List("/", func(string, []byte) error { return nil }) })
		})
	}
}

// TestSecondServerIsTold: a data directory held by a running server makes
// a second Open say so, with the holder's pid, rather than "timeout".
func TestSecondServerIsTold(t *testing.T) {
	defer func(d time.Duration) { LockTimeout = d }(LockTimeout)
	LockTimeout = 50 * time.Millisecond
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(dir)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	for _, want := range []string{dir, "in use by another gatehouse", "pid " + itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

var rnd *rand.Rand

func writeSome(t *testing.T, dir string) {
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		s.Update(func(tx store.Tx) error {
			for j := 0; j < 20; j++ {
				tx.Put("/acct/region/kind/"+itoa(i*100+j), []byte(strings.Repeat("record ", 30)))
			}
			return nil
		})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func garble(b []byte, off, n int) []byte {
	for i := off; i < off+n && i < len(b); i++ {
		b[i] = byte(rnd.Uint32())
	}
	return b
}

func zero(b []byte, off, n int) []byte {
	for i := off; i < off+n && i < len(b); i++ {
		b[i] = 0
	}
	return b
}

func itoa(i int) string { return strconv.Itoa(i) }
