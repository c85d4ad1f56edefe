// Package e2e drives the real two-factor binary in a real terminal (tmux).
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/qrtext/qrtest"
)

// need finds a tool, skipping the test when it is missing, except under CI
// (CI=true), where .ci/run installs it and a missing one is a failure.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s is not installed (apt-get install %s); this test drives the real binary with it", tool, pkg)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// term is a tmux server of our own with one session running the console.
type term struct {
	t    *testing.T
	tmux string
	sock string
}

func (tm *term) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command(tm.tmux, append([]string{"-S", tm.sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (tm *term) screen() string { return tm.run("capture-pane", "-p", "-t", "e2e") }

// coloured captures the pane with its colours and attributes (SGR).
func (tm *term) coloured() string { return tm.run("capture-pane", "-e", "-p", "-t", "e2e") }

func (tm *term) keys(keys ...string) { tm.run(append([]string{"send-keys", "-t", "e2e"}, keys...)...) }

// waitFor polls the pane until it shows text.
func (tm *term) waitFor(text string) string {
	tm.t.Helper()
	var s string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s = tm.screen(); strings.Contains(s, text) {
			return s
		}
	}
	tm.t.Fatalf("the screen never showed %q:\n%s", text, s)
	return ""
}

type setup struct {
	bin string
	env []string
	dir string
}

// build compiles the binary and prepares a store with one user, alice,
// and the issuer "Example", all under a temporary directory.
func build(t *testing.T) *setup {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "two-factor")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	cmd.Dir = ".." // the module root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &setup{bin: bin, dir: dir, env: []string{
		"HOME=" + dir,
		"TWO_FACTOR_DB=" + filepath.Join(dir, "store.db"),
		"TWO_FACTOR_KEY_FILE=" + filepath.Join(dir, "master.key"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"PATH=" + os.Getenv("PATH"),
		"TERM=xterm-256color",
	}}
	s.cli(t, 0, "init")
	s.cli(t, 0, "user", "add", "alice")
	s.cli(t, 0, "config", "set", "issuer", "Example")
	return s
}

// cli runs the binary without a terminal and checks its exit code.
func (s *setup) cli(t *testing.T, want int, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("two-factor %v: exit %d, want %d\n%s", args, code, want, out)
	}
	return string(out)
}

// start runs the console with --theme dark in a 120×50 tmux session of
// its own.
func (s *setup) start(t *testing.T, tmux string, extraEnv ...string) *term {
	return s.startTheme(t, tmux, "dark", extraEnv...)
}

// startTheme runs the console with --theme theme.
func (s *setup) startTheme(t *testing.T, tmux, theme string, extraEnv ...string) *term {
	t.Helper()
	tm := &term{t: t, tmux: tmux, sock: filepath.Join(s.dir, "tmux.sock")}
	var script strings.Builder
	for _, e := range append(append([]string{}, s.env...), extraEnv...) {
		k, v, _ := strings.Cut(e, "=")
		fmt.Fprintf(&script, "export %s='%s'; ", k, v)
	}
	fmt.Fprintf(&script, "'%s' --theme %s 2>'%s'; echo EXIT=$?; sleep 600", s.bin, theme, filepath.Join(s.dir, "stderr"))
	tm.run("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "50", "sh", "-c", script.String())
	t.Cleanup(func() { exec.Command(tmux, "-S", tm.sock, "kill-server").Run() })
	return tm
}

// TestConsoleEnrollsScannableQR enrolls alice's authenticator app in the
// real console, decodes the QR code drawn on the terminal (its colours as
// captured) with zbarimg as a dark and as a light terminal would show it,
// and checks it holds exactly the URI on screen; confirms the enrollment
// with a code computed from it, and has `two-factor verify` accept the
// next one.
func TestConsoleEnrollsScannableQR(t *testing.T) {
	tmux := need(t, "tmux", "tmux")
	zbar := qrtest.Zbarimg(t)
	s := build(t)
	tm := s.start(t, tmux)

	tm.waitFor("1 user")
	tm.keys("n")
	tm.waitFor("Enroll a device for alice")
	tm.keys("Enter")
	screen := tm.waitFor("Code:")

	uri := parseEnrollScreen(t, screen)
	if !strings.HasPrefix(uri, "otpauth://totp/Example:alice?secret=") {
		t.Fatalf("URI on screen: %q", uri)
	}
	checkQR(t, zbar, s.dir, tm.coloured(), uri, qrtest.Both...)

	key, err := otpcore.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	step := time.Now().Unix() / key.Period
	code, _ := otpcore.HOTP(key.Algorithm, key.Secret, uint64(step), key.Digits)
	tm.keys("-l", code)
	tm.keys("Enter")
	tm.waitFor(`confirmed: alice now has TOTP app "authenticator"`)
	tm.keys("q")
	tm.waitFor("EXIT=0")

	// The confirming code moved the replay floor to its step: the code of
	// the next step (inside the default tolerance of one step) is accepted,
	// and the confirming code itself is not.
	next, _ := otpcore.HOTP(key.Algorithm, key.Secret, uint64(step+1), key.Digits)
	s.cli(t, 0, "verify", "alice", next)
	s.cli(t, 1, "verify", "alice", code)
	// The replay just counted a failure, so status may add "; throttled".
	if st := s.cli(t, 0, "status", "alice"); !strings.HasPrefix(st, "alice: enabled") {
		t.Errorf("status: %q", st)
	}
}

// TestConsoleQRNoColor: under NO_COLOR the real console writes no colour
// and draws the code for the background its theme names; it scans there,
// and after i (the key for a wrong guess) on the other background.
func TestConsoleQRNoColor(t *testing.T) {
	tmux := need(t, "tmux", "tmux")
	zbar := qrtest.Zbarimg(t)
	for _, c := range []struct {
		theme       string
		drawn, flip qrtest.Terminal
	}{{"dark", qrtest.Dark, qrtest.Light}, {"light", qrtest.Light, qrtest.Dark}} {
		t.Run(c.theme, func(t *testing.T) {
			s := build(t)
			tm := s.startTheme(t, tmux, c.theme, "NO_COLOR=1")
			tm.waitFor("1 user")
			tm.keys("n")
			tm.waitFor("Enroll a device for alice")
			tm.keys("Enter")
			uri := parseEnrollScreen(t, tm.waitFor("i inverts the code"))
			raw := tm.coloured()
			if hasColour(raw) {
				t.Fatalf("colour on a NO_COLOR screen:\n%q", raw)
			}
			checkQR(t, zbar, s.dir, raw, uri, c.drawn)
			before := tm.screen()
			tm.keys("i")
			for deadline := time.Now().Add(5 * time.Second); tm.screen() == before && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			}
			checkQR(t, zbar, s.dir, tm.coloured(), uri, c.flip)
			tm.keys("Escape")
			tm.waitFor("enrollment cancelled") // else esc and q arrive as alt+q
			tm.keys("q")
			tm.waitFor("EXIT=0")
		})
	}
}

// TestCLIEnrollQRScans runs `two-factor enroll` as a sysadmin would (its
// output to a terminal that shows it, here a pipe the test reads) and
// decodes the code it printed on a dark and a light terminal; the whole
// output up to the prompt fits 24 lines.
func TestCLIEnrollQRScans(t *testing.T) {
	zbar := qrtest.Zbarimg(t)
	s := build(t)
	out := s.cli(t, 1, "enroll", "alice") // no code typed: cancelled, nothing stored
	prompt := strings.Index(out, "Enter the code")
	if prompt < 0 {
		t.Fatalf("no prompt:\n%s", out)
	}
	if n := strings.Count(out[:prompt], "\n") + 1; n > 24 {
		t.Errorf("enroll output takes %d lines, more than a 24-line terminal:\n%s", n, out)
	}
	lines := qrtest.Lines(out)
	for _, term := range qrtest.Both {
		got, err := qrtest.Decode(t, zbar, s.dir, lines, term)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !strings.HasPrefix(got, "otpauth://totp/Example:alice?secret=") {
			t.Errorf("on a %s terminal the code holds %q", term.Name, got)
		}
	}
}

// TestConsoleShowsAnotherShellsChange: a user added with the CLI while
// the console is open appears on its list without a key press (issue 8:
// not shown 12 s later until r).
func TestConsoleShowsAnotherShellsChange(t *testing.T) {
	tmux := need(t, "tmux", "tmux")
	s := build(t)
	tm := s.start(t, tmux)
	tm.waitFor("1 user")
	s.cli(t, 0, "user", "add", "zed")
	tm.waitFor("zed")
	tm.waitFor("2 users")
	tm.keys("q")
	tm.waitFor("EXIT=0")
}

// checkQR decodes the code in a captured pane as term would show it and
// checks it holds uri.
func checkQR(t *testing.T, zbar, dir, pane, uri string, terms ...qrtest.Terminal) {
	t.Helper()
	lines := qrtest.Lines(pane)
	if len(lines) < 10 {
		t.Fatalf("no QR code on the screen:\n%s", pane)
	}
	for _, term := range terms {
		got, err := qrtest.Decode(t, zbar, dir, lines, term)
		if err != nil {
			t.Errorf("%v\nscreen:\n%s", err, pane)
			continue
		}
		if got != uri {
			t.Errorf("on a %s terminal the QR code holds %q, the screen shows %q", term.Name, got, uri)
		}
	}
}

// TestConsoleNoColor runs the console with NO_COLOR in a real terminal and
// checks that no colour reaches it while statuses still read in words.
func TestConsoleNoColor(t *testing.T) {
	tmux := need(t, "tmux", "tmux")
	s := build(t)
	s.cli(t, 0, "user", "add", "bob")
	tm := s.start(t, tmux, "NO_COLOR=1")
	tm.waitFor("2 users")
	raw := tm.coloured()
	if hasColour(raw) {
		t.Fatalf("colour on a NO_COLOR screen:\n%q", raw)
	}
	if !strings.Contains(raw, "– disabled") || !strings.Contains(raw, "› ") {
		t.Errorf("status or selection not shown in words and symbols:\n%s", raw)
	}
	tm.keys("q")
	tm.waitFor("EXIT=0")
}

// parseEnrollScreen finds the URI line on the captured screen.
func parseEnrollScreen(t *testing.T, screen string) (uri string) {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "URI: ") {
			return strings.TrimSpace(strings.TrimPrefix(l, "URI: "))
		}
	}
	t.Fatalf("no URI on the screen:\n%s", screen)
	return ""
}

// hasColour reports an SGR sequence that sets a colour.
func hasColour(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] != 0x1b || s[i+1] != '[' {
			continue
		}
		j := i + 2
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == ':') {
			j++
		}
		if j >= len(s) || s[j] != 'm' {
			continue
		}
		for _, p := range strings.FieldsFunc(s[i+2:j], func(r rune) bool { return r == ';' || r == ':' }) {
			var n int
			fmt.Sscan(p, &n)
			if n >= 30 && n <= 38 || n >= 40 && n <= 48 || n >= 90 && n <= 97 || n >= 100 && n <= 107 {
				return true
			}
		}
	}
	return false
}

// TestConsoleOpensADjangoSite: the console runs on a Django site's
// database (TWO_FACTOR_DB=django:PATH) and lists the site's users.
func TestConsoleOpensADjangoSite(t *testing.T) {
	tmux := need(t, "tmux", "tmux")
	s := build(t)
	fixture := djangofixture.New(t, s.dir, djangofixture.Schema113)
	fixture.User(t, "site-user-marta")
	site := fixture.Path
	tm := s.start(t, tmux, "TWO_FACTOR_DB=django:"+site)
	if screen := tm.waitFor("site-user-marta"); strings.Contains(screen, "alice") {
		t.Fatalf("the console shows the users of our own store, not only the site's:\n%s", screen)
	}
	tm.keys("q")
	tm.waitFor("EXIT=0")
}
