package gatehouse_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse"
	"gatehouse/internal/store"
	"gatehouse/internal/store/bolt"
)

// A record that does not decode stops the start with an error naming the
// data directory and the record's key, instead of a server whose
// controllers cannot read the model.
func TestStartOnUndecodableRecord(t *testing.T) {
	dir := t.TempDir()
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const key = "/000000000000/us-east-1/vpc/vpc-0bad"
	if _, err := st.Update(func(tx store.Tx) error { return tx.Put(key, []byte(`{"VpcId":`)) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	srv, err := gatehouse.Start(context.Background(), gatehouse.Config{Listen: "127.0.0.1:0", DataDir: dir})
	if err == nil {
		srv.Close()
		t.Fatal("started on a store with a record that does not decode")
	}
	for _, want := range []string{dir, key} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// A second server on a data directory in use says so, and who holds it.
func TestSecondServerOnSameDataDir(t *testing.T) {
	// The second open waits this long for the lock before it gives up.
	defer func(d time.Duration) { bolt.LockTimeout = d }(bolt.LockTimeout)
	bolt.LockTimeout = 50 * time.Millisecond
	dir := t.TempDir()
	first, err := gatehouse.Start(context.Background(), gatehouse.Config{Listen: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := gatehouse.Start(context.Background(), gatehouse.Config{Listen: "127.0.0.1:0", DataDir: dir})
	if err == nil {
		second.Close()
		t.Fatal("two servers opened one data directory")
	}
	for _, want := range []string{dir, "in use by another gatehouse", "pid " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
