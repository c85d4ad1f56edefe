// Package e2e drives the real two-factor binary in a real terminal (tmux).
package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
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

// start runs the console in a 120×50 tmux session of its own.
func (s *setup) start(t *testing.T, tmux string, extraEnv ...string) *term {
	t.Helper()
	tm := &term{t: t, tmux: tmux, sock: filepath.Join(s.dir, "tmux.sock")}
	var script strings.Builder
	for _, e := range append(append([]string{}, s.env...), extraEnv...) {
		k, v, _ := strings.Cut(e, "=")
		fmt.Fprintf(&script, "export %s='%s'; ", k, v)
	}
	fmt.Fprintf(&script, "'%s' --theme dark 2>'%s'; echo EXIT=$?; sleep 600", s.bin, filepath.Join(s.dir, "stderr"))
	tm.run("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "50", "sh", "-c", script.String())
	t.Cleanup(func() { exec.Command(tmux, "-S", tm.sock, "kill-server").Run() })
	return tm
}

// TestConsoleEnrollsScannableQR enrolls alice's authenticator app in the
// real console, decodes the QR code drawn on the terminal with zbarimg and
// checks it holds exactly the URI on screen, confirms the enrollment with
// a code computed from it, and has `two-factor verify` accept the next one.
func TestConsoleEnrollsScannableQR(t *testing.T) {
	tmux := need(t, "tmux", "tmux")
	zbar := need(t, "zbarimg", "zbar-tools")
	s := build(t)
	tm := s.start(t, tmux)

	tm.waitFor("1 user")
	tm.keys("n")
	tm.waitFor("Enroll a device for alice")
	tm.keys("Enter")
	screen := tm.waitFor("Code:")

	uri, qr := parseEnrollScreen(t, screen)
	if !strings.HasPrefix(uri, "otpauth://totp/Example:alice?secret=") {
		t.Fatalf("URI on screen: %q", uri)
	}
	img := filepath.Join(s.dir, "qr.png")
	writeQR(t, qr, img)
	var stderr bytes.Buffer
	zcmd := exec.Command(zbar, "--raw", "-q", img)
	zcmd.Stderr = &stderr // zbarimg may chatter about D-Bus there
	out, err := zcmd.Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the QR code drawn on screen: %v\n%s\nscreen:\n%s", err, stderr.Bytes(), screen)
	}
	if got := strings.TrimRight(string(out), "\n"); got != uri {
		t.Fatalf("the QR code holds %q, the screen shows %q", got, uri)
	}

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
	if st := s.cli(t, 0, "status", "alice"); strings.TrimSpace(st) != "alice: enabled" {
		t.Errorf("status: %q", st)
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
	raw := tm.run("capture-pane", "-e", "-p", "-t", "e2e")
	if hasColour(raw) {
		t.Fatalf("colour on a NO_COLOR screen:\n%q", raw)
	}
	if !strings.Contains(raw, "– disabled") || !strings.Contains(raw, "› ") {
		t.Errorf("status or selection not shown in words and symbols:\n%s", raw)
	}
	tm.keys("q")
	tm.waitFor("EXIT=0")
}

// parseEnrollScreen finds the QR code (the block of half-block lines) and
// the URI line on the captured screen.
func parseEnrollScreen(t *testing.T, screen string) (uri string, qr []string) {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		switch {
		case strings.HasPrefix(l, "URI: "):
			uri = strings.TrimSpace(strings.TrimPrefix(l, "URI: "))
		case uri == "" && isQRLine(l):
			qr = append(qr, l)
		}
	}
	if uri == "" || len(qr) < 10 {
		t.Fatalf("no QR code and URI on the screen:\n%s", screen)
	}
	return uri, qr
}

func isQRLine(l string) bool {
	if strings.TrimSpace(l) == "" {
		return false
	}
	for _, r := range l {
		if r != '█' && r != '▀' && r != '▄' && r != ' ' {
			return false
		}
	}
	return true
}

// writeQR renders half-block art to a PNG. The art is drawn for a dark
// terminal: a full block is two light modules, ▀ light over dark, ▄ dark
// over light, a space two dark ones. Each module becomes 6×6 pixels, with a
// wide white margin for the decoder.
func writeQR(t *testing.T, lines []string, path string) {
	t.Helper()
	const scale, margin = 6, 8
	w := 0
	for _, l := range lines {
		w = max(w, len([]rune(l)))
	}
	h := 2 * len(lines)
	img := image.NewGray(image.Rect(0, 0, (w+2*margin)*scale, (h+2*margin)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	set := func(x, y int, light bool) {
		if light {
			return
		}
		for dy := range scale {
			for dx := range scale {
				img.SetGray((x+margin)*scale+dx, (y+margin)*scale+dy, color.Gray{})
			}
		}
	}
	for row, l := range lines {
		rs := []rune(l)
		for x := range w {
			r := ' '
			if x < len(rs) {
				r = rs[x]
			}
			top := r == '█' || r == '▀'
			bottom := r == '█' || r == '▄'
			set(x, 2*row, top)
			set(x, 2*row+1, bottom)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
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
