package cli

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/seedfile"
)

// complete runs the shell's hidden completion request through Execute and
// returns the words offered.
func (h *harness) complete(args ...string) []string {
	h.t.Helper()
	out, errs, code := h.exec("", append([]string{"__complete"}, args...)...)
	if code != ExitOK || errs != "" && !strings.Contains(errs, "Completion ended") {
		h.t.Fatalf("__complete %q: exit %d\n%s%s", args, code, out, errs)
	}
	var words []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, ":") {
			word, _, _ := strings.Cut(line, "\t")
			words = append(words, word)
		}
	}
	return words
}

// TestCompletionOffersStoreNames: user names, the typed user's devices,
// serials, setting keys, --format and --theme values complete; a name
// holding control characters is never offered.
func TestCompletionOffersStoreNames(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "bob")
	h.tokenFixture("TK-1")
	raw, err := sql.Open("sqlite", h.env("TWO_FACTOR_DB"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("INSERT INTO users(name, created_at) VALUES (?, 0)", hostileUser); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"status", ""}, []string{"alice", "bob"}},
		{[]string{"status", "alice", "b"}, []string{"bob"}},
		{[]string{"device", "show", "alice", ""}, []string{"TK-1"}},
		{[]string{"device", "unlock", "bob", ""}, nil},
		{[]string{"verify", "alice", "--device", ""}, []string{"TK-1"}},
		{[]string{"assign", ""}, []string{"TK-1"}},
		{[]string{"assign", "TK-1", "a"}, []string{"alice"}},
		{[]string{"config", "set", "res"}, []string{"resync-window"}},
		{[]string{"import", "--format", ""}, importFormats},
		{[]string{"export", "--format", ""}, []string{"pskc", "csv"}},
		{[]string{"--theme", ""}, []string{"auto", "dark", "light", "high-contrast"}},
		{[]string{"audit", "--user", "al"}, []string{"alice"}},
	} {
		if got := h.complete(tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("complete %q = %q, want %q", tc.args, got, tc.want)
		}
	}
	for _, f := range importFormats {
		if _, err := seedfile.ParseFormat(f); err != nil {
			t.Errorf("import --format completes %q, which import refuses: %v", f, err)
		}
	}
}

// TestCompletionWithoutAStoreIsQuietAndCreatesNothing: with no store (the
// default one or --db), completion offers nothing, prints no error and
// leaves no store or key file behind.
func TestCompletionWithoutAStoreIsQuietAndCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "XDG_DATA_HOME":
			return filepath.Join(dir, "data")
		case "XDG_CONFIG_HOME":
			return filepath.Join(dir, "config")
		}
		return ""
	}
	for _, args := range [][]string{
		{"__complete", "status", ""},
		{"__complete", "device", "show", "alice", ""},
		{"__complete", "--db", filepath.Join(dir, "named.db"), "retire", ""},
	} {
		var out, errb bytes.Buffer
		code := Execute(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv, Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
		if code != ExitOK || out.String() != ":4\n" || strings.Contains(errb.String(), "two-factor:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("completion created %v in %s", entries, dir)
	}
}

// TestCompletionIsInHelp: the completion command is listed, not hidden.
func TestCompletionIsInHelp(t *testing.T) {
	h := newHarness(t)
	if out := h.run("--help"); !strings.Contains(out, "completion ") {
		t.Errorf("--help does not list completion:\n%s", out)
	}
}
