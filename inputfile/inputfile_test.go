package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadRefusesDevicesUnread(t *testing.T) {
	_, err := Read("/dev/zero", 1<<20)
	if err == nil || !strings.Contains(err.Error(), "/dev/zero is a character device, not a regular file or a pipe") {
		t.Fatalf("got %v", err)
	}
	_, err = Read(t.TempDir(), 1<<20)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("got %v", err)
	}
}

func TestReadBoundsFilesAndPipes(t *testing.T) {
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small"), filepath.Join(dir, "big")
	os.WriteFile(small, []byte("12345678"), 0o600)
	os.WriteFile(big, []byte("123456789"), 0o600)
	if got, err := Read(small, 8); err != nil || string(got) != "12345678" {
		t.Fatalf("at the limit: %q, %v", got, err)
	}
	if _, err := Read(big, 8); err == nil || !strings.Contains(err.Error(), big+" is larger than the 8 bytes limit") {
		t.Fatalf("over the limit: %v", err)
	}
	// A pipe that never ends is cut one byte past the limit, not read whole.
	// Its writer is there before it is read, as a process substitution's
	// is (O_RDWR opens a pipe without waiting for a reader).
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	go func() {
		defer w.Close()
		buf := make([]byte, 4096)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}()
	defer close(stop)
	if _, err := Read(fifo, 1<<16); err == nil || !strings.Contains(err.Error(), "larger than the 64 KiB limit") {
		t.Fatalf("endless pipe: %v", err)
	}
}

// TestReadRefusesAPipeNobodyWritesAtOnce: opening a named pipe for reading
// waits for a writer, for ever if none comes; an administrator who named
// one by mistake must get an error, not a hung command.
func TestReadRefusesAPipeNobodyWritesAtOnce(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := Read(fifo, 1<<10)
		errc <- err
	}()
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), fifo+" is a named pipe and nothing was written to it") {
			t.Fatalf("a pipe with no writer: %v", err)
		}
	case <-time.After(3 * time.Second):
		// Unblock the reader so the test process can end.
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("Read blocked on a named pipe nobody writes to")
	}
}
