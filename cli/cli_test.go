package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/two-factor/two-factor/otpcore"
)

type harness struct {
	t        *testing.T
	dir      string
	now      time.Time
	terminal bool
	vars     map[string]string // more environment, set with setenv
	// pcscSocket is the pcscd the NFC commands reach: by default a
	// socket nobody listens on, so no test touches a pcscd it did not
	// start (see withPCSCD).
	pcscSocket string
}

func (h *harness) setenv(key, value string) {
	if h.vars == nil {
		h.vars = map[string]string{}
	}
	h.vars[key] = value
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, dir: t.TempDir(), now: time.Unix(1_800_000_000, 0)}
	h.run("init")
	return h
}

func (h *harness) env(key string) string {
	if v, ok := h.vars[key]; ok {
		return v // set by the test: wins over the defaults below
	}
	switch key {
	case "TWO_FACTOR_DB":
		return filepath.Join(h.dir, "store.db")
	case "TWO_FACTOR_KEY_FILE":
		return filepath.Join(h.dir, "master.key")
	case "PCSCLITE_CSOCK_NAME":
		if h.pcscSocket == "" {
			return filepath.Join(h.dir, "no-pcscd.comm")
		}
		return h.pcscSocket
	}
	return h.vars[key]
}

// exec runs the command line with stdin and returns stdout, stderr and the
// exit code.
func (h *harness) exec(stdin string, args ...string) (string, string, int) {
	return h.execIn(strings.NewReader(stdin), args...)
}

// execIn is exec with standard input read from stdin.
func (h *harness) execIn(stdin io.Reader, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := Execute(context.Background(), args, Env{
		Stdin: stdin, Stdout: &out, Stderr: &errb,
		IsTerminal: func() bool { return h.terminal },
		Now:        func() time.Time { return h.now },
		Getenv:     h.env,
	})
	return out.String(), errb.String(), code
}

func (h *harness) run(args ...string) string {
	h.t.Helper()
	out, errs, code := h.exec("", args...)
	if code != 0 {
		h.t.Fatalf("two-factor %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// enroll enrolls an app for user through the real command, answering the
// confirmation prompt with a code computed from the printed URI.
func (h *harness) enroll(user string, extra ...string) []byte {
	h.t.Helper()
	// First pass: learn the URI (cancelled with empty input: nothing stored).
	out, _, code := h.exec("", append([]string{"enroll", user, "--no-qr", "--create-user"}, extra...)...)
	if code != ExitRejected || !strings.Contains(out, "URI:") {
		h.t.Fatalf("enroll without a code should cancel with exit 1, got %d:\n%s", code, out)
	}
	// The secret is fresh each time, so answer in one go with a reader
	// that computes the code once the URI is printed.
	var stdout, stderr bytes.Buffer
	in := &codeReader{h: h, out: &stdout}
	rc := Execute(context.Background(), append([]string{"enroll", user, "--create-user"}, extra...), Env{
		Stdin: in, Stdout: &stdout, Stderr: &stderr, Now: func() time.Time { return h.now }, Getenv: h.env,
	})
	if rc != 0 || !strings.Contains(stdout.String(), "Confirmed") {
		h.t.Fatalf("enroll: exit %d\n%s%s", rc, stdout.String(), stderr.String())
	}
	return in.secret
}

// codeReader answers the confirmation prompt with the code for the secret
// the command has printed so far.
type codeReader struct {
	h      *harness
	out    *bytes.Buffer
	secret []byte
	done   bool
}

func (r *codeReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	r.secret = printedSecret(r.h.t, r.out.String()) // the QR code's output has no URI line
	r.done = true
	return copy(p, totp(r.h.t, r.secret, r.h.now)+"\n"), nil
}

func totp(t *testing.T, secret []byte, at time.Time) string {
	c, err := otpcore.HOTP(otpcore.SHA1, secret, uint64(at.Unix()/30), 6)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStatusLikeDjango(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice", "bob", "carol")
	h.enroll("alice")
	out, errs, code := h.exec("", "status", "alice", "nobody", "bob")
	if out != "alice: enabled\nbob: disabled\n" {
		t.Fatalf("status output %q", out)
	}
	if code != ExitRejected || !strings.Contains(errs, `user "nobody" does not exist`) {
		t.Fatalf("unknown user: exit %d, stderr %q", code, errs)
	}
	all := h.run("status")
	if all != "alice: enabled\nbob: disabled\ncarol: disabled\n" {
		t.Fatalf("status of all users %q", all)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(h.run("status", "--json", "alice")), &rows); err != nil || rows[0]["enabled"] != true {
		t.Fatalf("status --json: %v %v", err, rows)
	}
}

func TestVerifyExitCodes(t *testing.T) {
	h := newHarness(t)
	secret := h.enroll("alice")
	h.now = h.now.Add(30 * time.Second)
	good := totp(t, secret, h.now)
	if out, _, code := h.exec(good+"\n", "verify", "alice"); code != ExitOK || !strings.Contains(out, "accepted") {
		t.Fatalf("good code from stdin: %d %q", code, out)
	}
	if _, _, code := h.exec("", "verify", "alice", good); code != ExitRejected {
		t.Fatalf("replayed code: exit %d, want 1", code)
	}
	h.now = h.now.Add(time.Hour)
	if _, errs, code := h.exec("", "verify", "alice", "12a456"); code != ExitError || !strings.Contains(errs, "digits") {
		t.Fatalf("malformed code: exit %d %q", code, errs)
	}
	if _, _, code := h.exec("", "verify", "nobody", "123456"); code != ExitRejected {
		t.Fatalf("unknown user: exit %d", code)
	}
	spaced := totp(t, secret, h.now)
	out, _, code := h.exec("", "verify", "--json", "alice", spaced[:3]+" "+spaced[3:])
	var j map[string]any
	if code != ExitOK || json.Unmarshal([]byte(out), &j) != nil || j["outcome"] != "accepted" {
		t.Fatalf("spaced code with --json: %d %q", code, out)
	}
}

func TestDisableAsksAndIsAllOrNothing(t *testing.T) {
	h := newHarness(t)
	h.enroll("alice")
	h.enroll("bob")
	if _, errs, code := h.exec("", "disable", "alice"); code != ExitError || !strings.Contains(errs, "--yes") {
		t.Fatalf("disable without a terminal or --yes: %d %q", code, errs)
	}
	if _, errs, code := h.exec("", "disable", "--yes", "alice", "nobody"); code != ExitRejected || !strings.Contains(errs, "nothing changed") {
		t.Fatalf("disable with an unknown user: %d %q", code, errs)
	}
	if got := h.run("status", "alice"); got != "alice: enabled\n" {
		t.Fatalf("alice changed by a failed disable: %q", got)
	}
	h.terminal = true
	if out, _, code := h.exec("n\n", "disable", "alice"); code == 0 || !strings.Contains(out, "Remove every device of alice (1 device(s))?") {
		t.Fatalf("answering no: %d %q", code, out)
	}
	h.exec("yes\n", "disable", "alice", "bob")
	if got := h.run("status"); got != "alice: disabled\nbob: disabled\n" {
		t.Fatalf("after disable: %q", got)
	}
	if audit := h.run("audit", "--action", "user.disable"); strings.Count(audit, "user.disable") != 2 {
		t.Fatalf("disable not audited:\n%s", audit)
	}
}

func TestHostileNamesNeverReachTheTerminal(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	if _, errs, code := h.exec("", "user", "add", "evil\x1b]0;pwned\x07"); code == 0 || strings.Contains(errs, "\x1b") {
		t.Fatalf("adding a name with an escape: exit %d, stderr %q", code, errs)
	}
	// A name written by something else straight into the file.
	raw, err := sql.Open("sqlite", h.env("TWO_FACTOR_DB"))
	if err != nil {
		t.Fatal(err)
	}
	raw.Exec("INSERT INTO users(name, created_at) VALUES (?, 0)", "mallory\x1b[2J\x1b]0;owned\x07")
	raw.Close()
	for _, args := range [][]string{{"status"}, {"user", "list"}, {"status", "x\x1b[31m"}} {
		out, errs, _ := h.exec("", args...)
		if strings.ContainsAny(out+errs, "\x1b\x07") {
			t.Fatalf("%v wrote a control character: %q %q", args, out, errs)
		}
	}
	if out := h.run("status"); !strings.Contains(out, `mallory\x1b[2J`) {
		t.Fatalf("the hostile name should be shown escaped: %q", out)
	}
}

func TestEnrollTokenReadsSeedFromStdin(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	seed := []byte("12345678901234567890")
	b32 := otpcore.EncodeBase32(seed)
	in := b32 + "\n" + totp(t, seed, h.now) + "\n"
	out, errs, code := h.exec(in, "enroll", "alice", "--token", "--serial", "TK-001", "--model", "c200")
	if code != 0 || !strings.Contains(out, "Confirmed") {
		t.Fatalf("token enroll: %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out+errs, b32) {
		t.Fatal("the seed was echoed")
	}
	show := h.run("device", "show", "alice", "TK-001")
	for _, want := range []string{"TOTP token", "TK-001", "c200", "factory"} {
		if !strings.Contains(show, want) {
			t.Errorf("device show lacks %q:\n%s", want, show)
		}
	}
	// A malformed seed is refused without being repeated.
	out, errs, code = h.exec("NOT*BASE32\n", "enroll", "alice", "--token", "--serial", "TK-002")
	if code != ExitError || !strings.Contains(errs, "position 4") || strings.Contains(out+errs, "NOT*BASE32") {
		t.Fatalf("bad seed: %d %q %q", code, out, errs)
	}
}

func TestResyncBackupCodesDeviceCommandsAndConfig(t *testing.T) {
	h := newHarness(t)
	secret := h.enroll("alice")
	h.now = h.now.Add(time.Hour)
	c := func(drift int64) string {
		v, _ := otpcore.HOTP(otpcore.SHA1, secret, uint64(h.now.Unix()/30+drift), 6)
		return v
	}
	out := h.run("resync", "alice", c(99), c(100))
	if !strings.Contains(out, "its clock was on time, now 50 min ahead (+100 steps)") {
		t.Fatalf("resync: %q", out)
	}
	out = h.run("backup-codes", "alice")
	codes := regexp.MustCompile(`[a-z2-7]{5}-[a-z2-7]{5}`).FindAllString(out, -1)
	if len(codes) != 10 || !strings.Contains(out, "shown only now") {
		t.Fatalf("backup codes output:\n%s", out)
	}
	if _, _, code := h.exec("", "verify", "alice", codes[0]); code != 0 {
		t.Fatal("a backup code was refused")
	}
	h.run("device", "rename", "alice", "authenticator", "phone")
	h.run("device", "disable", "alice", "phone")
	if got := h.run("status", "alice"); got != "alice: disabled\n" {
		t.Fatalf("with the only app disabled: %q", got)
	}
	h.run("device", "enable", "alice", "phone")
	var devs []map[string]any
	json.Unmarshal([]byte(h.run("device", "list", "--json", "alice")), &devs)
	if len(devs) != 2 || devs[0]["name"] != "phone" || devs[0]["drift_steps"] != float64(100) {
		t.Fatalf("device list --json: %v", devs)
	}
	if strings.Contains(h.run("device", "list", "--json", "alice"), "secret") {
		t.Fatal("device JSON mentions a secret")
	}
	h.run("config", "set", "issuer", "Example Corp")
	if got := h.run("config", "get", "issuer"); got != "Example Corp\n" {
		t.Fatalf("config get: %q", got)
	}
	if _, errs, code := h.exec("", "config", "set", "tolerance", "99"); code != ExitError || !strings.Contains(errs, "tolerance") {
		t.Fatalf("bad setting: %d %q", code, errs)
	}
	h.run("device", "rm", "--yes", "alice", "phone")
	if got := h.run("status", "alice"); got != "alice: disabled\n" {
		t.Fatalf("after removing the app: %q", got)
	}
}

func TestStoreErrorsAreClear(t *testing.T) {
	h := newHarness(t)
	missing := filepath.Join(h.dir, "nope.db")
	if _, errs, code := h.exec("", "--db", missing, "status"); code != ExitError || !strings.Contains(errs, "does not exist") || !strings.Contains(errs, "init") {
		t.Fatalf("missing store: %d %q", code, errs)
	}
	junk := filepath.Join(h.dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("garbage "), 1000), 0o600)
	if _, errs, code := h.exec("", "--db", junk, "status"); code != ExitError || !strings.Contains(errs, "not a two-factor store") {
		t.Fatalf("corrupt store: %d %q", code, errs)
	}
	h.enroll("alice")
	os.Rename(h.env("TWO_FACTOR_KEY_FILE"), h.env("TWO_FACTOR_KEY_FILE")+".away")
	if _, errs, code := h.exec("", "verify", "alice", "123456"); code != ExitError || !strings.Contains(errs, "master key file is missing") {
		t.Fatalf("missing key: %d %q", code, errs)
	}
	// Status does not need the key.
	if got := h.run("status", "alice"); got != "alice: enabled\n" {
		t.Fatalf("status without the key: %q", got)
	}
}
