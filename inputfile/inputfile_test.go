package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	stop := make(chan struct{})
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
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
