package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A password, then the code: the real pam_unix checks a password against
// /etc/shadow, then the real pam_radius_auth (Debian's libpam-radius-auth)
// asks for the code with a prompt of its own and sends it to `two-factor
// serve --radius` on loopback. pam_exec cannot do this (it is handed the
// password pam_unix read); pam_radius_auth's force_prompt asks anew.
//
// The private mount namespace of the PAM tests also gets copies of
// /etc/passwd and /etc/shadow with the test's accounts added, so the
// host's files are never touched.

const (
	radiusSecret = "loopback-secret-for-pam-logins" // the clients file and pam_radius_auth.conf
	pamPassword  = "correct horse battery staple"
	codePrompt   = "Verification code: " // pam_radius_auth adds ": " to prompt=
	// radiusTimeout is the module's wait for an answer, in seconds: small,
	// so the refusals of a verifier that does not answer are quick.
	// pam_radius_auth 2.0.0 waits at least 3 s whatever the file says
	// (measured: 3 s for 1 and for 3, 5 s for 5).
	radiusTimeout = 3
	// pamFailDelay is pam_unix's delay before any failed authentication.
	pamFailDelay = 2 * time.Second
)

// radiusAuthLine asks for the code and has the verifier check it. The
// brackets keep the prompt's blank inside one PAM argument.
const radiusAuthLine = "auth required pam_radius_auth.so conf=%s force_prompt [prompt=Verification code]\n"

// debianCommonAuth is Debian's stock /etc/pam.d/common-auth (what sshd,
// sudo and login @include), for the order README gives: the code line
// right after the include.
const debianCommonAuth = `auth	[success=1 default=ignore]	pam_unix.so nullok
auth	requisite			pam_deny.so
auth	required			pam_permit.so
`

// needPAMModule returns the path of a PAM module, or skips (fails under
// CI) when it is not installed.
func needPAMModule(t *testing.T, module, pkg string) string {
	t.Helper()
	for _, pattern := range []string{"/lib/*/security/", "/usr/lib/*/security/", "/lib/security/", "/usr/lib/security/"} {
		if found, _ := filepath.Glob(pattern + module); len(found) > 0 {
			return found[0]
		}
	}
	msg := fmt.Sprintf("the PAM module %s is not installed (apt-get install %s)", module, pkg)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// withLocalAccounts makes copies of /etc/passwd and /etc/shadow with an
// account for each user, whose password is pamPassword, and has p mount
// them over the real ones inside its namespace before pamtester runs.
func (p *pamStack) withLocalAccounts(t *testing.T, users ...string) {
	t.Helper()
	openssl := need(t, "openssl", "openssl")
	cmd := exec.Command(openssl, "passwd", "-6", "-stdin")
	cmd.Stdin = strings.NewReader(pamPassword + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl passwd: %v", err)
	}
	hash := strings.TrimSpace(string(out))
	passwd, shadow := readHostFile(t, "/etc/passwd"), readHostFile(t, "/etc/shadow")
	for i, u := range users {
		if strings.Contains("\n"+passwd, "\n"+u+":") {
			t.Fatalf("the host already has an account %s; the test needs a name of its own", u)
		}
		passwd += fmt.Sprintf("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin\n", u, 64100+i, 64100+i)
		shadow += fmt.Sprintf("%s:%s:19000:0:99999:7:::\n", u, hash)
	}
	pf, sf := filepath.Join(p.dir, "passwd"), filepath.Join(p.dir, "shadow")
	if err := os.WriteFile(pf, []byte(passwd), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sf, []byte(shadow), 0o600); err != nil {
		t.Fatal(err)
	}
	p.wrap = []string{"sh", "-c", `set -e; mount --bind "$1" /etc/passwd; mount --bind "$2" /etc/shadow; shift 2; exec "$@"`, "sh", pf, sf}
}

// withDevLog gives the C modules of the stack (pam_unix, pam_radius_auth)
// the test's system log inside p's namespace. glibc's syslog() writes to
// /dev/log only, which a container may not have (the helper, in Go, also
// looks at /var/run/syslog): then a private /dev is mounted, its entries
// links to the real ones, plus /dev/log to the test's log socket (a
// dangling /dev/log link, journald not running, is replaced).
func (p *pamStack) withDevLog() {
	const script = `set -e
if [ ! -e /dev/log ]; then
	mkdir /var/run/realdev
	mount --rbind /dev /var/run/realdev
	mount -t tmpfs tmpfs /dev
	for f in /var/run/realdev/* /var/run/realdev/.[!.]*; do
		if [ "${f##*/}" != log ] && { [ -e "$f" ] || [ -L "$f" ]; }; then ln -s "$f" /dev/; fi
	done
	ln -s "$1" /dev/log
fi
shift
exec "$@"`
	p.wrap = append(p.wrap, "sh", "-c", script, "sh", p.logSock)
}

// readHostFile reads a file of the host, ending in a newline.
func readHostFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// loginAs types password and then code at service's prompts, from
// 203.0.113.9, and returns pamtester's exit status and output.
func (p *pamStack) loginAs(service, user, password, code string) (int, string) {
	return p.run(service, user, "authenticate", password+"\n"+code+"\n", "rhost=203.0.113.9")
}

var radiusListening = regexp.MustCompile(`RADIUS listening on (\S+) \(udp\)`)

// radiusAddr waits for serve to say where its RADIUS listener is.
func (v *verifierProc) radiusAddr(t *testing.T) string {
	t.Helper()
	return v.awaitLog(t, radiusListening)[1]
}

// awaitLog waits up to 10 s for a line of serve's stderr matching re.
func (v *verifierProc) awaitLog(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(v.stderr.String()); m != nil {
			return m
		}
	}
	t.Fatalf("serve never logged %s:\n%s", re, v.stderr.String())
	return nil
}

// writeRADIUSClients writes the verifier's clients file: loopback, with
// the given options after the secret.
func writeRADIUSClients(t *testing.T, path string, options string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("127.0.0.1 "+radiusSecret+" "+options+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// auditEntry is one entry of `two-factor audit --json`.
type auditEntry struct {
	Actor   string `json:"actor"`
	Outcome string `json:"outcome"`
}

// verifications are user's audited verifications, newest first.
func (s *setup) verifications(t *testing.T, user string) []auditEntry {
	t.Helper()
	var es []auditEntry
	out := s.cli(t, 0, "audit", "--json", "--user", user, "--action", "device.verify")
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatalf("audit --json: %v\n%s", err, out)
	}
	return es
}

// TestPAMPasswordThenCodeOverRADIUS: the real pam_unix asks the password,
// then the real pam_radius_auth asks the code, which the verifier checks
// over loopback RADIUS with every rule of the store: right password and
// code pass; a wrong code, a replayed code and a throttled user's code
// fail; a wrong password ends the login before the code is asked, so that
// code still works afterwards; the stack as README writes it for sudo (the
// line after Debian's common-auth) behaves alike. pam_radius_auth 2.0.0
// sends no Message-Authenticator, so a clients line without
// insecure-no-message-authenticator refuses every login (and serve says
// why); a verifier that is down refuses after the module's timeout. The
// audit log names the PAM service and the remote host.
func TestPAMPasswordThenCodeOverRADIUS(t *testing.T) {
	needPAMModule(t, "pam_unix.so", "libpam-modules")
	needPAMModule(t, "pam_radius_auth.so", "libpam-radius-auth")
	s := build(t)
	s0 := nowStep() - 1 // confirming codes: the logins below use s0+1 and s0+2
	for _, u := range []string{"tfalice", "tfbob", "tfcarol"} {
		s.enrollToken(t, u, s0)
	}
	// A failure makes a device wait a minute: bob's right code after his
	// wrong one is throttled however slow this machine is.
	s.cli(t, 0, "config", "set", "throttle-factor", "60")

	clients := filepath.Join(s.dir, "radius-clients")
	writeRADIUSClients(t, clients, "") // as a remote NAS must be: Message-Authenticator required
	v := s.serve(t, "--radius", "127.0.0.1:0", "--radius-clients", clients)
	conf := filepath.Join(s.dir, "pam_radius_auth.conf")
	confText := fmt.Sprintf("%s %s %d\n", v.radiusAddr(t), radiusSecret, radiusTimeout)
	if err := os.WriteFile(conf, []byte(confText), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPAMStack(t, map[string]string{
		"tf-login":    "auth requisite pam_unix.so\n" + fmt.Sprintf(radiusAuthLine, conf) + "account required pam_permit.so\n",
		"common-auth": debianCommonAuth,
		"tf-sudo":     "@include common-auth\n" + fmt.Sprintf(radiusAuthLine, conf) + "account required pam_permit.so\n",
	})
	p.withLocalAccounts(t, "tfalice", "tfbob", "tfcarol")
	p.withDevLog()
	first, second := pamCode(t, s0+1), pamCode(t, s0+2)

	// pam_radius_auth 2.0.0 sends no Message-Authenticator: a strict line
	// drops its requests, and the login is refused.
	if st, out := p.loginAs("tf-login", "tfalice", pamPassword, first); st == 0 {
		t.Fatalf("a clients line requiring Message-Authenticator accepted pam_radius_auth's request\n%s", out)
	}
	v.awaitLog(t, regexp.MustCompile(`dropped a request from 127\.0\.0\.1 without a Message-Authenticator`))
	writeRADIUSClients(t, clients, "insecure-no-message-authenticator")
	v.cmd.Process.Signal(syscall.SIGHUP)
	v.awaitLog(t, regexp.MustCompile(`RADIUS clients reloaded`))

	// The dropped request used nothing: the same code now logs in.
	st, out := p.loginAs("tf-login", "tfalice", pamPassword, first)
	if st != 0 {
		t.Fatalf("right password and code: pamtester exit %d, want 0\n%s\nserve:\n%s", st, out, v.stderr.String())
	}
	for _, prompt := range []string{"Password: ", codePrompt} {
		if !strings.Contains(out, prompt) {
			t.Errorf("pamtester was not asked %q:\n%s", prompt, out)
		}
	}
	st, out = p.loginAs("tf-login", "tfalice", "wrong horse", second)
	if st == 0 {
		t.Fatalf("a wrong password: pamtester accepted it\n%s", out)
	}
	if strings.Contains(out, codePrompt) {
		t.Errorf("after a wrong password the code was still asked for:\n%s", out)
	}
	if st, out := p.loginAs("tf-login", "tfalice", pamPassword, second); st != 0 {
		t.Fatalf("the code typed after a wrong password, now after the right one: exit %d, want 0\n%s", st, out)
	}

	// Last for alice: a refused replay counts as a failure, and throttles.
	if st, out := p.loginAs("tf-login", "tfalice", pamPassword, second); st == 0 {
		t.Fatalf("a replayed code: pamtester accepted it\n%s", out)
	}

	wrong := pamCode(t, s0+20) // a real code of the token, far outside the window
	if st, out := p.loginAs("tf-login", "tfbob", pamPassword, wrong); st == 0 || !strings.Contains(out, "Authentication failure") {
		t.Fatalf("right password, wrong code: exit %d, want non-zero and README's \"Authentication failure\"\n%s", st, out)
	}
	if st, out := p.loginAs("tf-login", "tfbob", pamPassword, first); st == 0 {
		t.Fatalf("a throttled user's right code: pamtester accepted it\n%s", out)
	}

	// The order README gives for sudo, sshd and login.
	if st, out := p.loginAs("tf-sudo", "tfcarol", "wrong horse", first); st == 0 || strings.Contains(out, codePrompt) {
		t.Fatalf("after common-auth, a wrong password: exit %d (want non-zero), and the code must not be asked\n%s", st, out)
	}
	if st, out := p.loginAs("tf-sudo", "tfcarol", pamPassword, first); st != 0 {
		t.Fatalf("after common-auth, right password and code: exit %d, want 0\n%s", st, out)
	}

	checkAudit(t, s, "tfalice", []string{"accepted", "accepted", "rejected"}, "tf-login") // nothing for the wrong password
	checkAudit(t, s, "tfbob", []string{"rejected", "throttled"}, "tf-login")
	checkAudit(t, s, "tfcarol", []string{"accepted"}, "tf-sudo")

	// Fail closed: no verifier, no login, once the module gives up.
	v.stop(t)
	start := time.Now()
	st, out = p.loginAs("tf-login", "tfcarol", pamPassword, second)
	took := time.Since(start)
	if st == 0 {
		t.Fatalf("verifier down: pamtester accepted\n%s", out)
	}
	if !strings.Contains(out, "Authentication service cannot retrieve authentication info") {
		t.Errorf("verifier down: want PAM_AUTHINFO_UNAVAIL from pam_radius_auth:\n%s", out)
	}
	// What README says the module logs then.
	p.logged("pam_radius_auth: All RADIUS servers failed to respond")
	t.Logf("verifier down: refused after %s with the module's timeout at %d s", took.Round(100*time.Millisecond), radiusTimeout)
	// The module waits its timeout once (no retries by default), counted
	// in whole seconds of the clock, so up to one less; then pam_unix's
	// fail delay, which Linux-PAM varies by up to a quarter. A few seconds
	// of slack for a busy machine.
	least := (radiusTimeout - 1) * time.Second
	most := radiusTimeout*time.Second + pamFailDelay*5/4 + 5*time.Second
	if took < least || took > most {
		t.Errorf("verifier down: refusing took %s, want %s to %s (the module's timeout, %d s, and pam_unix's fail delay)", took, least, most, radiusTimeout)
	}
	// Neither the password nor a code reaches the system log, from any
	// module of the stack or from the verifier.
	logs := p.allLogs() + v.stderr.String()
	for what, secret := range map[string]string{"password": pamPassword, "wrong password": "wrong horse", "code": first, "second code": second, "wrong code": wrong} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s %q is in the logs:\n%s", what, secret, logs)
		}
	}
}

// checkAudit wants user's audited verifications, oldest first, to have
// the outcomes want, each from service on the test's remote host.
func checkAudit(t *testing.T, s *setup, user string, want []string, service string) {
	t.Helper()
	es := s.verifications(t, user)
	if len(es) != len(want) {
		t.Fatalf("%s: want %d audited verifications %v, got %+v", user, len(want), want, es)
	}
	actor := "radius client 127.0.0.1 (NAS-Identifier " + service + ", Calling-Station-Id 203.0.113.9)"
	for i, e := range es {
		if w := want[len(want)-1-i]; e.Outcome != w || e.Actor != actor {
			t.Errorf("%s: verification %d is %s by %q, want %s by %q", user, len(want)-i, e.Outcome, e.Actor, w, actor)
		}
	}
}
