package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var backupCodeRE = regexp.MustCompile(`[a-z2-7]{5}-[a-z2-7]{5}`)

func (h *harness) backupCodes(user string) []string {
	h.t.Helper()
	codes := backupCodeRE.FindAllString(h.run("backup-codes", user), -1)
	if len(codes) != 10 {
		h.t.Fatalf("backup-codes %s printed %d codes, want 10", user, len(codes))
	}
	return codes
}

func (h *harness) codesLeft(user string) float64 {
	h.t.Helper()
	var devs []map[string]any
	if err := json.Unmarshal([]byte(h.run("device", "list", "--json", user)), &devs); err != nil {
		h.t.Fatal(err)
	}
	for _, d := range devs {
		if n, ok := d["backup_codes_left"].(float64); ok {
			return n
		}
	}
	h.t.Fatalf("%s has no backup codes device: %v", user, devs)
	return 0
}

// Regenerating replaces the per-device hashing key; the new key must be
// stored with the new codes, or no code ever verifies again.
func TestRegeneratedBackupCodesVerify(t *testing.T) {
	h := newHarness(t)
	h.enroll("alice")
	first := h.backupCodes("alice")
	second := h.backupCodes("alice")
	third := h.backupCodes("alice")
	if _, errs, code := h.exec("", "verify", "alice", third[0]); code != 0 {
		t.Fatalf("a code of the regenerated set was refused: exit %d %s", code, errs)
	}
	if _, _, code := h.exec("", "verify", "alice", third[0]); code == 0 {
		t.Fatal("a backup code was accepted twice")
	}
	for _, old := range []string{first[1], second[1]} {
		if _, _, code := h.exec("", "verify", "alice", old); code == 0 {
			t.Fatalf("a code of a replaced set (%s) was accepted", old)
		}
	}
	if got := h.codesLeft("alice"); got != 9 {
		t.Fatalf("codes left = %v, want 9", got)
	}
	h.now = h.now.Add(time.Hour) // past the throttle the refused codes earned
	if out, errs, code := h.exec("", "verify", "alice", third[9]); code != 0 {
		t.Fatalf("the last code of the set was refused: exit %d %s%s", code, out, errs)
	}
}

// An empty store file is more likely damaged than new: neither init nor
// any other command initialises it; a device is refused by name.
func TestEmptyOrSpecialStoreRefused(t *testing.T) {
	h := newHarness(t)
	empty := filepath.Join(h.dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--db", empty, "init"}, {"--db", empty, "status"}} {
		if _, errs, code := h.exec("", args...); code != ExitError || !strings.Contains(errs, "empty") || !strings.Contains(errs, "remove it") {
			t.Fatalf("%v on an empty file: exit %d %q", args, code, errs)
		}
	}
	if st, _ := os.Stat(empty); st.Size() != 0 {
		t.Fatal("the empty store file was initialised")
	}
	if _, errs, code := h.exec("", "--db", "/dev/null", "init"); code != ExitError || !strings.Contains(errs, "/dev/null is not a regular file") {
		t.Fatalf("init on /dev/null: exit %d %q", code, errs)
	}
}
