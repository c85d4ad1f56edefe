package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestUsageErrorKeepsItsLines: cobra's "Did you mean this?" suggestion is
// the program's own text and reads as written, not as \x0a\x09 escapes.
func TestUsageErrorKeepsItsLines(t *testing.T) {
	h := newHarness(t)
	_, errs, code := h.exec("", "statsu")
	want := "two-factor: unknown command \"statsu\" for \"two-factor\"\n\nDid you mean this?\n\tstatus\n"
	if code != ExitError || errs != want {
		t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, errs, want)
	}
	// What the administrator typed is still escaped inside it.
	if _, errs, _ := h.exec("", "sta\x1b[2Jtus"); !strings.Contains(errs, `sta\x1b[2Jtus`) {
		t.Fatalf("a typed escape sequence reached stderr raw: %q", errs)
	}
}

// TestBodyErrorsEscapeNewlines: an error from a command's own code may
// embed a name from the store, so a newline in it must not start a line.
func TestBodyErrorsEscapeNewlines(t *testing.T) {
	got := errorText(&bodyError{errors.New("token TK-1 is assigned to eve\nforged: ok")}, "token TK-1 is assigned to eve\nforged: ok")
	if got != `token TK-1 is assigned to eve\x0aforged: ok` {
		t.Fatalf("errorText = %q", got)
	}
}

// TestErrorsAsJSON: with --json a failure is one JSON object on stdout,
// {"error": {"message", "code", "kind"}}, and the exit code is unchanged.
func TestErrorsAsJSON(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		code int
		kind string
	}{
		{[]string{"statsu", "--json"}, ExitError, "usage"},
		{[]string{"device", "list", "nobody", "--json"}, ExitRejected, "not_found"},
		// An unknown user is not found whichever command names it, as the
		// README's example error says.
		{[]string{"status", "nobody", "--json"}, ExitRejected, "not_found"},
		{[]string{"disable", "nobody", "--yes", "--json"}, ExitRejected, "not_found"},
		{[]string{"user", "add", "--json", "--no-such-flag"}, ExitError, "usage"},
		{[]string{"--db", h.dir + "/missing.db", "status", "--json"}, ExitError, "environment"},
		// Flags that contradict each other are usage errors however the
		// command body finds out.
		{[]string{"export", "--plaintext", "--generate-password", "-o", h.dir + "/x", "--json"}, ExitError, "usage"},
		{[]string{"export", "--format", "csv", "-o", h.dir + "/x", "--json"}, ExitError, "usage"},
	} {
		out, errs, code := h.exec("", tc.args...)
		var j struct {
			Error struct {
				Message string `json:"message"`
				Code    int    `json:"code"`
				Kind    string `json:"kind"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil || code != tc.code || j.Error.Code != tc.code || j.Error.Kind != tc.kind || j.Error.Message == "" || errs != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q (%v); want exit %d kind %s on stdout only", tc.args, code, out, errs, err, tc.code, tc.kind)
		}
	}
}

// TestEnrollUnknownUserSaysHowToAddThem: enrolling a user not yet added
// (as README's service section once did) ends with exit 1, kind
// not_found, and the two ways on: user add or --create-user.
func TestEnrollUnknownUserSaysHowToAddThem(t *testing.T) {
	h := newHarness(t)
	_, errs, code := h.exec("", "enroll", "alice", "--no-qr")
	if code != ExitRejected || !strings.Contains(errs, `user "alice" does not exist`) ||
		!strings.Contains(errs, "two-factor user add alice") || !strings.Contains(errs, "--create-user") {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming user add and --create-user", code, errs)
	}
	out, _, code := h.exec("", "enroll", "alice", "--no-qr", "--json")
	if code != ExitRejected || !strings.Contains(out, `"kind": "not_found"`) {
		t.Fatalf("--json: exit %d, stdout %q", code, out)
	}
}
