package cli

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/qrtext/qrtest"
)

// enrollScreen runs `enroll USER` with no code to type (it cancels) and
// returns what it printed up to and including the confirmation prompt.
func (h *harness) enrollScreen(user string, extra ...string) string {
	h.t.Helper()
	out, errs, code := h.exec("", append([]string{"enroll", user, "--create-user"}, extra...)...)
	if code != ExitRejected {
		h.t.Fatalf("enroll with no code: exit %d\n%s%s", code, out, errs)
	}
	i := strings.Index(out, "Enter the code")
	if i < 0 {
		h.t.Fatalf("no prompt:\n%s", out)
	}
	end := strings.IndexByte(out[i:], '\n')
	if end < 0 {
		end = len(out) - i
	}
	return out[:i+end]
}

// screenLines is how many lines of an 80-column terminal text takes.
func screenLines(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n += max(1, (ansi.StringWidth(l)+79)/80)
	}
	return n
}

// printedSecret is the secret the enroll output shows.
func printedSecret(t *testing.T, out string) []byte {
	t.Helper()
	_, rest, ok := strings.Cut(ansi.Strip(out), "Secret: ")
	if !ok {
		t.Fatalf("no secret in:\n%s", out)
	}
	line, _, _ := strings.Cut(rest, "\n")
	s, err := otpcore.DecodeBase32(strings.ReplaceAll(line, " ", ""))
	if err != nil {
		t.Fatalf("secret %q: %v", line, err)
	}
	return s
}

// checkScans decodes the QR code in out on each terminal background and
// checks it holds the key whose secret out prints.
func checkScans(t *testing.T, out string, terms ...qrtest.Terminal) {
	t.Helper()
	zbar := qrtest.Zbarimg(t)
	lines := qrtest.Lines(out)
	if len(lines) < 10 {
		t.Fatalf("no QR code in:\n%s", out)
	}
	secret := printedSecret(t, out)
	for _, term := range terms {
		got, err := qrtest.Decode(t, zbar, t.TempDir(), lines, term)
		if err != nil {
			t.Errorf("%v\n%s", err, out)
			continue
		}
		k, err := otpcore.ParseURI(got)
		if err != nil || string(k.Secret) != string(secret) || k.Account != "alice" || k.Issuer != "Example" {
			t.Errorf("on a %s background the code holds %q (%v), not alice's key", term.Name, got, err)
		}
	}
}

// TestEnrollQRScansOnAnyBackground: with colour allowed the code is drawn
// in explicit black and white, so it scans on a dark and a light terminal
// alike (issue 8: drawn for dark only, it read inverted on light ones).
func TestEnrollQRScansOnAnyBackground(t *testing.T) {
	h := newHarness(t)
	h.run("config", "set", "issuer", "Example")
	checkScans(t, h.enrollScreen("alice"), qrtest.Both...)
}

// TestEnrollQRNoColour: under NO_COLOR no colour is written; the code is
// drawn for the background --theme names (dark unless told light), and
// the output says so.
func TestEnrollQRNoColour(t *testing.T) {
	h := newHarness(t)
	h.run("config", "set", "issuer", "Example")
	h.setenv("NO_COLOR", "1")
	for _, c := range []struct {
		theme string
		term  qrtest.Terminal
	}{{"auto", qrtest.Dark}, {"dark", qrtest.Dark}, {"light", qrtest.Light}} {
		out := h.enrollScreen("alice", "--theme", c.theme)
		if strings.Contains(out, "\x1b[") {
			t.Errorf("--theme %s: escape sequences under NO_COLOR: %q", c.theme, out)
		}
		if !strings.Contains(out, "--theme light") {
			t.Errorf("--theme %s: no word on the background it is drawn for:\n%s", c.theme, out)
		}
		checkScans(t, out, c.term)
	}
}

// TestEnrollFits24Lines: heading, code, secret and prompt fit an 80×24
// terminal, so the code's top does not scroll away (issue 8: 31 lines).
func TestEnrollFits24Lines(t *testing.T) {
	h := newHarness(t)
	h.run("config", "set", "issuer", "Example")
	if out := h.enrollScreen("alice"); screenLines(out) > 24 {
		t.Errorf("enroll takes %d lines of an 80×24 terminal:\n%s", screenLines(out), out)
	}
	if out := h.enrollScreen("alice", "--no-qr"); !strings.Contains(out, "URI:    otpauth://") {
		t.Errorf("--no-qr does not show the URI:\n%s", out)
	}
	// A long account name makes a larger code: the output says how to get
	// a smaller one.
	long := strings.Repeat("a", 60)
	h.run("user", "add", long)
	if out := h.enrollScreen(long); screenLines(out) > 24 && !strings.Contains(out, "--no-qr") {
		t.Errorf("a %d-line enrollment does not say how to fit it:\n%s", screenLines(out), out)
	}
}
