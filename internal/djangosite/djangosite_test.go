package djangosite

import (
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/otpcore"
	_ "modernc.org/sqlite"
)

// schemaOf is a database's sqlite_master: every table and index with its
// DDL, in name order.
func schemaOf(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, name, tbl, ddl string
		if err := rows.Scan(&typ, &name, &tbl, &ddl); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s on %s: %s", typ, name, tbl, ddl))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFixtureSchemaIsWhatMigrateCreates pins db/testdata/django/otp-1.1.3.sql
// to a fresh `manage.py migrate` with Debian's Django and django-otp: the
// Django backend's tests that load the fixture test the real schema.
func TestFixtureSchemaIsWhatMigrateCreates(t *testing.T) {
	migrated := schemaOf(t, FreshMigrate(t))
	fixture := schemaOf(t, LoadSQL(t, djangofixture.Path(t, djangofixture.Schema113)))
	if len(migrated) < 20 {
		t.Fatalf("a fresh migrate made only %d schema objects:\n%s", len(migrated), strings.Join(migrated, "\n"))
	}
	if strings.Join(migrated, "\n") != strings.Join(fixture, "\n") {
		t.Errorf("otp-1.1.3.sql has drifted from what migrate creates.\nmigrate:\n%s\n\nfixture:\n%s",
			strings.Join(migrated, "\n"), strings.Join(fixture, "\n"))
	}
}

// code is the RFC 6238 code of a hex key at step.
func code(t *testing.T, hexKey string, step int64, digits int) string {
	t.Helper()
	key := mustHex(t, hexKey)
	c, err := otpcore.HOTP(otpcore.SHA1, key, uint64(step), digits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex key %q: %v", s, err)
	}
	return b
}

// TestWorkerDrivesDjangoOTP: the worker's ORM calls are django-otp's own
// behaviour: a TOTP code is accepted once (last_t), a replay is refused and
// counted, match_token finds the accepting device, a static token is
// consumed.
func TestWorkerDrivesDjangoOTP(t *testing.T) {
	s := New(t)
	s.CreateUser("alice")
	totp := s.AddTOTP("alice", TOTP{})
	if len(totp.Key) != 40 || totp.Table != TOTPTable || totp.TwoFactorID() != totp.ID*10+1 {
		t.Fatalf("new TOTP device: %+v", totp)
	}
	step := time.Now().Unix() / 30
	right := code(t, totp.Key, step, 6)
	if ok, err := s.VerifyToken("alice", totp, right); err != nil || !ok {
		t.Fatalf("right code: %v %v", ok, err)
	}
	if st := s.State(totp); st.Int("last_t") < step || st.Int("throttling_failure_count") != 0 {
		t.Errorf("after a good code: %v", st.Columns)
	}
	if ok, err := s.VerifyToken("alice", totp, right); err != nil || ok {
		t.Fatalf("replayed code: %v %v", ok, err)
	}
	if st := s.State(totp); st.Int("throttling_failure_count") != 1 || st.IsNull("throttling_failure_timestamp") {
		t.Errorf("a replay counts a failure: %v", st.Columns)
	}

	static := s.AddStatic("alice", "backup", "abcdefgh", "ijklmnop")
	s.SQL(`UPDATE otp_totp_totpdevice SET throttling_failure_count = 0, throttling_failure_timestamp = NULL`)
	if got, err := s.MatchToken("alice", "ijklmnop"); err != nil || got != static.PersistentID {
		t.Fatalf("match_token with a backup code: %q %v, want %s", got, err, static.PersistentID)
	}
	if st := s.State(static); strings.Join(st.Tokens, ",") != "abcdefgh" {
		t.Errorf("the used token is consumed: %v", st.Tokens)
	}
	if got := s.Users(); strings.Join(got, ",") != "alice" {
		t.Errorf("users: %v", got)
	}
	if got := s.Devices("alice"); len(got) != 2 || got[0].Table != TOTPTable || got[1].Table != StaticTable {
		t.Errorf("devices: %+v", got)
	}
	if _, err := s.MatchToken("nobody", "123456"); err == nil || !strings.Contains(err.Error(), "DoesNotExist") {
		t.Errorf("an exception in Django comes back as an error: %v", err)
	}
}

// TestReimplementedCommandsBehaveAsRecorded: the stand-ins for
// two-factor-auth's commands print, fail and delete as the notes (§3.1)
// recorded from the real ones, both as a process and in the worker.
func TestReimplementedCommandsBehaveAsRecorded(t *testing.T) {
	s := New(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		s.CreateUser(u)
	}
	s.AddTOTP("alice", TOTP{})
	s.AddTOTP("bob", TOTP{Name: "my phone"})
	unconfirmed := s.AddTOTP("carol", TOTP{Unconfirmed: true})
	backup := s.AddStatic("carol", "backup", "aaaabbbb")

	want := CommandResult{Stdout: "alice: enabled\nbob: disabled\ncarol: disabled\n"}
	if got := s.Manage("two_factor_status", "alice", "bob", "carol"); got != want {
		t.Errorf("status: %+v, want %+v", got, want)
	}
	if got := s.Command("two_factor_status", "alice", "bob", "carol"); got != want {
		t.Errorf("status in the worker: %+v, want %+v", got, want)
	}
	stop := CommandResult{Stdout: "alice: enabled\n", Stderr: "CommandError: User \"nobody\" does not exist\n", Code: 1}
	if got := s.Manage("two_factor_status", "alice", "nobody", "bob"); got != stop {
		t.Errorf("status with an unknown user: %+v, want %+v", got, stop)
	}
	if got := s.Manage("two_factor_status"); got != (CommandResult{}) {
		t.Errorf("status without names: %+v", got)
	}
	if got := s.Manage("two_factor_disable", "carol"); got != (CommandResult{}) {
		t.Errorf("disable: %+v", got)
	}
	if !s.State(unconfirmed).Exists || s.State(backup).Exists {
		t.Errorf("disable removes confirmed devices only: unconfirmed %v, backup %v",
			s.State(unconfirmed).Exists, s.State(backup).Exists)
	}
}

// TestSchema17Site: the 1.7 schema (created_at, last_used_at, the phone
// table) still works with Django 1.1.3's ORM, which leaves the new columns
// NULL.
func TestSchema17Site(t *testing.T) {
	s := NewWith(t, Options{Schema: Schema17})
	s.CreateUser("alice")
	d := s.AddTOTP("alice", TOTP{})
	st := s.State(d)
	if _, ok := st.Columns["last_used_at"]; !ok {
		t.Fatalf("a 1.7 site's device has no last_used_at column: %v", st.Columns)
	}
	if ok, err := s.VerifyToken("alice", d, code(t, d.Key, time.Now().Unix()/30, 6)); err != nil || !ok {
		t.Fatalf("right code on a 1.7 site: %v %v", ok, err)
	}
	if rows := s.SQL(`SELECT count(*) FROM two_factor_phonedevice`); len(rows) != 1 {
		t.Errorf("phone table: %v", rows)
	}
}
