package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sqlite3 runs the real sqlite3 tool on the harness's store after dropping
// the audit triggers, as an attacker with the file would. With CI=true a
// missing tool fails the test.
func (h *harness) sqlite3(script string) {
	h.t.Helper()
	p, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			h.t.Fatal("sqlite3 is not installed (Debian package sqlite3); CI needs it")
		}
		h.t.Skip("sqlite3 is not installed (Debian package sqlite3); skipping")
	}
	script = "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;\n" + script
	if out, err := exec.Command(p, filepath.Join(h.dir, "store.db"), script).CombinedOutput(); err != nil {
		h.t.Fatalf("sqlite3: %v\n%s", err, out)
	}
}

type verifyJSON struct {
	Intact  bool `json:"intact"`
	Checked int  `json:"checked"`
	Problem *struct {
		ID      int64  `json:"id"`
		Problem string `json:"problem"`
	} `json:"problem"`
}

func (h *harness) auditVerify() (verifyJSON, string, int) {
	h.t.Helper()
	human, _, code := h.exec("", "audit", "verify")
	out, _, jcode := h.exec("", "audit", "verify", "--json")
	var v verifyJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil || jcode != code {
		h.t.Fatalf("audit verify --json (exit %d vs %d): %v\n%s", jcode, code, err, out)
	}
	return v, human, code
}

func TestAuditVerifyCommandNamesTheTamperedEntry(t *testing.T) {
	for _, c := range []struct {
		name, sql string
		id        int64
	}{
		{"deleted", "DELETE FROM audit WHERE id = 2;", 3},
		{"edited", "UPDATE audit SET outcome = 'ok' WHERE action = 'device.verify' AND outcome != 'ok';", 0},
		{"reordered", "UPDATE audit SET id = -1 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = -1;", 2},
		{"truncated", "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit);", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.run("user", "add", "bob")
			h.enroll("alice")
			h.exec("", "verify", "alice", "000000")
			h.run("user", "add", "carol")
			v, human, code := h.auditVerify()
			if code != ExitOK || !v.Intact || !strings.Contains(human, "audit log intact") {
				t.Fatalf("untouched log: exit %d %+v\n%s", code, v, human)
			}
			var last int64
			if c.id == 0 {
				last = int64(v.Checked)
			}
			h.sqlite3(c.sql)
			v, human, code = h.auditVerify()
			if code != ExitRejected || v.Intact || v.Problem == nil {
				t.Fatalf("tampering went unnoticed: exit %d %+v\n%s", code, v, human)
			}
			want := c.id
			if want == 0 { // the edited verify row, or the cut-off newest one
				want = v.Problem.ID
				if c.name == "truncated" && want != last {
					t.Fatalf("truncation blamed on entry %d, want %d", want, last)
				}
			}
			if v.Problem.ID != want || !strings.Contains(human, "TAMPERED") || !strings.Contains(human, "entry") {
				t.Fatalf("got %+v, want entry %d\n%s", v.Problem, want, human)
			}
		})
	}
}

func TestAuditPruneCommandKeepsTheChainVerifiable(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "bob")
	h.enroll("alice")
	h.now = h.now.Add(48 * time.Hour)
	h.run("user", "add", "carol")
	day := h.now.Add(-24 * time.Hour).Local().Format("2006-01-02")
	out := h.run("audit", "prune", "--before", day)
	if !strings.Contains(out, "pruned") {
		t.Fatalf("prune: %s", out)
	}
	if _, _, code := h.exec("", "audit", "prune", "--before", "yesterday"); code != ExitError {
		t.Fatalf("a bad date: exit %d", code)
	}
	v, human, code := h.auditVerify()
	if code != ExitOK || !v.Intact || !strings.Contains(human, "pruned") {
		t.Fatalf("after prune: exit %d %+v\n%s", code, v, human)
	}
	log := h.run("audit", "--action", "audit.prune")
	if !strings.Contains(log, "audit.prune") || strings.Contains(h.run("audit"), "bob") {
		t.Fatalf("prune not audited, or old entries kept:\n%s", log)
	}
}
