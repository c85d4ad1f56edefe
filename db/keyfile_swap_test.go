package db

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKeyFileSymlinkRefused: the key file is opened without following a
// symbolic link in its place, so a link planted there (or swapped in
// after the checks) cannot point the store at another file.
func TestKeyFileSymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.key"), filepath.Join(dir, "master.key")
	if err := writeKeyFile(real, bytes.Repeat([]byte{1}, masterKeyLen)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	_, err := readKeyFile(link)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("a key file that is a symlink: %v, want it refused as a symbolic link", err)
	}
}

// TestKeyFileSwappedAfterTheChecksIsNeverUsed: the owner and mode checks
// are made on the file that is read, not on whatever the path named a
// moment earlier. A writer swaps the key path between the right key
// (0600) and a link to another key others can read; no read may return
// the other key.
func TestKeyFileSwappedAfterTheChecksIsNeverUsed(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.key"), filepath.Join(dir, "bad.key")
	path := filepath.Join(dir, "master.key")
	goodKey, badKey := bytes.Repeat([]byte{1}, masterKeyLen), bytes.Repeat([]byte{2}, masterKeyLen)
	if err := writeKeyFile(good, goodKey); err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFile(bad, badKey); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(good, path); err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { // the swapper
		defer close(done)
		tmp := filepath.Join(dir, "swap")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			os.Remove(tmp)
			if i%2 == 0 {
				os.Symlink(bad, tmp)
			} else {
				os.Link(good, tmp)
			}
			os.Rename(tmp, path)
		}
	}()
	deadline := time.Now().Add(2 * time.Second)
	reads, goodReads := 0, 0
	for time.Now().Before(deadline) {
		key, err := readKeyFile(path)
		reads++
		if err == nil && bytes.Equal(key, badKey) {
			close(stop)
			<-done
			t.Fatalf("read %d returned the world-readable key swapped in after the checks", reads)
		}
		if err == nil {
			goodReads++
		}
	}
	close(stop)
	<-done
	t.Logf("%d reads, %d of the right key, none of the other", reads, goodReads)
}
