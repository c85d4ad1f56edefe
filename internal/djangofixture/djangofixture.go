// Package djangofixture is test support for issue 11: a Django site's
// database made from the schema dumps in db/testdata/django (written by
// real Django migrations, see the README there), loaded with the same
// pure-Go SQLite driver the store uses, so no Python is needed; and a
// plain connection to it that stands in for Django's ORM, to seed rows as
// Django writes them and to inspect what two-factor wrote.
//
// Tests that need Django itself (its verify_token, its management
// commands) use internal/djangosite instead.
package djangofixture

import (
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	_ "modernc.org/sqlite" // the driver the store uses
)

// The schema dumps.
const (
	// Schema113 is what Debian's django-otp 1.1.3 migrations create.
	Schema113 = "otp-1.1.3.sql"
	// Schema17 has django-otp 1.7's created_at/last_used_at columns and
	// django-two-factor-auth's two_factor_phonedevice table.
	Schema17 = "otp-1.7-with-phone.sql"
)

// Schemas are every dump, for tests that run on each.
var Schemas = []string{Schema113, Schema17}

// Path is db/testdata/django/name in this module's source tree, wherever
// the test runs from.
func Path(t testing.TB, name string) string {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("djangofixture: cannot locate the source tree")
	}
	return filepath.Join(filepath.Dir(self), "..", "..", "db", "testdata", "django", name)
}

// Load makes dir/db.sqlite3 (dir "" means a fresh t.TempDir()) from the
// schema dump and returns its path.
func Load(t testing.TB, dir, schema string) string {
	t.Helper()
	dump, err := os.ReadFile(Path(t, schema))
	if err != nil {
		t.Fatal(err)
	}
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "db.sqlite3")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(string(dump)); err != nil {
		t.Fatalf("loading %s: %v", schema, err)
	}
	return path
}

// Site is a Django site's database and a connection of its own to it:
// what Django's process holds.
type Site struct {
	Path string
	DB   *sql.DB
}

// New loads schema into dir (as Load) and opens it.
func New(t testing.TB, dir, schema string) *Site {
	t.Helper()
	return Open(t, Load(t, dir, schema))
}

// Open connects to the Django database at path as Django does on SQLite
// (foreign keys on), waiting for a lock rather than failing at once, as a
// Django login would under load. Closed when the test ends.
func Open(t testing.TB, path string) *Site {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(20000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return &Site{Path: path, DB: raw}
}

// Exec runs a statement and returns the id of the row it inserted, if any.
func (s *Site) Exec(t testing.TB, q string, args ...any) int64 {
	t.Helper()
	res, err := s.DB.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

// Count runs a query whose one row is one number.
func (s *Site) Count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// User inserts an active auth_user with an unusable password, as
// Django's createuser without one would, and returns its id.
func (s *Site) User(t testing.TB, name string) int64 {
	t.Helper()
	return s.Exec(t, `INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
		VALUES ('!x', NULL, 0, ?, '', '', '', 0, 1, '2026-01-01 00:00:00')`, name)
}

// TOTP inserts a TOTP device as Django's ORM would (every column given,
// django-otp's defaults: step 30, 6 digits, tolerance 1, no floor yet).
func (s *Site) TOTP(t testing.TB, user int64, name string, confirmed bool, key []byte) int64 {
	t.Helper()
	return s.Exec(t, `INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count, throttling_failure_timestamp)
		VALUES (?, ?, ?, 30, 0, 6, 1, 0, -1, ?, 0, NULL)`, name, confirmed, hex.EncodeToString(key), user)
}

// HOTP inserts a confirmed HOTP device with django-otp's defaults.
func (s *Site) HOTP(t testing.TB, user int64, name string, key []byte) int64 {
	t.Helper()
	return s.Exec(t, `INSERT INTO otp_hotp_hotpdevice (name, confirmed, key, digits, tolerance, counter, user_id, throttling_failure_count, throttling_failure_timestamp)
		VALUES (?, 1, ?, 6, 5, 0, ?, 0, NULL)`, name, hex.EncodeToString(key), user)
}

// Static inserts a confirmed static device with its tokens.
func (s *Site) Static(t testing.TB, user int64, name string, tokens ...string) int64 {
	t.Helper()
	id := s.Exec(t, `INSERT INTO otp_static_staticdevice (name, confirmed, user_id, throttling_failure_count, throttling_failure_timestamp)
		VALUES (?, 1, ?, 0, NULL)`, name, user)
	for _, tok := range tokens {
		s.Exec(t, `INSERT INTO otp_static_statictoken (token, device_id) VALUES (?, ?)`, tok, id)
	}
	return id
}
