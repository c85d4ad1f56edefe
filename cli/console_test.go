package cli

import (
	"strings"
	"testing"
)

// Bare two-factor opens the console only when stdin and stdout are both
// terminals; in a pipe (or with stdin alone a terminal) it prints help.
func TestBareCommandPrintsHelpOutsideATerminal(t *testing.T) {
	h := newHarness(t)
	for _, term := range []bool{false, true} {
		h.terminal = term
		out, errs, code := h.exec("")
		if code != ExitOK || !strings.Contains(out, "Usage:") || errs != "" {
			t.Fatalf("terminal stdin %v: exit %d\n%s%s", term, code, out, errs)
		}
		if !strings.Contains(out, "--theme string") || !strings.Contains(out, "high-contrast") {
			t.Errorf("help does not describe --theme:\n%s", out)
		}
	}
}
