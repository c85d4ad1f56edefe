package cli

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// lookAlikes are forms of "alice" that a person would read as the same
// name: surrounding blanks, other case, full-width and compatibility forms.
var lookAlikes = []string{
	"alice ", " alice", "\talice\u00a0", "ALICE", "Alice", "aLiCe",
	"\uff21lice",                     // full-width A
	"\uff41\uff4c\uff49\uff43\uff45", // full-width alice
	"\u24d0lice",                     // circled a
	"a\u217cice",                     // small roman numeral fifty for l
}

func userNames(t *testing.T, h *harness) []string {
	t.Helper()
	var rows []struct {
		Name string `json:"user"`
	}
	if err := json.Unmarshal([]byte(h.run("user", "list", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	return names
}

func TestLookAlikeUserNamesAreRefused(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	for _, form := range lookAlikes {
		for _, cmd := range [][]string{
			{"user", "add", form},
			{"enroll", form, "--no-qr", "--create-user"},
		} {
			out, errs, code := h.exec("123456\n", cmd...)
			if code == ExitOK {
				t.Errorf("%q: %s accepted a look-alike of alice:\n%s", form, cmd[0], out)
			}
			if strings.TrimSpace(form) != "alice" && !strings.Contains(errs, `looks like the existing user "alice"; use that name`) {
				t.Errorf("%q: %s: message does not name the existing user: %q", form, cmd[0], errs)
			}
		}
	}
	if got := userNames(t, h); len(got) != 1 || got[0] != "alice" {
		t.Fatalf("users after look-alike attempts: %q", got)
	}
}

func TestUserNamesAreNormalisedOnEveryPath(t *testing.T) {
	h := newHarness(t)
	// Stored trimmed and in NFC: "e" + combining acute becomes "é".
	h.run("user", "add", "  jose\u0301 ")
	if got := userNames(t, h); len(got) != 1 || got[0] != "jos\u00e9" {
		t.Fatalf("stored name %q, want NFC and trimmed", got)
	}
	if out, _, code := h.exec("", "user", "add", "jos\u00e9"); code == ExitOK {
		t.Fatalf("the same name in another normal form was added again: %s", out)
	}
	// Lookups take any spelling that normalises to the stored name.
	if out := h.run("status", " jose\u0301"); out != "jos\u00e9: disabled\n" {
		t.Fatalf("status by a denormalised name: %q", out)
	}
	secret := h.enroll("jose\u0301\t")
	h.now = h.now.Add(30 * time.Second)
	if out := h.run("verify", " jos\u00e9 ", totp(t, secret, h.now)); !strings.Contains(out, "accepted") {
		t.Fatalf("verify by a padded name: %q", out)
	}
	if got := userNames(t, h); len(got) != 1 {
		t.Fatalf("enroll --create-user made another user: %q", got)
	}
	audit := h.run("audit", "--json")
	if strings.Contains(audit, "jose\\u0301") || strings.Contains(audit, "jose\u0301") || strings.Contains(audit, `" jos`) {
		t.Fatalf("the audit log holds a name as typed, not as stored:\n%s", audit)
	}
}

// Look-alikes stored before names were checked (as the migration leaves
// them: the later ones without a key) are flagged in the user list.
func TestUserListFlagsLegacyLookAlikes(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	raw, err := sql.Open("sqlite", h.env("TWO_FACTOR_DB"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("INSERT INTO users(name, created_at) VALUES ('ALICE', 1)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	out := h.run("user", "list")
	if !strings.Contains(out, "ALICE") || strings.Count(out, "looks like another user") != 1 {
		t.Fatalf("user list:\n%s", out)
	}
	if js := h.run("user", "list", "--json"); strings.Count(js, `"look_alike": true`) != 1 {
		t.Fatalf("user list --json:\n%s", js)
	}
}
