package db

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// nobody is a uid that is neither root nor the test's user.
const nobody = 65534

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not mention %q", err, p)
		}
	}
}

func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test chowns files and needs root")
		}
		t.Skip("needs root to chown files to another user")
	}
}

// useSecret opens the store afresh and reads alice's secret.
func useSecret(f fixture) error {
	s, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, BusyTimeout: time.Second})
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Update(ctx, "t", "alice", func(*Unit) error { return nil })
}

func TestFilesOfAnotherUserRefused(t *testing.T) {
	needRoot(t)
	f := newFixture(t)
	addTOTP(t, f.open(t), "alice", "phone", seed)
	for _, p := range []string{f.keyPath, f.dbPath} {
		if err := os.Chown(p, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		wantErr(t, useSecret(f), p, "owned by uid 65534", "chown")
		os.Chown(p, 0, 0)
	}
	// Root's files are trusted by everyone.
	if err := useSecret(f); err != nil {
		t.Fatal(err)
	}
	if err := checkOwnedFile("file", f.keyPath, nobody); err != nil {
		t.Fatalf("a root-owned key used by another user: %v", err)
	}
}

func TestFilesInADirectoryOthersCanWriteRefused(t *testing.T) {
	f := newFixture(t)
	addTOTP(t, f.open(t), "alice", "phone", seed)
	keyDir := filepath.Dir(f.keyPath)
	os.Chmod(keyDir, 0o777)
	wantErr(t, useSecret(f), keyDir, "chmod go-w "+keyDir)
	os.Chmod(keyDir, fs.ModeSticky|0o777) // sticky, like /tmp: others cannot replace our file
	if err := useSecret(f); err != nil {
		t.Fatalf("sticky directory: %v", err)
	}
	os.Chmod(keyDir, 0o700)
	os.Chmod(f.dir, 0o770)
	wantErr(t, useSecret(f), f.dir, "chmod go-w")
}

func TestNonRegularStoreRefused(t *testing.T) {
	for _, create := range []bool{false, true} {
		_, err := Open(ctx, "/dev/null", Options{Create: create})
		wantErr(t, err, "/dev/null", "not a regular file")
	}
}

func TestEmptyStoreFileRefused(t *testing.T) {
	f := newFixture(t)
	if err := os.WriteFile(f.dbPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, create := range []bool{false, true} {
		_, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, Create: create})
		wantErr(t, err, f.dbPath, "empty", "damaged", "remove it")
	}
	if st, _ := os.Stat(f.dbPath); st.Size() != 0 {
		t.Fatal("the empty file was initialised")
	}
	// A store we create is initialised in the same step: it is never
	// seen empty.
	p := filepath.Join(f.dir, "new.db")
	s, err := Open(ctx, p, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if st, err := os.Stat(p); err != nil || st.Size() == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("new store: %v %v", st, err)
	}
	if _, err := Open(ctx, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(f.dir, ".new.db*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestReadOnlyWALOrSHMNamed(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	s.Close()
	for _, suffix := range []string{"-wal", "-shm"} {
		p := f.dbPath + suffix
		if err := os.WriteFile(p, nil, 0o400); err != nil {
			t.Fatal(err)
		}
		wantErr(t, useSecret(f), p, "read-only", "chmod u+w "+p)
		os.Remove(p)
	}
}

// The messages for a full disk and I/O errors name the problem and the
// store, whatever SQLite's extended code (4874 is SQLITE_IOERR_SHMSIZE).
func TestDiskErrorsExplained(t *testing.T) {
	s := &SQLite{path: "/srv/2fa/store.db"}
	raw := errors.New("disk I/O error")
	wantErr(t, s.explain(sqlite3.SQLITE_FULL, raw), "/srv/2fa/store.db", "disk is full")
	wantErr(t, s.explain(4874, raw), "/srv/2fa/store.db", "I/O error", "full")
	wantErr(t, s.explain(sqlite3.SQLITE_IOERR_WRITE, raw), "/srv/2fa/store.db", "I/O error")
}

// A real full disk: a small tmpfs, filled until a write fails.
func TestFullDiskSaysSo(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (needs root in a privileged environment; TestDiskErrorsExplained covers the mapping): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	f := fixture{dir: dir, dbPath: filepath.Join(dir, "store.db"), keyPath: filepath.Join(dir, "master.key")}
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	var err error
	for i := 0; i < 5000 && err == nil; i++ {
		_, err = s.AddUser(ctx, "t", fmt.Sprintf("user-with-a-long-name-to-fill-pages-%06d", i))
	}
	wantErr(t, err, f.dbPath, "full")
	t.Log(err)
	// The failed write changed nothing: the store still works.
	s.Close()
	if err := useSecret(f); err != nil {
		t.Fatalf("after the disk filled: %v", err)
	}
}
