package e2e

import (
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// The PAM tests run the real PAM stack: pamtester (libpam) loads a service
// file that runs `two-factor pam-verify` through pam_exec.so, which asks a
// real `two-factor serve` holding a real store. pamtester reads services
// only from /etc/pam.d, so each run happens in a private mount namespace
// (unshare -m, as root) where a directory of ours is mounted there; the
// system log is a datagram socket of ours mounted where log/syslog looks
// for it. Nothing outside the namespace changes.

const pamSeed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" // base32, 160 bits

// pamCode is the seed's TOTP code for step.
func pamCode(t *testing.T, step int64) string {
	t.Helper()
	return seedCode(t, pamSeed, step)
}

// seedCode is the TOTP code of a base32 seed for step.
func seedCode(t *testing.T, seed string, step int64) string {
	t.Helper()
	secret, err := base32.StdEncoding.DecodeString(seed)
	if err != nil {
		t.Fatal(err)
	}
	code, err := otpcore.HOTP(otpcore.SHA1, secret, uint64(step), 6)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func nowStep() int64 { return time.Now().Unix() / 30 }

// enrollToken gives user a confirmed TOTP token with pamSeed, confirmed
// with the code of step (which becomes the replay floor).
func (s *setup) enrollToken(t *testing.T, user string, step int64) {
	t.Helper()
	s.enrollSeed(t, user, pamSeed, step)
}

// enrollSeed is enrollToken with a seed of the caller's.
func (s *setup) enrollSeed(t *testing.T, user, seed string, step int64) {
	t.Helper()
	cmd := exec.Command(s.bin, "enroll", user, "--token", "--no-qr", "--create-user", "--serial", "T-"+user)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(seed + "\n" + seedCode(t, seed, step) + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("enroll %s: %v\n%s", user, err, out)
	}
}

// verifierProc is a running `two-factor serve` on a socket of its own.
type verifierProc struct {
	socket  string
	cmd     *exec.Cmd
	done    chan error
	stopped bool
	stderr  lockedBuffer
}

// lockedBuffer is the verifier's stderr, readable while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve starts `two-factor serve` on a socket in s.dir, with extra flags,
// and returns once it listens.
func (s *setup) serve(t *testing.T, extra ...string) *verifierProc {
	t.Helper()
	v := &verifierProc{socket: filepath.Join(s.dir, "verify.sock"), done: make(chan error, 1)}
	// An empty --config: never the host's /etc/two-factor/serve.conf.
	conf := filepath.Join(s.dir, "serve.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	v.cmd = exec.Command(s.bin, append([]string{"serve", "--socket", v.socket, "--config", conf}, extra...)...)
	v.cmd.Env = s.env
	stderr := &v.stderr
	v.cmd.Stderr = stderr
	if err := v.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { v.done <- v.cmd.Wait() }()
	t.Cleanup(func() { v.stop(t) })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", v.socket); err == nil {
			c.Close()
			return v
		}
		select {
		case err := <-v.done:
			v.stopped = true
			t.Fatalf("two-factor serve exited: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("two-factor serve never listened on %s\n%s", v.socket, stderr.String())
		}
	}
}

// stop ends the verifier with SIGTERM, as systemd does, and waits for it.
func (v *verifierProc) stop(t *testing.T) {
	if v.stopped {
		return
	}
	v.stopped = true
	v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.done:
	case <-time.After(10 * time.Second):
		v.cmd.Process.Kill()
		<-v.done
		t.Error("two-factor serve did not stop on SIGTERM within 10 s")
	}
}

// syslogMsg is one message the helper sent to the system log.
type syslogMsg struct {
	priority int // facility<<3 | severity
	text     string
}

// pamStack is a private /etc/pam.d and system log for pamtester.
type pamStack struct {
	t         *testing.T
	pamtester string
	dir       string // pam.d/ and the sockets
	cwd       string // pamtester's (and so the helper's) working directory
	logSock   string
	// wrap runs before pamtester in the namespace, e.g. a command that
	// mounts more files and then runs its arguments.
	wrap []string
	mu   sync.Mutex
	logs []syslogMsg
}

// newPAMStack needs pamtester and unshare, and root to mount in a private
// namespace; without them it skips, or fails under CI.
func newPAMStack(t *testing.T, services map[string]string) *pamStack {
	t.Helper()
	p := &pamStack{t: t, pamtester: need(t, "pamtester", "pamtester"), dir: t.TempDir()}
	need(t, "unshare", "util-linux")
	if os.Geteuid() != 0 {
		msg := "the PAM tests mount a private /etc/pam.d with unshare -m, which needs root"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	pamd := filepath.Join(p.dir, "pam.d")
	p.cwd = filepath.Join(p.dir, "cwd")
	for _, d := range []string{pamd, p.cwd} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range services {
		if err := os.WriteFile(filepath.Join(pamd, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.logSock = filepath.Join(p.dir, "syslog.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: p.logSock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 8192)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			var m syslogMsg
			line := string(buf[:n])
			if _, err := fmt.Sscanf(line, "<%d>", &m.priority); err != nil {
				m.priority = -1
			}
			m.text = line
			p.mu.Lock()
			p.logs = append(p.logs, m)
			p.mu.Unlock()
		}
	}()
	return p
}

// nsScript mounts our pam.d on /etc/pam.d and our log socket where
// log/syslog looks for the system log (/dev/log, else /var/run/syslog: a
// fresh tmpfs on /var/run hides a journald /dev/log symlink into /run),
// then runs pamtester.
const nsScript = `set -e
mount --bind "$1" /etc/pam.d
mount -t tmpfs tmpfs /var/run
: > /var/run/syslog
mount --bind "$2" /var/run/syslog
if [ -S /dev/log ]; then mount --bind "$2" /dev/log; fi
shift 2
exec "$@"`

// run runs pamtester for service, user and operation with input on its
// standard input (what the user types), and returns its exit status and
// output. items are pamtester -I items such as rhost=203.0.113.9.
func (p *pamStack) run(service, user, op, input string, items ...string) (int, string) {
	p.t.Helper()
	args := []string{"-m", "sh", "-c", nsScript, "sh", filepath.Join(p.dir, "pam.d"), p.logSock}
	args = append(args, p.wrap...)
	args = append(args, p.pamtester, "-v")
	for _, it := range items {
		args = append(args, "-I", it)
	}
	args = append(args, service, user, op)
	cmd := exec.Command("unshare", args...)
	cmd.Dir = p.cwd
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		p.t.Fatalf("pamtester: %v\n%s", err, out)
	}
	return 0, string(out)
}

// authenticate is run for the auth stack, from 203.0.113.9.
func (p *pamStack) authenticate(service, user, code string) (int, string) {
	return p.run(service, user, "authenticate", code, "rhost=203.0.113.9")
}

// logged waits for a system-log message containing text and returns it.
func (p *pamStack) logged(text string) syslogMsg {
	p.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		p.mu.Lock()
		for _, m := range p.logs {
			if strings.Contains(m.text, text) {
				p.mu.Unlock()
				return m
			}
		}
		p.mu.Unlock()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.t.Fatalf("no system log message contains %q; got:\n%v", text, p.logs)
	return syslogMsg{}
}

func (p *pamStack) allLogs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, m := range p.logs {
		b.WriteString(m.text + "\n")
	}
	return b.String()
}

// Syslog priorities (RFC 5424): facility authpriv (10) and a severity.
const (
	authprivErr    = 10<<3 | 3
	authprivNotice = 10<<3 | 5
	authprivInfo   = 10<<3 | 6
)

// pamService is a service file whose auth stack is our helper alone, as
// the README sets up sshd for publickey,keyboard-interactive. log= makes
// pam_exec keep the helper's stderr.
func pamService(bin, socket, logFile string) string {
	return fmt.Sprintf(`auth required pam_exec.so expose_authtok quiet log=%s %s pam-verify --socket %s
account required pam_permit.so
`, logFile, bin, socket)
}

// TestPAMStackAsksTheVerifier: pamtester, through pam_exec, accepts
// alice's right code once, refuses its replay and a wrong code, refuses a
// throttled user's right code, and refuses everyone (fail closed) once the
// verifier is down, saying so in the system log (authpriv) and on stderr.
// Each outcome is also checked in the verifier's audit log, with the
// login's service and remote host as its source.
func TestPAMStackAsksTheVerifier(t *testing.T) {
	s := build(t)
	execLog := filepath.Join(s.dir, "pam_exec.log")
	var p *pamStack
	step := nowStep()
	s.enrollToken(t, "alice", step)
	s.enrollToken(t, "bob", step)
	// A failure makes a device wait a minute: long enough that bob's right
	// code below is throttled however slow this machine is.
	s.cli(t, 0, "config", "set", "throttle-factor", "60")
	v := s.serve(t)
	p = newPAMStack(t, map[string]string{"two-factor": pamService(s.bin, v.socket, execLog)})

	next := pamCode(t, step+1) // after the confirming code's step: inside the tolerance
	if st, out := p.authenticate("two-factor", "alice", next); st != 0 {
		t.Fatalf("alice's right code: pamtester exit %d, want 0\n%s\nsyslog:\n%s", st, out, p.allLogs())
	}
	if m := p.logged("accepted alice (pam two-factor from 203.0.113.9)"); m.priority != authprivInfo {
		t.Errorf("acceptance logged with priority %d, want authpriv.info (%d): %s", m.priority, authprivInfo, m.text)
	}
	if st, out := p.authenticate("two-factor", "alice", next); st == 0 {
		t.Fatalf("alice's code replayed: pamtester accepted it\n%s", out)
	}
	wrong := pamCode(t, step+20) // a real code of the token, far outside the window
	if st, out := p.authenticate("two-factor", "bob", wrong); st == 0 {
		t.Fatalf("bob's wrong code: pamtester accepted it\n%s", out)
	}
	if st, out := p.authenticate("two-factor", "bob", next); st == 0 {
		t.Fatalf("bob's right code while throttled: pamtester accepted it\n%s", out)
	}
	if m := p.logged("rejected bob (pam two-factor from 203.0.113.9): throttled"); m.priority != authprivNotice {
		t.Errorf("throttling logged with priority %d, want authpriv.notice (%d): %s", m.priority, authprivNotice, m.text)
	}

	if st, out := p.authenticate("two-factor", "carol", "not a code"); st == 0 {
		t.Fatalf("a malformed code: pamtester accepted it\n%s", out)
	}
	p.logged("rejected carol (pam two-factor from 203.0.113.9): not a one-time or backup code")

	v.stop(t)
	if st, out := p.authenticate("two-factor", "alice", pamCode(t, step+2)); st == 0 {
		t.Fatalf("verifier down: pamtester accepted\n%s", out)
	}
	m := p.logged("refused alice (pam two-factor from 203.0.113.9): verifier unreachable")
	if m.priority != authprivErr {
		t.Errorf("verifier down logged with priority %d, want authpriv.err (%d): %s", m.priority, authprivErr, m.text)
	}
	if !strings.Contains(m.text, v.socket) {
		t.Errorf("the log message does not name the socket %s: %s", v.socket, m.text)
	}
	if b, _ := os.ReadFile(execLog); !strings.Contains(string(b), "two-factor: refused alice (pam two-factor from 203.0.113.9): verifier unreachable") {
		t.Errorf("stderr (pam_exec's log) does not say the verifier is unreachable:\n%s", b)
	}

	// No code ever reaches a log.
	all := p.allLogs()
	if b, _ := os.ReadFile(execLog); strings.Contains(all+string(b), next) || strings.Contains(all+string(b), wrong) {
		t.Errorf("a code is in the logs:\n%s\n%s", all, b)
	}
	// pam_exec runs the helper with no HOME and no PATH, in the caller's
	// working directory: it must leave nothing there.
	if ents, _ := os.ReadDir(p.cwd); len(ents) != 0 {
		t.Errorf("the helper created files in its working directory: %v", ents)
	}

	audit := s.cli(t, 0, "audit", "--json")
	for _, want := range []string{`"outcome": "accepted"`, `"outcome": "throttled"`, "via pam two-factor from 203.0.113.9"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %s:\n%s", want, audit)
		}
	}
}

// TestPAMHelperOnlyInTheAuthStack: pam_exec passes the code only to the
// auth stack, so pam-verify placed in the account stack refuses (rather
// than exiting 0 and looking like protection), and says why.
func TestPAMHelperOnlyInTheAuthStack(t *testing.T) {
	s := build(t)
	v := s.serve(t)
	execLog := filepath.Join(s.dir, "pam_exec.log")
	p := newPAMStack(t, map[string]string{"misplaced": fmt.Sprintf(`auth required pam_permit.so
account required pam_exec.so quiet log=%s %s pam-verify --socket %s
`, execLog, s.bin, v.socket)})
	if st, out := p.run("misplaced", "alice", "acct_mgmt", ""); st == 0 {
		t.Fatalf("pam-verify in the account stack: pamtester exit 0\n%s", out)
	}
	want := "refused: called for PAM type account; pam-verify belongs in the auth stack only"
	if m := p.logged(want); m.priority != authprivErr {
		t.Errorf("logged with priority %d, want authpriv.err (%d): %s", m.priority, authprivErr, m.text)
	}
	if b, _ := os.ReadFile(execLog); !strings.Contains(string(b), want) {
		t.Errorf("stderr lacks %q:\n%s", want, b)
	}
}
