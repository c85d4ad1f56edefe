package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/two-factor/two-factor/verifier"
)

// notifyListener is a stand-in for systemd's notification socket.
func notifyListener(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func nextNotice(t *testing.T, l *net.UnixConn) string {
	t.Helper()
	l.SetReadDeadline(time.Now().Add(20 * time.Second))
	b := make([]byte, 256)
	n, err := l.Read(b)
	if err != nil {
		t.Fatalf("no notice for systemd: %v", err)
	}
	return string(b[:n])
}

// TestServeTellsSystemdWhenItIsReady: with Type=notify, systemd starts
// what waits on the verifier only at READY=1, so READY=1 must come once
// the socket takes connections; a reload is bracketed by RELOADING=1 and
// READY=1, and SIGTERM says STOPPING=1.
func TestServeTellsSystemdWhenItIsReady(t *testing.T) {
	dir, err := os.MkdirTemp("", "tfn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l := notifyListener(t, filepath.Join(dir, "notify"))
	h, _ := realTimeStore(t)
	h.setenv("NOTIFY_SOCKET", filepath.Join(dir, "notify"))
	p := h.startServe("--rate", "0")
	if got := nextNotice(t, l); got != "READY=1" {
		t.Fatalf("first notice %q, want READY=1", got)
	}
	if _, err := (verifier.Client{Socket: p.socket, Timeout: 5 * time.Second}).Verify(t.Context(), "alice", "000000"); err != nil {
		t.Fatalf("READY=1 sent but the socket does not answer: %v", err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	for _, want := range []string{"RELOADING=1", "READY=1"} {
		if got := nextNotice(t, l); got != want {
			t.Fatalf("on SIGHUP: %q, want %q", got, want)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if got := nextNotice(t, l); got != "STOPPING=1" {
		t.Fatalf("on SIGTERM: %q, want STOPPING=1", got)
	}
}

// TestSDNotifyReachesAnAbstractSocket: systemd may name an abstract
// socket ("@..."), and no socket at all is no error and no log.
func TestSDNotifyReachesAnAbstractSocket(t *testing.T) {
	name := fmt.Sprintf("@two-factor-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	l := notifyListener(t, name)
	sdNotify(name, "READY=1", t.Output())
	if got := nextNotice(t, l); got != "READY=1" {
		t.Errorf("got %q", got)
	}
	var log strings.Builder
	sdNotify("", "READY=1", &log)
	if log.Len() != 0 {
		t.Errorf("no NOTIFY_SOCKET logged %q", log.String())
	}
}
