package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/radiusd/radiustest"
	"github.com/two-factor/two-factor/service"
)

const radiusSecret = "the-vpn-and-two-factor-share-this"

// writeRADIUSClients writes a clients file allowing loopback, with mode.
func (h *harness) writeRADIUSClients(mode os.FileMode) string {
	path := filepath.Join(h.dir, "radius-clients")
	if err := os.WriteFile(path, []byte("# the VPN\n127.0.0.1 "+radiusSecret+"\n"), mode); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		h.t.Fatal(err)
	}
	return path
}

// freeUDPAddr returns a loopback UDP address nothing listens on.
func freeUDPAddr(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().String()
}

// TestServeAnswersRADIUS runs the real serve command with --radius and
// logs in with radclient, as a VPN concentrator would.
func TestServeAnswersRADIUS(t *testing.T) {
	radiustest.Radclient(t)
	h := cleanStore(t)
	clients := h.writeRADIUSClients(0o600)
	dir, err := os.MkdirTemp("", "tfcli") // short: unix socket paths are
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := freeUDPAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- Execute(ctx, append([]string{"serve", "--socket", filepath.Join(dir, "v.sock"), "--radius", addr, "--radius-clients", clients}, noSystemConfig(t, dir)...),
			Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr,
				Now: func() time.Time { return h.now }, Getenv: h.env})
	}()
	waitForUDP(t, addr, exited)

	code := h.expand([]string{"@c1"})[0]
	ask := func(user, code string) string {
		return radiustest.Ask(t, addr, radiusSecret, radiustest.Request{Attrs: radiustest.Login(user, code), MessageAuthenticator: true}).Code
	}
	if got := ask("alice", code); got != "Access-Accept" {
		t.Errorf("right code: %s", got)
	}
	if got := ask("alice", code); got != "Access-Reject" {
		t.Errorf("replayed code: %s", got)
	}
	if got := ask("nobody", code); got != "Access-Reject" {
		t.Errorf("unknown user: %s", got)
	}
	cancel()
	if c := <-exited; c != 0 {
		t.Errorf("serve exited %d after SIGTERM's cancel:\n%s", c, stderr.String())
	}
	if !strings.Contains(stderr.String(), "RADIUS listening on "+addr) {
		t.Errorf("serve does not say where RADIUS listens:\n%s", stderr.String())
	}
}

// waitForUDP waits until something is bound to addr, or serve exited.
func waitForUDP(t *testing.T, addr string, exited <-chan int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case c := <-exited:
			t.Fatalf("serve exited %d before listening", c)
		default:
		}
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return // taken: serve listens
		}
		pc.Close()
	}
	t.Fatal("serve never listened for RADIUS")
}

func TestServeRADIUSConfigurationMistakes(t *testing.T) {
	h := newHarness(t)
	socket := filepath.Join(h.dir, "v.sock")
	noConf := noSystemConfig(t, h.dir)
	if out, errs, code := h.exec("", append([]string{"serve", "--check", "--socket", socket, "--radius", "127.0.0.1:1812"}, noConf...)...); code != ExitError ||
		!strings.Contains(out+errs, "--radius and --radius-clients go together") {
		t.Errorf("--radius alone: exit %d %s%s", code, out, errs)
	}
	clients := h.writeRADIUSClients(0o644)
	out, errs, code := h.exec("", append([]string{"serve", "--check", "--socket", socket, "--radius", "127.0.0.1:1812", "--radius-clients", clients}, noConf...)...)
	// One "RADIUS clients file" in the sentence: it used to read
	// "RADIUS clients file: RADIUS clients file PATH can be read ...".
	if code != ExitError || !strings.Contains(out+errs, "run: chmod 600 "+clients) || strings.Contains(out+errs, radiusSecret) ||
		strings.Count(out+errs, "RADIUS clients file") != 1 {
		t.Errorf("a world-readable clients file: exit %d %s%s", code, out, errs)
	}
	h.writeRADIUSClients(0o600)
	if out := h.run(append([]string{"serve", "--check", "--socket", socket, "--radius", "127.0.0.1:1812", "--radius-clients", clients}, noConf...)...); !strings.Contains(out, "radius 127.0.0.1:1812") {
		t.Errorf("serve --check does not show RADIUS:\n%s", out)
	}
}

// TestRADIUSClientsReload checks what SIGHUP will do: a NAS added to the
// clients file is answered after Reload, and a file with a mistake keeps
// the clients read before instead of dropping every NAS.
func TestRADIUSClientsReload(t *testing.T) {
	radiustest.Radclient(t)
	h := cleanStore(t)
	path := filepath.Join(h.dir, "radius-clients")
	write := func(text string, mode os.FileMode) {
		if err := os.WriteFile(path, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("10.9.8.7 "+radiusSecret+"\n", 0o600)
	st, err := db.Open(context.Background(), h.env("TWO_FACTOR_DB"), db.Options{KeyFile: h.env("TWO_FACTOR_KEY_FILE"), Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := service.New(st)
	svc.Now = func() time.Time { return h.now }
	rf, err := startRADIUS(svc, radiusFlags{addr: "127.0.0.1:0", clients: path}, &lockedWriter{w: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Stop()
	addr := rf.addr.String()
	code := h.expand([]string{"@c1"})[0]
	ask := func(timeout time.Duration) string {
		return radiustest.Ask(t, addr, radiusSecret, radiustest.Request{Attrs: radiustest.Login("alice", code), MessageAuthenticator: true, Timeout: timeout}).Code
	}
	if got := ask(time.Second); got != "no answer" {
		t.Fatalf("loopback is not a client yet, but got %s", got)
	}
	write("127.0.0.1 "+radiusSecret+"\n", 0o600)
	if err := rf.Reload(); err != nil {
		t.Fatal(err)
	}
	write("127.0.0.1 "+radiusSecret+"\n", 0o644)
	if err := rf.Reload(); err == nil || !strings.Contains(err.Error(), "still using the clients read before") {
		t.Errorf("reloading a world-readable file: %v", err)
	}
	if got := ask(0); got != "Access-Accept" {
		t.Errorf("after the reloads: %s", got)
	}
}

// TestServeProcessTakesRADIUSFromItsConfigAndReloadsClientsOnSIGHUP runs
// serve as its own process with radius and radius-clients in its
// configuration file: a NAS added to the clients file is answered after
// SIGHUP, and SIGTERM stops it cleanly.
func TestServeProcessTakesRADIUSFromItsConfigAndReloadsClientsOnSIGHUP(t *testing.T) {
	radiustest.Radclient(t)
	h, seed := realTimeStore(t)
	clients := filepath.Join(h.dir, "radius-clients")
	if err := os.WriteFile(clients, []byte("10.9.8.7 "+radiusSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(h.dir, "serve.conf")
	if err := os.WriteFile(conf, []byte("radius = 127.0.0.1:0\nradius-clients = "+clients+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := h.startServe("--config", conf)
	addr := regexp.MustCompile(`RADIUS listening on (\S+)`).FindStringSubmatch(p.logText())
	if addr == nil {
		t.Fatalf("no RADIUS address logged:\n%s", p.logText())
	}
	login := radiustest.Login("alice", totp(t, seed, time.Now().Add(30*time.Second)))
	if got := radiustest.Ask(t, addr[1], radiusSecret, radiustest.Request{Attrs: login, MessageAuthenticator: true, Timeout: time.Second}); got.Code != "no answer" {
		t.Fatalf("loopback is not in the clients file yet, but got %s", got.Code)
	}
	if err := os.WriteFile(clients, []byte("127.0.0.1 "+radiusSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor(t, "RADIUS clients reloaded")
	if got := radiustest.Ask(t, addr[1], radiusSecret, radiustest.Request{Attrs: login, MessageAuthenticator: true}); got.Code != "Access-Accept" {
		t.Errorf("after SIGHUP: %s\n%s", got.Code, p.logText())
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, p.logText())
	}
}

// A clients line that lets a NAS beyond this host omit the
// Message-Authenticator is warned about when serve starts and on every
// reload; the loopback line pam_radius_auth needs is not.
func TestServeWarnsOfLegacyRADIUSClientsBeyondLoopback(t *testing.T) {
	h := cleanStore(t)
	path := filepath.Join(h.dir, "radius-clients")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	loopback := "127.0.0.1 " + radiusSecret + " insecure-no-message-authenticator\n"
	write(loopback + "10.1.2.3 " + radiusSecret + "-2 insecure-no-message-authenticator\n")
	st, err := db.Open(context.Background(), h.env("TWO_FACTOR_DB"), db.Options{KeyFile: h.env("TWO_FACTOR_KEY_FILE")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var log bytes.Buffer
	rf, err := startRADIUS(service.New(st), radiusFlags{addr: "127.0.0.1:0", clients: path}, &lockedWriter{w: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Stop()
	warning := "WARNING: RADIUS client 10.1.2.3/32 may send requests without a Message-Authenticator"
	if got := log.String(); strings.Count(got, warning) != 1 || strings.Contains(got, "client 127.0.0.1/32 may send") {
		t.Errorf("start: want one warning, for 10.1.2.3 only:\n%s", got)
	}
	if err := rf.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := log.String(); strings.Count(got, warning) != 2 {
		t.Errorf("reload: the warning is not repeated:\n%s", got)
	}
	write(loopback)
	if err := rf.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := log.String(); strings.Count(got, "WARNING") != 2 {
		t.Errorf("reload with the loopback line alone: a warning:\n%s", got)
	}
	// serve --check, which a sysadmin runs before a restart, says so too.
	write(loopback + "10.1.2.3 " + radiusSecret + "-2 insecure-no-message-authenticator\n")
	check := append([]string{"serve", "--check", "--socket", filepath.Join(h.dir, "v.sock"), "--radius", "127.0.0.1:1812", "--radius-clients", path},
		noSystemConfig(t, h.dir)...)
	if out, errs, code := h.exec("", check...); code != ExitOK || strings.Count(errs, warning) != 1 || strings.Contains(out, "WARNING") {
		t.Errorf("serve --check: exit %d, want the warning once on stderr\n%s%s", code, out, errs)
	}
}
