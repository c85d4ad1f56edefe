package cli

import (
	"bytes"
	"context"
	"os"
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
