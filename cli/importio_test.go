package cli

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// oldBusyWait is the busy wait stores had before it was sized to the
// longest write the product does.
const oldBusyWait = 5 * time.Second

// holdWriteLock takes the store's write lock from a connection of its own,
// as another two-factor process in a long write would, and releases it
// after d.
func holdWriteLock(t *testing.T, path string, d time.Duration) <-chan struct{} {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	tx, err := conn.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(d)
		tx.Rollback()
		close(released)
	}()
	return released
}

// A login that arrives while another process writes for longer than the
// old 5 s busy wait still gets its answer, instead of "store is locked".
func TestVerifyWaitsOutALongWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("holds the write lock for over 5 s")
	}
	h := newHarness(t)
	secret := h.enroll("alice")
	h.now = h.now.Add(30 * time.Second)
	released := holdWriteLock(t, filepath.Join(h.dir, "store.db"), oldBusyWait+time.Second)
	out, errs, code := h.exec(totp(t, secret, h.now)+"\n", "verify", "alice")
	<-released
	if code != ExitOK || !strings.Contains(out, "accepted") {
		t.Fatalf("verify during a %v write: exit %d %q %q", oldBusyWait+time.Second, code, out, errs)
	}
}
