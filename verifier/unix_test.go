package verifier_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/verifier"
)

// shortDir is a temporary directory with a path short enough for a unix
// socket (108 bytes), which t.TempDir's long names can exceed.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tfv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// socketEnv is a real store with alice enrolled and a verifier serving it
// on a unix socket.
type socketEnv struct {
	*servicetest.Env
	alice   *devices.Device
	srv     *verifier.Server
	socket  string
	tcpAddr string
	client  verifier.Client
}

func serveSocket(t *testing.T) *socketEnv { return serveSocketWith(t, verifier.Limit{}, false) }

// serveSocketWith also listens on loopback TCP (port 0) when withTCP.
func serveSocketWith(t *testing.T, limit verifier.Limit, withTCP bool) *socketEnv {
	t.Helper()
	e := servicetest.NewEnv(t)
	e.AddUser(t, "alice")
	alice := e.Enroll(t, "alice", service.EnrollOptions{})
	socket := filepath.Join(shortDir(t), "run", "verify.sock")
	l, err := verifier.ListenUnix(socket, -1)
	if err != nil {
		t.Fatal(err)
	}
	var tcpL net.Listener
	s := &socketEnv{Env: e, alice: alice, srv: verifier.New(e.Svc, limit), socket: socket, client: verifier.Client{Socket: socket}}
	if withTCP {
		if tcpL, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		s.tcpAddr = tcpL.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.srv.Run(ctx, l, tcpL) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("verifier stopped with %v", err)
		}
	})
	return s
}

func (s *socketEnv) verify(t *testing.T, user, code string) verifier.VerifyResponse {
	t.Helper()
	v, err := s.client.Verify(context.Background(), user, code)
	if err != nil {
		t.Fatalf("verify %s %s: %v", user, code, err)
	}
	return v
}

func TestSocketVerifiesThroughTheStoreAndAuditsTheCaller(t *testing.T) {
	s := serveSocket(t)
	s.Clock.Advance(30 * time.Second)
	code := servicetest.Code(t, s.alice, s.Clock.Now(), 0)
	if v := s.verify(t, "alice", code); !v.OK || v.Outcome != devices.Accepted || v.Device == nil || v.Device.Name != s.alice.Name {
		t.Fatalf("right code: %+v", v)
	}
	if v := s.verify(t, "alice", code); v.OK || v.Outcome != devices.Rejected {
		t.Errorf("replayed code accepted: %+v", v)
	}
	s.Clock.Advance(time.Hour) // past the back-off the replay earned
	wrong := s.verify(t, "alice", "000000")
	unknown := s.verify(t, "nobody", "000000")
	if wrong.OK || wrong != unknown || wrong.Device != nil {
		t.Errorf("a wrong code and an unknown user differ: %+v vs %+v", wrong, unknown)
	}
	if _, err := s.client.Verify(context.Background(), "alice", "12a"); !strings.Contains(errText(err), "digits") {
		t.Errorf("malformed code: %v", err)
	}
	entries, err := s.Store.Audit(context.Background(), db.AuditFilter{Action: "device.verify"})
	if err != nil {
		t.Fatal(err)
	}
	want := "serve/unix uid=" + itoa(os.Getuid())
	for _, en := range entries {
		if en.Actor != want {
			t.Errorf("audit entry %q %s by %q, want %q", en.User, en.Outcome, en.Actor, want)
		}
	}
	if len(entries) < 4 {
		t.Errorf("%d verify entries audited, want at least 4", len(entries))
	}
}

func TestSocketIsGroupOnlyInAPrivateDirectory(t *testing.T) {
	s := serveSocket(t)
	fi, err := os.Lstat(s.socket)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != verifier.SocketMode {
		t.Errorf("socket mode %v, want socket 0660", fi.Mode())
	}
	di, err := os.Stat(filepath.Dir(s.socket))
	if err != nil || di.Mode().Perm() != 0o750 {
		t.Errorf("socket directory: %v %v, want 0750", di.Mode(), err)
	}
	if _, err := verifier.ListenUnix(s.socket, -1); err == nil || !strings.Contains(err.Error(), "another verifier") {
		t.Errorf("a second verifier on a live socket: %v", err)
	}
}

func TestListenUnixReplacesOnlyAStaleSocket(t *testing.T) {
	dir := shortDir(t)
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close() // the file stays, nobody listens: a verifier that died
	l2, err := verifier.ListenUnix(stale, -1)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	l2.Close()
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("closing the verifier left its socket: %v", err)
	}
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("keep me"), 0o600)
	if _, err := verifier.ListenUnix(plain, -1); err == nil {
		t.Error("a regular file was replaced by the socket")
	}
	if b, _ := os.ReadFile(plain); string(b) != "keep me" {
		t.Error("the regular file changed")
	}
}

func TestClientFailsClosedWhenNoVerifierRuns(t *testing.T) {
	c := verifier.Client{Socket: filepath.Join(shortDir(t), "none.sock")}
	v, err := c.Verify(context.Background(), "alice", "123456")
	if v.OK || err == nil || !isUnavailable(err) {
		t.Errorf("no verifier: %+v %v, want ErrUnavailable", v, err)
	}
}
