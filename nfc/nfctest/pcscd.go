package nfctest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Paths of the Debian packages pcscd and vsmartcard-vpcd.
const (
	pcscdBin   = "/usr/sbin/pcscd"
	vpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
	// DefaultSocket is where pcscd 1.9 listens (compile-time path).
	DefaultSocket = "/run/pcscd/pcscd.comm"
	// VPCDReader is the name pcscd gives vpcd's first slot.
	VPCDReader = "Virtual PCD 00 00"
	lockPath   = "/tmp/two-factor-pcscd-test.lock"
)

// readerConf puts vpcd in server mode on 35963/35964: the card dials in.
// (Reversed mode crashes pcscd 1.9.9 with vsmartcard 3.3, see the notes.)
const readerConf = `FRIENDLYNAME "Virtual PCD"
DEVICENAME /dev/null:0x8C7B
LIBPATH ` + vpcdDriver + `
CHANNELID 0x8C7B
`

// PCSCD is a pcscd started by a test, with vpcd as its only reader driver.
type PCSCD struct {
	Socket string
	cmd    *exec.Cmd
}

// StartPCSCD starts a private pcscd on the default socket and stops it (by
// PID) when the test ends. Tests using it are serialised across packages
// and processes by a file lock, since only one pcscd can own the socket.
// Without the packages it skips, or fails when CI=true.
func StartPCSCD(t testing.TB) *PCSCD {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() }) // closing releases the lock, last
	if c, err := net.Dial("unix", DefaultSocket); err == nil {
		c.Close()
		t.Fatalf("a pcscd is already running on %s; stop it (systemctl stop pcscd.socket pcscd) before running the NFC tests", DefaultSocket)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vpcd"), []byte(readerConf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-f", "-c", dir}
	if os.Getenv("NFC_PCSCD_DEBUG") != "" {
		args = append(args, "-d", "-a") // APDU log on the test's stderr
	}
	cmd := exec.Command(pcscdBin, args...)
	if os.Getenv("NFC_PCSCD_DEBUG") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting pcscd: %v", err)
	}
	d := &PCSCD{Socket: DefaultSocket, cmd: cmd}
	t.Cleanup(d.stop)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("unix", DefaultSocket)
		if err == nil {
			c.Close()
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("pcscd did not open %s within 5s: %v", DefaultSocket, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Available says whether StartPCSCD can run here: nil, or what to install.
// A test that only runs some cases through pcscd checks it first.
func Available() error {
	for _, f := range []string{pcscdBin, vpcdDriver} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s missing: install the Debian packages pcscd and vsmartcard-vpcd (apt-get install -y --no-install-recommends pcscd vsmartcard-vpcd pcsc-tools)", f)
		}
	}
	return nil
}

// Stop ends pcscd now (it is also stopped when the test ends), to test a
// daemon that went away.
func (d *PCSCD) Stop() { d.stop() }

func (d *PCSCD) stop() {
	if d.cmd.Process == nil || d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
}
