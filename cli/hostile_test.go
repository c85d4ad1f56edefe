package cli

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/termsafe"
)

// hostile is text no terminal should ever receive raw: an OSC title
// change, a screen clear, an 8-bit CSI (U+009B), NEL (U+0085), BEL, NUL,
// DEL, a carriage return and a bidirectional override.
const hostile = "h\x1b]0;pwned\x07\x1b[2J\u009b31m\u0085\x00\x7f\r\u202e!"

const (
	hostileUser   = "mallory" + hostile
	hostileDevice = "dev" + hostile
	hostileSerial = "SN" + hostile
)

// hostileStore builds a store whose every text column a person or a seed
// file can fill holds hostile text, written straight into the file as
// another tool (or an attacker) could: user names, device names, serials,
// models, manufacturers, seed sources, settings and every audit column.
func hostileStore(t *testing.T) *harness {
	h := newHarness(t)
	h.enroll("alice")
	seed := []byte("12345678901234567890")
	for _, serial := range []string{"TK-1", "TK-2"} {
		in := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n" + totp(t, seed, h.now) + "\n"
		if out, errs, code := h.exec(in, "enroll", "alice", "--token", "--serial", serial); code != ExitOK {
			t.Fatalf("enroll token %s: %d %s%s", serial, code, out, errs)
		}
	}
	// A seed file carrying hostile text, for import (export refuses to
	// write control characters, so it is edited in).
	clean := filepath.Join(h.dir, "clean.csv")
	h.run("export", "--plaintext", "--format", "csv", "-o", clean)
	b, err := os.ReadFile(clean)
	if err != nil || !strings.Contains(string(b), "TK-1") {
		t.Fatalf("export: %v\n%s", err, b)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "hostile.csv"), []byte(strings.ReplaceAll(string(b), "TK-1", "TK-9"+hostile)), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", h.env("TWO_FACTOR_DB"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO users(name, created_at) VALUES (?, 0)", []any{hostileUser}},
		{"UPDATE devices SET model = ?, manufacturer = ?, seed_source = ?, hardware = 1, confirmed = 1, failures = 3, locked_out = 1 WHERE serial = 'TK-1'", []any{hostile, hostile, hostile}},
		{"INSERT INTO drift_samples(device_id, at, drift) SELECT id, ?, 3 FROM devices WHERE hardware = 1", []any{h.now.Add(-time.Hour).UnixMilli()}},
		{"INSERT INTO settings(key, value) VALUES ('issuer', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", []any{"Corp" + hostile}},
		{"INSERT INTO audit(at, actor, action, user_name, device_id, device_name, outcome, detail) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
			[]any{h.now.UnixMilli(), "root" + hostile, "device." + hostile, hostileUser, hostileDevice, "ok" + hostile, "detail" + hostile}},
		{`UPDATE devices SET name = ?, serial = ?, model = ?, manufacturer = ?, seed_source = ?, hardware = 1, confirmed = 1,
			user_id = (SELECT id FROM users WHERE name = ?) WHERE serial = 'TK-2'`, []any{hostileDevice, hostileSerial, hostile, hostile, hostile, hostileUser}},
	} {
		res, err := raw.Exec(q.sql, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed nothing", q.sql)
		}
	}
	return h
}

// copyTo gives a fresh harness on a copy of h's store and key, so each
// command runs against the same hostile store.
func (h *harness) copyTo(t *testing.T) *harness {
	c := &harness{t: t, dir: t.TempDir(), now: h.now, pcscSocket: h.pcscSocket}
	entries, err := os.ReadDir(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(h.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(c.dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// terminalDanger returns the first rune of s a terminal would act on:
// any C0 control but newline and tab (ESC included), DEL, any C1 control,
// bidirectional overrides. "" when s is safe.
func terminalDanger(s string) string {
	for i, r := range s {
		if r != '\n' && r != '\t' && termsafe.Unsafe(r) {
			return strconv.Quote(s[max(0, i-20):min(len(s), i+8)])
		}
	}
	return ""
}

// TestEveryCommandKeepsHostileTextOffTheTerminal runs every command of the
// tree, human and --json, against a store full of hostile text, and checks
// that nothing a terminal would act on reaches stdout or stderr.
func TestEveryCommandKeepsHostileTextOffTheTerminal(t *testing.T) {
	pristine := hostileStore(t)
	// The hostile text is there, shown escaped, in both kinds of output.
	if out := pristine.run("tokens", "--all"); !strings.Contains(out, `SNh\x1b]0;pwned\x07`) {
		t.Errorf("the hostile token is not listed escaped:\n%s", out)
	}
	if out := pristine.run("device", "list", "alice", "--json"); !strings.Contains(out, `h\u001b]0;pwned\u0007\u001b[2J\u009b31m\u0085`) {
		t.Errorf("the hostile model is not in the JSON, escaped:\n%s", out)
	}
	tree := commandTree((&app{}).rootCommand())
	var covered []string
	for _, cmd := range tree {
		path := cmd.CommandPath()
		covered = append(covered, path)
		cc, ok := commandCases[path]
		if !ok {
			t.Errorf("%q is not in commandCases: add the arguments it needs so its output is checked", path)
			continue
		}
		for _, args := range cc.argLists() {
			variants := [][]string{args}
			if cmd.Flags().Lookup("json") != nil {
				variants = append(variants, append(slices.Clone(args), "--json"))
			}
			for _, v := range variants {
				h := pristine.copyTo(t)
				full := h.expand(append(strings.Fields(path)[1:], v...))
				out, errs, code := h.exec("yes\n", full...)
				if bad := terminalDanger(out); bad != "" {
					t.Errorf("%s %q (exit %d): stdout holds %s", path, v, code, bad)
				}
				if bad := terminalDanger(errs); bad != "" {
					t.Errorf("%s %q (exit %d): stderr holds %s", path, v, code, bad)
				}
			}
		}
	}
	for path := range commandCases {
		if !slices.Contains(covered, path) {
			t.Errorf("commandCases lists %q, which is not a command any more", path)
		}
	}
}
