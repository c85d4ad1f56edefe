package cli

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/themes"
)

// tokenFixture enrolls hardware token serial for alice with a known seed.
func (h *harness) tokenFixture(serial string) {
	h.t.Helper()
	in := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n" + totp(h.t, fixtureSeed, h.now) + "\n"
	if out, errs, code := h.exec(in, "enroll", "alice", "--create-user", "--token", "--serial", serial, "--name", serial); code != ExitOK {
		h.t.Fatalf("enroll token %s: %d %s%s", serial, code, out, errs)
	}
}

// TestRetireAsksLikeDisable: retiring a token is for good, so it asks on a
// terminal and needs --yes in a script, as disable and rm do.
func TestRetireAsksLikeDisable(t *testing.T) {
	h := newHarness(t)
	h.tokenFixture("TK-1")
	if _, errs, code := h.exec("", "retire", "TK-1"); code != ExitError || !strings.Contains(errs, "--yes") {
		t.Fatalf("retire in a script without --yes: exit %d %q", code, errs)
	}
	h.terminal = true
	if out, errs, code := h.exec("n\n", "retire", "TK-1"); code != ExitRejected || !strings.Contains(out, "Retire token TK-1 for good") || !strings.Contains(errs, "nothing changed") {
		t.Fatalf("retire answered no: exit %d %q %q", code, out, errs)
	}
	if out := h.run("tokens", "--all"); !strings.Contains(out, "assigned") || strings.Contains(out, "retired") {
		t.Fatalf("the token changed although the answer was no:\n%s", out)
	}
	if _, _, code := h.exec("yes\n", "retire", "TK-1"); code != ExitOK {
		t.Fatalf("retire answered yes: exit %d", code)
	}
	h.terminal = false
	h.tokenFixture("TK-2")
	h.run("retire", "--yes", "TK-2")
	if out := h.run("tokens", "--all", "--retired"); strings.Count(out, "retired") != 2 {
		t.Fatalf("two tokens should be retired:\n%s", out)
	}
}

// TestLockoutNamesTheUnlockCommand: the lockout message gives the whole
// command to run, with the user (quoted for the shell) and the device.
func TestLockoutNamesTheUnlockCommand(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "ann smith")
	seed := []byte("12345678901234567890")
	in := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n" + totp(t, seed, h.now) + "\n"
	if _, errs, code := h.exec(in, "enroll", "ann smith", "--token", "--serial", "TK-1"); code != ExitOK {
		t.Fatal(errs)
	}
	raw, err := sql.Open("sqlite", h.env("TWO_FACTOR_DB"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var id int64
	if err := raw.QueryRow("UPDATE devices SET locked_out = 1 WHERE serial = 'TK-1' RETURNING id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	out, _, code := h.exec("", "verify", "ann smith", "123456")
	want := fmt.Sprintf("run: two-factor device unlock 'ann smith' %d\n", id)
	if code != ExitRejected || !strings.HasSuffix(out, want) {
		t.Fatalf("exit %d %q, want it to end %q", code, out, want)
	}
	// And the command as printed works.
	h.run("device", "unlock", "ann smith", fmt.Sprint(id))
}

// TestThrottleNeverSaysZeroSeconds: a wait under half a second is shown
// rounded up, not as "try again in 0s".
func TestThrottleNeverSaysZeroSeconds(t *testing.T) {
	h := newHarness(t)
	h.tokenFixture("TK-1")
	h.now = h.now.Add(5 * time.Minute)
	h.exec("", "verify", "alice", "000000") // one failure: a 1 s wait
	h.now = h.now.Add(600 * time.Millisecond)
	out, _, code := h.exec("", "verify", "alice", "000000")
	if code != ExitRejected || !strings.Contains(out, "try again in 1s") {
		t.Fatalf("exit %d %q, want \"try again in 1s\"", code, out)
	}
}

// TestAuditSinceDaysAndWeeks: --since takes days and weeks, besides Go
// durations and dates.
func TestAuditSinceDaysAndWeeks(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "old")
	h.now = h.now.Add(3 * 24 * time.Hour)
	h.run("user", "add", "new")
	for since, want := range map[string]int{"1d": 1, "2w": 2, "36h": 1, "4d": 2, h.now.Format("2006-01-02"): 1} {
		out, errs, code := h.exec("", "audit", "--since", since, "--action", "user.add")
		if code != ExitOK || strings.Count(out, "user.add") != want {
			t.Errorf("--since %s: exit %d (want %d entries)\n%s%s", since, code, want, out, errs)
		}
	}
	if _, errs, code := h.exec("", "audit", "--since", "soon"); code != ExitError || !strings.Contains(errs, "7d") {
		t.Errorf("--since soon: exit %d %q", code, errs)
	}
}

// TestThemeFromEnvironment: $TWO_FACTOR_THEME picks the console theme and
// --theme overrides it.
func TestThemeFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want themes.Name
	}{
		{"", nil, themes.Auto},
		{"light", nil, themes.Light},
		{"light", []string{"--theme", "dark"}, themes.Dark},
		{"", []string{"--theme", "high-contrast"}, themes.HighContrast},
	} {
		a := &app{env: Env{Getenv: func(k string) string {
			if k == "TWO_FACTOR_THEME" {
				return tc.env
			}
			return ""
		}}}
		root := a.rootCommand()
		if err := root.ParseFlags(tc.args); err != nil {
			t.Fatal(err)
		}
		if got, err := a.consoleTheme(root); err != nil || got != tc.want {
			t.Errorf("TWO_FACTOR_THEME=%q %q: %q %v, want %q", tc.env, tc.args, got, err, tc.want)
		}
	}
	a := &app{env: Env{Getenv: func(string) string { return "sepia" }}}
	if _, err := a.consoleTheme(a.rootCommand()); err == nil || !strings.Contains(err.Error(), "TWO_FACTOR_THEME") {
		t.Errorf("an unknown $TWO_FACTOR_THEME: %v", err)
	}
}

// TestConfirmationKeepsJSONOutputClean: with --json on a terminal the
// question goes to stderr, so stdout is the JSON document alone.
func TestConfirmationKeepsJSONOutputClean(t *testing.T) {
	h := newHarness(t)
	h.tokenFixture("TK-1")
	h.terminal = true
	out, errs, code := h.exec("y\n", "retire", "TK-1", "--json")
	if code != ExitOK || !strings.HasPrefix(out, "{") || !strings.Contains(errs, "Retire token TK-1") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
