package db

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// sqlite3Tool is the real sqlite3 command-line tool, as an attacker with
// the file would use it. With CI=true it must be installed.
func sqlite3Tool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sqlite3 is not installed (Debian package sqlite3); CI needs it")
		}
		t.Skip("sqlite3 is not installed (Debian package sqlite3); skipping the tampering test")
	}
	return p
}

// tamper drops the guarding triggers and runs sql against the store file
// with the sqlite3 tool.
func tamper(t *testing.T, path, sql string) {
	t.Helper()
	script := "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;\n" + sql
	out, err := exec.Command(sqlite3Tool(t), path, script).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 %q: %v\n%s", sql, err, out)
	}
}

func mustVerify(t *testing.T, s *SQLite) AuditVerification {
	t.Helper()
	v, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// seedAuditLog writes n audited changes (user adds) after an enrollment.
func seedAuditLog(t *testing.T, s *SQLite, n int) {
	t.Helper()
	addTOTP(t, s, "alice", "phone", seed)
	for i := range n {
		if _, err := s.AddUser(ctx, "tester", fmt.Sprintf("user%d", i)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditTamperingWithSqlite3IsDetected(t *testing.T) {
	cases := []struct {
		name, sql string
		wantID    int64
		wantText  string
	}{
		{"delete a row", "DELETE FROM audit WHERE id = 4;", 5, "entry 4 before entry 5 is missing"},
		{"delete the oldest rows", "DELETE FROM audit WHERE id <= 2;", 3, "entries 1-2 before entry 3 are missing"},
		{"edit a row", "UPDATE audit SET actor = 'someone-else' WHERE id = 3;", 3, "entry 3 does not match"},
		{"edit a time", "UPDATE audit SET at = at - 86400000 WHERE id = 6;", 6, "entry 6 does not match"},
		{"strip a MAC", "UPDATE audit SET mac = NULL WHERE id = 5;", 5, "entry 5 has lost its MAC"},
		{"swap two rows", "UPDATE audit SET id = -1 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = 4; UPDATE audit SET id = 4 WHERE id = -1;", 3, "entry 3 does not match"},
		{"cut off the newest rows", "DELETE FROM audit WHERE id >= 6;", 7, "entries 6-7 after entry 5 are missing"},
		{"add a forged row", "INSERT INTO audit(id, at, actor, action, outcome, mac) VALUES (8, 0, 'x', 'user.add', 'ok', x'00');", 8, "entry 8"},
		{"add a row without MAC in the middle", "UPDATE audit SET id = -id WHERE id >= 5; UPDATE audit SET id = 1 - id WHERE id < 0; INSERT INTO audit(id, at, actor, action) VALUES (5, 0, 'x', 'user.add');", 5, "entry 5 has lost its MAC"},
		{"forge the head", "UPDATE meta SET value = '5 00 00' WHERE key = 'audit_head';", 0, "chain head"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			s := f.open(t)
			seedAuditLog(t, s, 5) // rows 1 (user.add alice) .. 7
			if v := mustVerify(t, s); !v.Intact || v.Checked != 7 || v.Head != 7 {
				t.Fatalf("untouched log: %+v %+v", v, v.Problem)
			}
			tamper(t, f.dbPath, c.sql)
			v := mustVerify(t, s)
			if v.Intact || v.Problem == nil {
				t.Fatalf("tampering (%s) went unnoticed: %+v", c.sql, v)
			}
			if v.Problem.ID != c.wantID || !strings.Contains(v.Problem.Problem, c.wantText) {
				t.Fatalf("problem %+v, want entry %d and %q", v.Problem, c.wantID, c.wantText)
			}
		})
	}
}

// TestAuditChainHoldsOverRandomOperations runs random sequences of
// audited changes, rekeys, prunes, keyless writes and reopenings through
// the real store: the chain verifies after every step, and one edited row
// at a random place is always found.
func TestAuditChainHoldsOverRandomOperations(t *testing.T) {
	seedVal := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seedVal)
	rng := rand.New(rand.NewPCG(seedVal, 0))
	for round := range 4 {
		f := newFixture(t)
		s := f.open(t)
		clock := time.Unix(1_800_000_000, 0)
		s.now = func() time.Time { return clock }
		users := 0
		for step := range 30 {
			clock = clock.Add(time.Duration(rng.IntN(3600)) * time.Second)
			switch op := rng.IntN(10); {
			case op < 4:
				users++
				if _, err := s.AddUser(ctx, "tester\x1b]0;x\a", fmt.Sprintf("u%d", users)); err != nil {
					t.Fatal(err)
				}
			case op < 6:
				users++
				addTOTP(t, s, fmt.Sprintf("u%d", users), "phone", seed)
			case op == 6:
				if _, err := os.Stat(f.keyPath); err != nil {
					continue // nothing to rekey before the first keyed change
				}
				if err := s.Rekey(ctx, "tester"); err != nil {
					t.Fatal(err)
				}
			case op == 7:
				if _, err := s.PruneAudit(ctx, "tester", clock.Add(-time.Duration(rng.IntN(7200))*time.Second)); err != nil {
					t.Fatal(err)
				}
			case op == 8:
				// A writer without a key file leaves pending rows.
				k, err := Open(ctx, f.dbPath, Options{})
				if err != nil {
					t.Fatal(err)
				}
				users++
				if _, err := k.AddUser(ctx, "keyless", fmt.Sprintf("u%d", users)); err != nil {
					t.Fatal(err)
				}
				k.Close()
			default:
				s.Close()
				s = f.open(t)
				s.now = func() time.Time { return clock }
			}
			if v := mustVerify(t, s); !v.Intact {
				t.Fatalf("round %d step %d: intact chain reported broken: %+v", round, step, v.Problem)
			}
		}
		if _, err := s.AddUser(ctx, "tester", "last"); err != nil { // chains any pending rows
			t.Fatal(err)
		}
		var lo, hi int64
		s.db.QueryRow("SELECT min(id), max(id) FROM audit").Scan(&lo, &hi)
		victim := lo + rng.Int64N(hi-lo+1)
		tamper(t, f.dbPath, fmt.Sprintf("UPDATE audit SET detail = detail || '.' WHERE id = %d;", victim))
		if v := mustVerify(t, s); v.Intact || v.Problem.ID != victim {
			t.Fatalf("round %d: edited entry %d, verify says %+v %+v", round, victim, v, v.Problem)
		}
	}
}

func TestAuditRowsWithoutKeyAreChainedWhenTheKeyAppears(t *testing.T) {
	f := newFixture(t)
	k, err := Open(ctx, f.dbPath, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"alice", "bob"} {
		if _, err := k.AddUser(ctx, "tester", n); err != nil {
			t.Fatal(err)
		}
	}
	k.Close()
	s := f.open(t)
	if v := mustVerify(t, s); !v.Intact || v.Pending != 2 || v.Checked != 0 {
		t.Fatalf("keyless rows: %+v", v)
	}
	if _, err := s.AddUser(ctx, "tester", "carol"); err != nil { // creates the key, chains all
		t.Fatal(err)
	}
	if v := mustVerify(t, s); !v.Intact || v.Pending != 0 || v.Checked != 3 {
		t.Fatalf("after the first keyed write: %+v %+v", v, v.Problem)
	}
	if _, err := os.Stat(f.keyPath); err != nil {
		t.Fatalf("the first audited change should create the master key: %v", err)
	}
	tamper(t, f.dbPath, "UPDATE audit SET user_name = 'mallory' WHERE id = 1;")
	if v := mustVerify(t, s); v.Intact || v.Problem.ID != 1 {
		t.Fatalf("edit of a once-pending row: %+v", v)
	}
}

func TestAuditChainCoversStoreMigratedFromSchema3(t *testing.T) {
	f := newFixture(t)
	raw, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(migrations[:3:3], "PRAGMA user_version = 3", "PRAGMA application_id = 843465027",
		"INSERT INTO users(name, created_at) VALUES ('alice', 1)",
		"INSERT INTO audit(at, actor, action, user_name, outcome) VALUES (1, 'root', 'user.add', 'alice', 'ok')",
		"INSERT INTO audit(at, actor, action, user_name, outcome) VALUES (2, 'root', 'user.add', 'bob', 'ok')") {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	raw.Close()
	s := f.open(t)
	if v := mustVerify(t, s); !v.Intact || v.Pending != 2 {
		t.Fatalf("migrated rows before any key: %+v", v)
	}
	addTOTP(t, s, "alice", "phone", seed)
	if v := mustVerify(t, s); !v.Intact || v.Pending != 0 || v.Checked != 3 {
		t.Fatalf("migrated rows after a keyed write: %+v %+v", v, v.Problem)
	}
	if _, err := s.db.Exec("DELETE FROM audit WHERE id = 1"); err == nil {
		t.Fatal("the delete trigger let a chained row go")
	}
	tamper(t, f.dbPath, "DELETE FROM audit WHERE id = 2;")
	if v := mustVerify(t, s); v.Intact || v.Problem.ID != 3 {
		t.Fatalf("deleted migrated row: %+v", v)
	}
}

func TestAuditPruneKeepsTheRestVerifiable(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	clock := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return clock }
	for i := range 6 {
		clock = clock.Add(24 * time.Hour)
		if _, err := s.AddUser(ctx, "tester", fmt.Sprintf("u%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneAudit(ctx, "tester", clock.Add(-48*time.Hour)) // keeps the last 2 days
	if err != nil || n != 3 {
		t.Fatalf("prune: %d %v", n, err)
	}
	v := mustVerify(t, s)
	if !v.Intact || v.Start != 3 || v.Checked != 4 {
		t.Fatalf("after prune: %+v %+v", v, v.Problem)
	}
	got, _ := s.Audit(ctx, AuditFilter{Action: "audit.prune"})
	if len(got) != 1 || !strings.Contains(got[0].Detail, "3 entries") {
		t.Fatalf("prune is not audited: %+v", got)
	}
	// The remaining oldest row cannot be removed without notice either.
	tamper(t, f.dbPath, "DELETE FROM audit WHERE id = 4;")
	if v := mustVerify(t, s); v.Intact || v.Problem.ID != 5 {
		t.Fatalf("deleting the first row after the anchor: %+v", v)
	}
	// A log that fails verification is not pruned: the evidence stays.
	if _, err := s.PruneAudit(ctx, "tester", clock); err == nil || !strings.Contains(err.Error(), "nothing pruned") {
		t.Fatalf("prune of a tampered log: %v", err)
	}
}

func TestAuditActorStoredSanitised(t *testing.T) {
	s := newFixture(t).open(t)
	if _, err := s.AddUser(ctx, "eve\x1b]0;pwned\a\u009b"+strings.Repeat("x", 1000), "alice"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Audit(ctx, AuditFilter{})
	a := got[0].Actor
	if strings.ContainsAny(a, "\x1b\a\u009b") || len(a) > maxActorLen+3 || !strings.HasPrefix(a, `eve\x1b]0;pwned\x07\u009b`) {
		t.Fatalf("actor stored as %q", a)
	}
}

// A rekey changes the MAC key: entries MACed under retired keys still
// verify, and editing one is still found.
func TestAuditChainVerifiableAcrossRekeys(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	seedAuditLog(t, s, 2)
	for range 2 {
		if err := s.Rekey(ctx, "tester"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddUser(ctx, "tester", fmt.Sprintf("after%d", time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	// A fresh process, with only the current key file.
	s.Close()
	s = f.open(t)
	if v := mustVerify(t, s); !v.Intact || v.Checked != 8 {
		t.Fatalf("after two rekeys: %+v %+v", v, v.Problem)
	}
	tamper(t, f.dbPath, "UPDATE audit SET outcome = 'x' WHERE id = 2;")
	if v := mustVerify(t, s); v.Intact || v.Problem.ID != 2 {
		t.Fatalf("edit under a retired key: %+v", v)
	}
}

// Verifying while another process writes (the verifier logging logins)
// reads the head and the rows from one snapshot: a row committed between
// the two reads is not taken for one inserted behind the head's back.
func TestVerifyAuditWhileWriting(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	writer, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, BusyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if _, err := writer.AddUser(ctx, "tester", "first"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := writer.AddUser(ctx, "tester", fmt.Sprintf("user%d", i)); err != nil {
				done <- err
				return
			}
		}
	}()
	for range 300 {
		v, err := s.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Intact {
			close(stop)
			<-done
			t.Fatalf("verify during writes reported tampering: %+v", v.Problem)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
