package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// File names are outside text too (a directory another user created, a
// script's variable): init, export and the readable-password warning show
// them escaped, like every name from the store.
func TestFileNamesReachTheTerminalEscaped(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.dir, "d\x1b]0;pwned\x07\u009b2J\u202e") // a file name holds no NUL or /
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, errs, code := h.exec("", "--db", filepath.Join(dir, "s.db"), "--key-file", filepath.Join(dir, "k"), "init")
	if bad := terminalDanger(out + errs); code != ExitOK || bad != "" {
		t.Fatalf("init in a hostile directory: exit %d, output holds %s\n%s%s", code, bad, out, errs)
	}
	h.enroll("alice")
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = h.exec("", "export", "--password-file", pw, "-o", filepath.Join(dir, "export.pskc"))
	if bad := terminalDanger(out + errs); code != ExitOK || bad != "" {
		t.Fatalf("export with hostile file names: exit %d, output holds %s\n%s%s", code, bad, out, errs)
	}
}
