package db

import (
	"database/sql/driver"
	"errors"
	"os"
	"testing"
	"time"
)

// A login check's process leaves its committed transaction in the WAL
// rather than checkpointing it on close (no fsync of the database, no WAL
// to recreate for the next process); the next process sees it; any other
// command still checkpoints and removes the WAL when it closes, so an
// admin's change is in the database file once the command is done.
func TestVerifyCloseKeepsWAL(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	s.Close()
	if _, err := os.Stat(f.dbPath + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an admin command's close left the WAL behind: %v", err)
	}

	login, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, BusyTimeout: 300 * time.Millisecond, KeepWAL: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := login.AddUser(ctx, "tester", "bob"); err != nil {
		t.Fatal(err)
	}
	login.Close()
	st, err := os.Stat(f.dbPath + "-wal")
	if err != nil || st.Size() == 0 {
		t.Fatalf("a login check's close checkpointed the WAL (%v): closecheckpoint.go no longer reaches the SQLite handle", err)
	}

	admin := f.open(t)
	if _, err := userByName(ctx, admin.db, "bob"); err != nil {
		t.Fatalf("the next process does not see the kept transaction: %v", err)
	}
	admin.Close()
	if _, err := os.Stat(f.dbPath + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the next admin command's close left the WAL behind: %v", err)
	}
}

// Should a driver upgrade rename or retype the fields noCheckpointOnClose
// reads, it says so and touches nothing (the connection then checkpoints
// on close as before) rather than reading the wrong memory.
func TestNoCheckpointOnCloseRefusesOtherConns(t *testing.T) {
	for _, c := range []driver.Conn{otherConn{}, &otherConnStruct{}, &renamedConn{}, &retypedConn{}} {
		if err := noCheckpointOnClose(c); !errors.Is(err, errNoHandle) {
			t.Errorf("%T: %v, want errNoHandle", c, err)
		}
	}
}

type otherConn struct{ driver.Conn }

type otherConnStruct struct {
	driver.Conn
	db uintptr
}

type renamedConn struct {
	driver.Conn
	handle uintptr
	tls    *int
}

type retypedConn struct {
	driver.Conn
	db  int64
	tls *int
}
