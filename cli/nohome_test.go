package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWithoutHomeNoStoreIsCreatedInTheWorkingDirectory runs commands with
// no HOME, no XDG directories and no --db, as PAM or systemd start a
// process: they must refuse, naming the way out, and leave the working
// directory empty (they used to create ./.local/share/two-factor/).
func TestWithoutHomeNoStoreIsCreatedInTheWorkingDirectory(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	for _, args := range [][]string{{"init"}, {"status"}, {"verify", "alice", "123456"}} {
		var out, errs bytes.Buffer
		code := Execute(context.Background(), args, Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs,
			Getenv: func(string) string { return "" },
		})
		if code != ExitError || !strings.Contains(errs.String(), "TWO_FACTOR_DB") {
			t.Errorf("%q without HOME: exit %d, %s%s", args, code, out.String(), errs.String())
		}
	}
	if entries, _ := os.ReadDir(wd); len(entries) > 0 {
		t.Errorf("the working directory got %v", entries)
	}
}

// TestFirstUseOfTheDefaultStoreIsSaid follows README's service section:
// an administrator who runs a command as the service account without
// TWO_FACTOR_DB gets that account's default store, a new and empty one,
// instead of the verifier's. The command must say it created a store and
// where (it used to be silent, so an API token added there was refused by
// the verifier with a bare 401), and only the first time.
func TestFirstUseOfTheDefaultStoreIsSaid(t *testing.T) {
	home := t.TempDir()
	run := func(args ...string) (string, string, int) {
		var out, errs bytes.Buffer
		code := Execute(context.Background(), args, Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs,
			Getenv: func(k string) string {
				if k == "HOME" {
					return home
				}
				return ""
			},
		})
		return out.String(), errs.String(), code
	}
	store := filepath.Join(home, ".local", "share", "two-factor", "two-factor.db")
	out, errs, code := run("api-client", "add", "web01", "--json")
	if code != ExitOK || !strings.Contains(errs, "created a new, empty store "+store) || !strings.Contains(out, `"token"`) {
		t.Fatalf("first use: exit %d, stdout %q, stderr %q; want the token on stdout and the new store named on stderr", code, out, errs)
	}
	if _, errs, code := run("api-client", "list"); code != ExitOK || errs != "" {
		t.Fatalf("second use: exit %d, stderr %q; want nothing said", code, errs)
	}
	// init says what it created in its own words, once.
	home = t.TempDir()
	if out, errs, code := run("init"); code != ExitOK || strings.Contains(errs, "created a new") || !strings.Contains(out, "is ready") {
		t.Fatalf("init: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// A named store is never created by a command, so never announced.
	if _, errs, _ := run("--db", filepath.Join(home, "other.db"), "status"); strings.Contains(errs, "created") {
		t.Fatalf("a named store: stderr %q", errs)
	}
}
