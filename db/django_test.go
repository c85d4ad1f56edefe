package db_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

var bg = context.Background()

// djangoEnv is a fresh Django database, our store on it, and a raw
// connection of its own on the Django file: what Django's process holds.
type djangoEnv struct {
	t     *testing.T
	path  string
	st    *db.Django
	raw   *sql.DB
	clock *servicetest.Clock
}

func newDjangoEnv(t *testing.T, schema string) *djangoEnv {
	t.Helper()
	path := djangofixture.Load(t, "", schema)
	clock := servicetest.NewClock(servicetest.Start)
	return &djangoEnv{t: t, path: path, clock: clock, st: openDjango(t, path, clock.Now), raw: djangofixture.Open(t, path).DB}
}

// forEachSchema runs a test on both django-otp schemas.
func forEachSchema(t *testing.T, test func(t *testing.T, e *djangoEnv)) {
	for _, schema := range djangofixture.Schemas {
		t.Run(schema, func(t *testing.T) { test(t, newDjangoEnv(t, schema)) })
	}
}

func (e *djangoEnv) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.raw.Exec(q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

func (e *djangoEnv) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.raw.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (e *djangoEnv) addUser(name string) db.User {
	e.t.Helper()
	u, err := e.st.AddUser(bg, "tester", name)
	if err != nil {
		e.t.Fatalf("add user %q: %v", name, err)
	}
	return u
}

func (e *djangoEnv) totp(name string, secret []byte) *devices.Device {
	return &devices.Device{Name: name, Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: secret,
		Tolerance: 1, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor, Created: e.clock.Now()}
}

func (e *djangoEnv) hotp(name string, secret []byte) *devices.Device {
	d := e.totp(name, secret)
	d.Kind, d.Step, d.Tolerance = devices.HOTP, 0, 5
	return d
}

func (e *djangoEnv) static(name string, tokens ...string) *devices.Device {
	d := &devices.Device{Name: name, Kind: devices.Backup, Enabled: true, Confirmed: true, Created: e.clock.Now()}
	for _, tok := range tokens {
		d.Codes = append(d.Codes, devices.BackupCode{Plain: tok})
	}
	return d
}

func (e *djangoEnv) add(user string, ds ...*devices.Device) error {
	return e.st.Update(bg, "tester", user, func(u *db.Unit) error {
		for _, d := range ds {
			u.Add(d)
			u.Audit("device.enroll", d, "ok", "")
		}
		return nil
	})
}

func (e *djangoEnv) mustAdd(user string, ds ...*devices.Device) {
	e.t.Helper()
	if err := e.add(user, ds...); err != nil {
		e.t.Fatalf("add devices for %s: %v", user, err)
	}
}

// fileSums fingerprints both files, to prove a refused change wrote
// nothing to either.
func (e *djangoEnv) fileSums() string {
	e.t.Helper()
	var out []string
	for _, p := range []string{e.path, db.SideFile(e.path)} {
		b, err := os.ReadFile(p)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%x", sha256.Sum256(b)))
	}
	return strings.Join(out, " ")
}

var djangoDatetime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`)

// checkDjangoLoads fails the test if a row is one Django would choke on:
// a NULL in a NOT NULL column, a key that is not hex, a datetime not in
// Django's format, a dangling foreign key.
func (e *djangoEnv) checkDjangoLoads(t *testing.T) {
	t.Helper()
	tables := []string{"auth_user", "otp_totp_totpdevice", "otp_hotp_hotpdevice", "otp_static_staticdevice", "otp_static_statictoken"}
	for _, table := range tables {
		cols, err := e.raw.Query("SELECT name, type, \"notnull\" FROM pragma_table_info(?)", table)
		if err != nil {
			t.Fatal(err)
		}
		type col struct {
			name, typ string
			notNull   bool
		}
		var cs []col
		for cols.Next() {
			var c col
			if err := cols.Scan(&c.name, &c.typ, &c.notNull); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		cols.Close()
		for _, c := range cs {
			if c.notNull {
				if n := e.count(fmt.Sprintf("SELECT count(*) FROM %s WHERE %q IS NULL", table, c.name)); n > 0 {
					t.Errorf("%s.%s: %d NULLs in a NOT NULL column", table, c.name, n)
				}
			}
			if c.typ == "datetime" {
				rows, err := e.raw.Query(fmt.Sprintf("SELECT CAST(%q AS TEXT) FROM %s WHERE %q IS NOT NULL", c.name, table, c.name))
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var s string
					rows.Scan(&s)
					if !djangoDatetime.MatchString(s) {
						t.Errorf("%s.%s = %q, not a datetime as Django writes it", table, c.name, s)
					}
				}
				rows.Close()
			}
			if c.name == "key" {
				rows, err := e.raw.Query(fmt.Sprintf("SELECT key FROM %s", table))
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var k string
					rows.Scan(&k)
					if _, err := hex.DecodeString(k); err != nil || k != strings.ToLower(k) || len(k) > 80 {
						t.Errorf("%s.key %q is not lowercase hex of at most 40 bytes", table, k)
					}
				}
				rows.Close()
			}
		}
	}
	if n := e.count("SELECT count(*) FROM pragma_foreign_key_check"); n > 0 {
		t.Errorf("%d rows with a dangling foreign key", n)
	}
	if n := e.count("SELECT count(*) FROM otp_totp_totpdevice WHERE digits NOT IN (6, 8) OR confirmed NOT IN (0, 1) OR step < 1"); n > 0 {
		t.Errorf("%d TOTP rows Django's forms would not accept", n)
	}
}

// OpenDjango refuses a database without django-otp, naming what is
// missing, and a missing side file unless asked to create it; it creates
// the side file 0600 and never changes the Django file's schema or
// journal mode.
func TestOpenDjango(t *testing.T) {
	dir := t.TempDir()
	plain := dir + "/plain.sqlite3"
	raw, err := sql.Open("sqlite", plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE auth_user (id integer PRIMARY KEY, username text)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = db.OpenDjango(bg, plain, db.Options{KeyFile: plain + ".key", Create: true})
	if !errors.Is(err, db.ErrNotDjango) || !strings.Contains(err.Error(), "table otp_totp_totpdevice is missing") ||
		!strings.Contains(err.Error(), plain+" is not a Django site's database with django-otp") || !strings.Contains(err.Error(), "INSTALLED_APPS") {
		t.Errorf("a database without django-otp: %v", err)
	}
	if _, err := os.Stat(db.SideFile(plain)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a side file was made next to a database that is not Django's: %v", err)
	}

	path := djangofixture.Load(t, "", djangofixture.Schema113)
	schemaOf := func() string {
		r, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var mode, all string
		r.QueryRow("PRAGMA journal_mode").Scan(&mode)
		r.QueryRow("SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master ORDER BY name)").Scan(&all)
		return mode + "\n" + all
	}
	before := schemaOf()
	_, err = db.OpenDjango(bg, path, db.Options{KeyFile: path + ".key"})
	if !errors.Is(err, db.ErrStoreMissing) || !strings.Contains(err.Error(), "two-factor init --django "+path) {
		t.Errorf("no side file and no Create: %v", err)
	}
	st := openDjango(t, path, time.Now)
	if _, err := st.AddUser(bg, "tester", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(bg, "tester", "alice", func(u *db.Unit) error {
		d := &devices.Device{Name: "default", Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30,
			Secret: []byte("12345678901234567890"), Tolerance: 1, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor}
		u.Add(d)
		u.RecordDrift(d, devices.DriftSample{At: time.Now(), Drift: 1})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if after := schemaOf(); after != before {
		t.Errorf("the Django database's schema or journal mode changed:\n%s\nwas\n%s", after, before)
	}
	fi, err := os.Stat(db.SideFile(path))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("side file: %v, mode %v; want 0600", err, fi.Mode())
	}
	// Rollback-journal mode on both files is what makes SQLite commit a
	// change to both atomically (a super-journal); WAL would not.
	side, err := sql.Open("sqlite", db.SideFile(path))
	if err != nil {
		t.Fatal(err)
	}
	defer side.Close()
	var mode string
	if err := side.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("side file journal mode %q (%v), want delete", mode, err)
	}
}

// A custom user model without a username column is refused, naming it.
func TestOpenDjangoCustomUserTableWithoutUsername(t *testing.T) {
	path := djangofixture.Load(t, "", djangofixture.Schema113)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE accounts_person (id integer PRIMARY KEY, email text NOT NULL)`,
		`PRAGMA foreign_keys = OFF`,
		`DROP TABLE otp_totp_totpdevice`,
		`CREATE TABLE "otp_totp_totpdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL, "confirmed" bool NOT NULL, "key" varchar(80) NOT NULL, "step" smallint unsigned NOT NULL, "t0" bigint NOT NULL, "digits" smallint unsigned NOT NULL, "tolerance" smallint unsigned NOT NULL, "drift" smallint NOT NULL, "last_t" bigint NOT NULL, "user_id" integer NOT NULL REFERENCES "accounts_person" ("id") DEFERRABLE INITIALLY DEFERRED, "throttling_failure_count" integer unsigned NOT NULL, "throttling_failure_timestamp" datetime NULL)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	_, err = db.OpenDjango(bg, path, db.Options{KeyFile: path + ".key", Create: true})
	if !errors.Is(err, db.ErrNotDjango) || !strings.Contains(err.Error(), "accounts_person") || !strings.Contains(err.Error(), "username") {
		t.Errorf("custom user table without username: %v", err)
	}
}

// Rows written by Django are read with the mapping of DJANGO.md: ids
// djangoID*10 + table digit, hex keys of either case, last_t -1 as no
// floor, Django's datetimes (with or without an offset), phone devices
// listed with a masked number.
func TestDjangoReadsWhatDjangoWrote(t *testing.T) {
	e := newDjangoEnv(t, "otp-1.7-with-phone.sql")
	e.exec(`INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
		VALUES (7, '!x', 0, 'alice', '', '', '', 0, 1, '2026-01-02 03:04:05.123456')`)
	e.exec(`INSERT INTO otp_totp_totpdevice (id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id,
		throttling_failure_count, throttling_failure_timestamp, created_at, last_used_at)
		VALUES (5, 'default', 1, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 2, -1, 7, 3, '2026-11-22 14:00:00+00:00', '2026-01-02 03:04:05', NULL)`)
	e.exec(`INSERT INTO otp_hotp_hotpdevice (id, name, confirmed, key, digits, tolerance, counter, user_id, throttling_failure_count, created_at)
		VALUES (5, 'fob', 0, 'ABCDEF0123', 8, 5, 41, 7, 0, NULL)`)
	e.exec(`INSERT INTO otp_static_staticdevice (id, name, confirmed, user_id, throttling_failure_count) VALUES (5, 'backup', 1, 7, 0)`)
	e.exec(`INSERT INTO otp_static_statictoken (id, token, device_id) VALUES (9, 'abcd2345', 5), (10, 'efgh6723', 5)`)
	e.exec(`INSERT INTO two_factor_phonedevice (id, name, confirmed, throttling_failure_count, number, key, method, user_id)
		VALUES (5, 'backup phone', 1, 0, '+441632960961', 'aa', 'sms', 7)`)
	ds, err := e.st.Devices(bg, "alice")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]*devices.Device{}
	for _, d := range ds {
		got[d.ID] = d
	}
	totp, hotp, static, phone := got[51], got[52], got[53], got[54]
	if len(ds) != 4 || totp == nil || hotp == nil || static == nil || phone == nil {
		t.Fatalf("devices %+v: want ids 51, 52, 53, 54", ds)
	}
	if totp.Kind != devices.TOTP || totp.LastStep != otpcore.NoFloor || totp.Drift != 2 || totp.Failures != 3 ||
		!totp.LastFailure.Equal(time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)) || !totp.Created.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) ||
		!totp.Confirmed || !totp.Enabled || totp.Secret != nil || totp.User != "alice" {
		t.Errorf("TOTP %+v", totp)
	}
	if hotp.Kind != devices.HOTP || hotp.Counter != 41 || hotp.Digits != 8 || hotp.Confirmed || hotp.Algorithm != otpcore.SHA1 {
		t.Errorf("HOTP %+v", hotp)
	}
	if static.Kind != devices.Backup || len(static.Codes) != 2 || static.Codes[0].Plain != "" {
		t.Errorf("static %+v: want two codes, not shown in a listing", static)
	}
	if phone.Kind != devices.Phone || phone.PhoneNumber != "+44••••••••61" || phone.Model != "sms" || strings.Contains(phone.PhoneNumber, "1632960") {
		t.Errorf("phone %+v: want the number masked", phone)
	}
	err = e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
		for _, d := range u.Devices {
			switch d.ID {
			case 52:
				if !bytes.Equal(d.Secret, []byte{0xab, 0xcd, 0xef, 0x01, 0x23}) {
					t.Errorf("upper-case hex key read as %x", d.Secret)
				}
			case 53:
				if d.Codes[0].ID != 9 || d.Codes[0].Plain != "abcd2345" || d.Codes[1].Plain != "efgh6723" {
					t.Errorf("static tokens in a unit: %+v", d.Codes)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	us, err := e.st.Users(bg)
	if err != nil || len(us) != 1 || us[0].Devices != 4 || !us[0].Enabled() || us[0].BackupCodes != 2 || us[0].MaxFailures != 3 {
		t.Errorf("user summary %+v (%v)", us, err)
	}
}

// What we write is what Django writes: every NOT NULL column, lowercase
// hex keys, last_t -1 for no floor, datetimes as naive UTC text, users
// with an unusable password.
func TestDjangoWritesRowsDjangoLoads(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.clock.Set(time.Date(2026, 11, 22, 14, 0, 10, 250000000, time.UTC))
		e.addUser("alice")
		var pw string
		var active, staff, super int
		var joined string
		if err := e.raw.QueryRow("SELECT password, is_active, is_staff, is_superuser, CAST(date_joined AS TEXT) FROM auth_user WHERE username = 'alice'").
			Scan(&pw, &active, &staff, &super, &joined); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^![A-Za-z0-9]{40}$`).MatchString(pw) || active != 1 || staff != 0 || super != 0 || joined != "2026-11-22 14:00:10.250000" {
			t.Errorf("auth_user row: %q %d %d %d %q", pw, active, staff, super, joined)
		}
		tp := e.totp("default", []byte{0xAB, 0xCD, 1, 2})
		tp.LastFailure, tp.Failures = e.clock.Now(), 2
		e.mustAdd("alice", tp, e.hotp("fob", []byte("12345678901234567890")), e.static("backup", "abcd2345", "7rzgfcyi"))
		var key, failedAt string
		var lastT int64
		if err := e.raw.QueryRow("SELECT key, last_t, CAST(throttling_failure_timestamp AS TEXT) FROM otp_totp_totpdevice").Scan(&key, &lastT, &failedAt); err != nil {
			t.Fatal(err)
		}
		if key != "abcd0102" || lastT != -1 || failedAt != "2026-11-22 14:00:10.250000" {
			t.Errorf("TOTP row: key %q last_t %d failure %q", key, lastT, failedAt)
		}
		if tp.ID%10 != 1 || tp.ID/10 != e.count("SELECT id FROM otp_totp_totpdevice") {
			t.Errorf("TOTP device id %d, want the Django id times ten plus 1", tp.ID)
		}
		if n := e.count("SELECT count(*) FROM otp_static_statictoken WHERE token IN ('abcd2345', '7rzgfcyi')"); n != 2 {
			t.Errorf("%d static tokens stored plain, want 2", n)
		}
		e.checkDjangoLoads(t)
	})
}

// User names on a Django site are exact and case-sensitive, as Django's
// get_by_natural_key: ALICE is another user, and nothing folds look-alikes.
// Names Django's validator refuses are refused.
func TestDjangoUserNamesAreExact(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		if _, err := e.st.AddUser(bg, "tester", "alice"); !errors.Is(err, db.ErrExists) {
			t.Errorf("duplicate user: %v, want ErrExists", err)
		}
		if _, err := e.st.Devices(bg, "ALICE"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Devices(ALICE) with only alice: %v, want ErrNotFound", err)
		}
		e.addUser("ALICE")
		for _, bad := range []string{" alice", "al ice", "ａlice", "a\x1b[2J"} {
			if _, err := e.st.AddUser(bg, "tester", bad); err == nil {
				t.Errorf("user name %q accepted", bad)
			}
		}
		us, err := e.st.Users(bg)
		if err != nil || len(us) != 2 || us[0].Name != "ALICE" || us[1].Name != "alice" {
			t.Errorf("users %+v (%v), want ALICE and alice", us, err)
		}
		e.mustAdd("alice", e.totp("phone", []byte("secret")))
		if err := e.add("alice", e.totp("phone", []byte("other"))); !errors.Is(err, db.ErrExists) {
			t.Errorf("duplicate device name: %v, want ErrExists", err)
		}
	})
}

// Enabled is two-factor-auth's default_device: a confirmed device named
// "default", of any type.
func TestDjangoEnabledMeansADefaultDevice(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		for _, n := range []string{"alice", "bob", "carol", "dave"} {
			e.addUser(n)
		}
		e.mustAdd("alice", e.totp("default", []byte("a")))
		e.mustAdd("bob", e.totp("my phone", []byte("b")))
		unconfirmed := e.totp("default", []byte("c"))
		unconfirmed.Confirmed = false
		e.mustAdd("carol", unconfirmed)
		e.mustAdd("dave", e.static("default", "abcd2345"))
		st, err := e.st.Statuses(bg, []string{"dave", "nobody", "carol", "bob", "alice"})
		if err != nil {
			t.Fatal(err)
		}
		want := []db.UserStatus{{"dave", true, true}, {"nobody", false, false}, {"carol", true, false}, {"bob", true, false}, {"alice", true, true}}
		if fmt.Sprint(st) != fmt.Sprint(want) {
			t.Errorf("statuses %v, want %v", st, want)
		}
		all, err := e.st.Statuses(bg, nil)
		if err != nil || len(all) != 4 || all[0].Name != "alice" || !all[0].Enabled || all[1].Enabled {
			t.Errorf("all statuses %v (%v)", all, err)
		}
		us, _ := e.st.Users(bg)
		for _, u := range us {
			if u.Enabled() != (u.Name == "alice" || u.Name == "dave") {
				t.Errorf("user list: %s enabled=%v", u.Name, u.Enabled())
			}
		}
	})
}

// DisableUsers removes confirmed devices of every type and keeps the
// unconfirmed ones (two_factor_disable); all or nothing.
func TestDjangoDisableKeepsUnconfirmedDevices(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("carol")
		pending := e.totp("new phone", []byte("p"))
		pending.Confirmed = false
		e.mustAdd("carol", e.totp("default", []byte("d")), pending, e.static("backup", "abcd2345"))
		before := e.fileSums()
		if _, err := e.st.DisableUsers(bg, "tester", []string{"carol", "nobody"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("disable with an unknown user: %v", err)
		}
		if e.fileSums() != before {
			t.Error("a refused disable changed a file")
		}
		n, err := e.st.DisableUsers(bg, "tester", []string{"carol"})
		if err != nil || n[0] != 2 {
			t.Fatalf("disable: %v %v, want 2 devices removed", n, err)
		}
		ds, _ := e.st.Devices(bg, "carol")
		if len(ds) != 1 || ds[0].Name != "new phone" || e.count("SELECT count(*) FROM otp_static_statictoken") != 0 {
			t.Errorf("after disable: %+v", ds)
		}
		e.checkDjangoLoads(t)
	})
}

// RemoveUser is refused on a Django site: users are deleted in Django's
// admin; disable removes their devices.
func TestDjangoRemoveUserRefused(t *testing.T) {
	e := newDjangoEnv(t, "otp-1.1.3.sql")
	e.addUser("alice")
	e.mustAdd("alice", e.totp("default", []byte("a")))
	before := e.fileSums()
	err := e.st.RemoveUser(bg, "tester", "alice")
	if !errors.Is(err, db.ErrUnavailable) || !strings.Contains(err.Error(), "not available on a Django site's database") {
		t.Errorf("RemoveUser: %v, want ErrUnavailable", err)
	}
	if e.fileSums() != before {
		t.Error("a refused RemoveUser changed a file")
	}
	if err := e.st.RemoveUser(bg, "tester", "nobody"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("RemoveUser of nobody: %v, want ErrNotFound", err)
	}
}

// Whatever is refused or fails changes neither the Django file nor the
// side file.
func TestDjangoRefusedWritesChangeNeitherFile(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		e.mustAdd("alice", e.totp("default", []byte("a")), e.static("backup", "abcd2345"))
		sha256dev := e.totp("sha", []byte("s"))
		sha256dev.Algorithm = otpcore.SHA256
		sevenDigits := e.totp("seven", []byte("s"))
		sevenDigits.Digits = 7
		hashed := e.static("hashed")
		hashed.Codes = []devices.BackupCode{{Hash: []byte("h")}}
		boom := errors.New("boom")
		for name, op := range map[string]func() error{
			"a SHA-256 device":    func() error { return e.add("alice", sha256dev) },
			"7-digit codes":       func() error { return e.add("alice", sevenDigits) },
			"hashed backup codes": func() error { return e.add("alice", hashed) },
			"a duplicate user":    func() error { _, err := e.st.AddUser(bg, "tester", "alice"); return err },
			"a hard lockout":      func() error { return e.st.SetSetting(bg, "tester", "lockout-threshold", "5") },
			"a phone device":      func() error { return e.add("alice", &devices.Device{Name: "p", Kind: devices.Phone, Enabled: true}) },
			"a device for nobody": func() error { return e.add("nobody", e.totp("x", []byte("x"))) },
			"disabling a device": func() error {
				return e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
					d, _ := u.Find("default")
					d.Enabled = false
					u.Save(d)
					u.Audit("device.disable", d, "ok", "")
					return nil
				})
			},
			"a failing unit after changes": func() error {
				return e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
					d, _ := u.Find("default")
					d.LastStep, d.Failures = 99, 4
					u.Save(d)
					b, _ := u.Find("backup")
					b.Codes = nil
					u.Save(b)
					u.Add(e.totp("extra", []byte("e")))
					u.RecordDrift(d, devices.DriftSample{At: e.clock.Now(), Drift: 1})
					u.Audit("device.verify", d, "ok", "")
					return boom
				})
			},
			"a valid change followed by a refused one": func() error {
				return e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
					d, _ := u.Find("default")
					d.LastStep = 99
					u.Save(d)
					u.Audit("device.verify", d, "ok", "")
					u.Add(sha256dev)
					return nil
				})
			},
		} {
			before := e.fileSums()
			if err := op(); err == nil {
				t.Errorf("%s was accepted", name)
			}
			if e.fileSums() != before {
				t.Errorf("%s changed a file", name)
			}
		}
		e.checkDjangoLoads(t)
	})
}

// A TOTP floor (last_t) and a HOTP counter never go down through a save,
// whatever a unit writes; django-otp's TOTP rows have no counter at all.
func TestDjangoReplayStateNeverDecreases(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		e.mustAdd("alice", e.totp("app", []byte("a")), e.hotp("fob", []byte("f")))
		seed := rand.Uint64()
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 2))
		wantFloor, wantCounter := int64(-1), int64(0)
		for i := range 60 {
			floor, counter := int64(1000+rng.IntN(100)), uint64(rng.IntN(100))
			if rng.IntN(5) == 0 {
				floor = otpcore.NoFloor
			}
			err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
				app, _ := u.Find("app")
				fob, _ := u.Find("fob")
				app.LastStep, fob.Counter = floor, counter
				u.Save(app)
				u.Save(fob)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if floor != otpcore.NoFloor {
				wantFloor = max(wantFloor, floor)
			}
			wantCounter = max(wantCounter, int64(counter))
			if got := e.count("SELECT last_t FROM otp_totp_totpdevice"); got != wantFloor {
				t.Fatalf("write %d: last_t %d, want %d", i, got, wantFloor)
			}
			if got := e.count("SELECT counter FROM otp_hotp_hotpdevice"); got != wantCounter {
				t.Fatalf("write %d: counter %d, want %d", i, got, wantCounter)
			}
		}
	})
}

// Static tokens are plain text as django-otp keeps them: consuming one
// deletes its row, regenerating replaces the rows; hashed-only codes
// cannot be stored.
func TestDjangoStaticTokens(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		e.mustAdd("alice", e.static("backup", "aaaa2222", "bbbb3333", "cccc4444"))
		consume := func(token string) bool {
			accepted := false
			err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
				accepted = false
				d, err := u.Find("backup")
				if err != nil {
					return err
				}
				for i, c := range d.Codes {
					if c.Plain == token {
						d.Codes = append(d.Codes[:i:i], d.Codes[i+1:]...)
						u.Save(d)
						accepted = true
						return nil
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return accepted
		}
		if !consume("bbbb3333") || consume("bbbb3333") {
			t.Error("a static token was not accepted exactly once")
		}
		if n := e.count("SELECT count(*) FROM otp_static_statictoken WHERE token = 'bbbb3333'"); n != 0 {
			t.Error("the consumed token's row is still there")
		}
		err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
			d, _ := u.Find("backup")
			d.Codes = []devices.BackupCode{{Plain: "dddd5555"}, {Plain: "eeee6666"}}
			u.Save(d)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if consume("aaaa2222") || !consume("dddd5555") {
			t.Error("regenerating did not replace the tokens")
		}
		if n := e.count("SELECT count(*) FROM otp_static_statictoken"); n != 1 {
			t.Errorf("%d token rows, want 1 (eeee6666)", n)
		}
		hashed := e.static("other")
		hashed.Codes = []devices.BackupCode{{Hash: []byte("h")}}
		if err := e.add("alice", hashed); !errors.Is(err, db.ErrUnavailable) {
			t.Errorf("hashed codes: %v, want ErrUnavailable", err)
		}
	})
}

// Hardware tokens: one for nobody waits in the side file's sealed
// inventory; assigning moves it into Django as a confirmed device of the
// user (its replay state kept), unassigning and retiring move it back.
// Alice's first device, it is named "default" and turns 2FA on.
func TestDjangoTokenStates(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		tok := e.totp("token SN1", []byte("seed-of-SN1-12345678"))
		tok.Hardware, tok.Serial, tok.Confirmed, tok.LastStep = true, "SN1", false, 5000
		if _, err := e.st.ImportTokens(bg, "tester", []db.ImportItem{{Origin: "line 1", Device: tok}}, db.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := e.count("SELECT count(*) FROM otp_totp_totpdevice"); n != 0 {
			t.Errorf("an unassigned token is in Django's table")
		}
		if err := e.st.AssignToken(bg, "tester", "SN1", "alice"); err != nil {
			t.Fatal(err)
		}
		if n := e.count("SELECT count(*) FROM otp_totp_totpdevice WHERE confirmed AND last_t = 5000 AND key = ?", hex.EncodeToString(tok.Secret)); n != 1 {
			t.Error("the assigned token is not a confirmed django-otp device with its seed and floor")
		}
		ds, _ := e.st.Devices(bg, "alice")
		if len(ds) != 1 || !ds[0].Hardware || ds[0].Serial != "SN1" {
			t.Errorf("alice's devices %+v", ds)
		}
		if st, _ := e.st.Statuses(bg, []string{"alice"}); !st[0].Enabled || ds[0].Name != "default" {
			t.Errorf("alice's only device, an assigned token, is named %q and turns 2FA on: %v", ds[0].Name, st[0].Enabled)
		}
		if err := e.st.RetireToken(bg, "tester", "SN1"); err != nil {
			t.Fatal(err)
		}
		if n := e.count("SELECT count(*) FROM otp_totp_totpdevice"); n != 0 {
			t.Error("a retired token stays in Django")
		}
		all, err := e.st.TokenSecrets(bg, db.TokenFilter{Retired: true})
		if err != nil || len(all) != 1 || all[0].Retired.IsZero() || !bytes.Equal(all[0].Secret, tok.Secret) || all[0].LastStep != 5000 {
			t.Errorf("retired token %+v (%v)", all, err)
		}
		if err := e.st.AssignToken(bg, "tester", "SN1", "alice"); !errors.Is(err, db.ErrConflict) {
			t.Errorf("assigning a retired token: %v", err)
		}
		e.checkDjangoLoads(t)
	})
}

// A row Django changes between our read and our write (a login accepted
// by Django meanwhile) makes the Update run again from a fresh read: the
// code it accepted is not accepted again.
func TestDjangoUpdateRetriesWhenDjangoChangesTheRow(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		e.mustAdd("alice", e.totp("default", []byte("12345678901234567890")), e.static("backup", "aaaa2222"))
		const step = 59000000
		runs, accepted := 0, 0
		err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
			runs++
			d, _ := u.Find("default")
			if d.LastStep >= step {
				return nil // the code's step is used: refused
			}
			if runs == 1 { // Django accepts the same code at the same instant
				e.exec("UPDATE otp_totp_totpdevice SET last_t = ? WHERE last_t < ?", step, step)
			}
			d.LastStep = step
			u.Save(d)
			u.Audit("device.verify", d, "ok", "")
			accepted++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if runs != 2 || e.count("SELECT last_t FROM otp_totp_totpdevice") != step {
			t.Errorf("fn ran %d times; want a retry after Django's change", runs)
		}
		if got := len(mustAudit(t, e.st, "device.verify")); got != 0 || accepted != 1 {
			t.Errorf("%d verify audit entries after the raced write, want 0 (Django accepted the code)", got)
		}
		runs = 0
		err = e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
			runs++
			b, _ := u.Find("backup")
			if len(b.Codes) == 0 {
				return nil
			}
			if runs == 1 { // Django consumes the token meanwhile
				e.exec("DELETE FROM otp_static_statictoken WHERE token = 'aaaa2222'")
			}
			b.Codes = nil
			u.Save(b)
			return nil
		})
		if err != nil || runs != 2 {
			t.Errorf("static consumption raced: %v after %d runs, want a retry that finds the token gone", err, runs)
		}
		// A row that changes on every attempt: the retries are bounded.
		runs = 0
		err = e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
			runs++
			d, _ := u.Find("default")
			e.exec("UPDATE otp_totp_totpdevice SET throttling_failure_count = throttling_failure_count + 1")
			d.Failures = 0
			u.Save(d)
			return nil
		})
		if !errors.Is(err, db.ErrLocked) || runs > 10 {
			t.Errorf("a row changing under every attempt: %v after %d runs, want ErrLocked after a bounded number", err, runs)
		}
		e.checkDjangoLoads(t)
	})
}

func mustAudit(t *testing.T, st db.Store, action string) []db.AuditEntry {
	t.Helper()
	es, err := st.Audit(bg, db.AuditFilter{Action: action, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Over random sequences of verifications (through our store, through a
// second handle's service, and by "Django" on the raw file, also in the
// middle of our updates), replays, new devices and static-token
// consumption, no (device, step), (device, counter) or static token is
// accepted twice, and every row stays one Django would load.
func TestDjangoAcceptedOnceProperty(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		seed := rand.Uint64()
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 3))
		e.addUser("alice")
		other := service.New(openDjango(t, e.path, e.clock.Now))
		other.Actor, other.Now = "other", e.clock.Now
		type use struct {
			device int64
			step   int64
		}
		used := map[use]string{}
		usedTokens := map[string]bool{}
		accept := func(u use, by string) {
			if prev, ok := used[u]; ok {
				t.Fatalf("device %d step/counter %d accepted twice: by %s, then by %s", u.device, u.step, prev, by)
			}
			used[u] = by
		}
		secrets := map[int64][]byte{}
		nextToken := 0
		for i := range 300 {
			ds, err := e.st.Devices(bg, "alice")
			if err != nil {
				t.Fatal(err)
			}
			var otp []*devices.Device
			var static *devices.Device
			for _, d := range ds {
				if d.Kind.IsOTP() {
					otp = append(otp, d)
				} else if d.Kind == devices.Backup {
					static = d
				}
			}
			switch op := rng.IntN(7); {
			case op == 0 || len(otp) == 0:
				secret := make([]byte, 20)
				for j := range secret {
					secret[j] = byte(rng.IntN(256))
				}
				d := e.totp(fmt.Sprintf("app%d", i), secret)
				if rng.IntN(2) == 0 {
					d = e.hotp(fmt.Sprintf("fob%d", i), secret)
				}
				e.mustAdd("alice", d)
				secrets[d.ID] = secret
			case op == 1:
				e.clock.Advance(time.Duration(rng.IntN(70)) * time.Second)
			case op == 2 && static == nil || op == 2 && len(static.Codes) == 0:
				var toks []string
				for range 3 {
					nextToken++
					toks = append(toks, fmt.Sprintf("tk%06d", nextToken))
				}
				if static == nil {
					e.mustAdd("alice", e.static("backup", toks...))
				} else if err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
					b, _ := u.Find("backup")
					b.Codes = nil
					for _, tk := range toks {
						b.Codes = append(b.Codes, devices.BackupCode{Plain: tk})
					}
					u.Save(b)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			case op == 2:
				token := fmt.Sprintf("tk%06d", 1+rng.IntN(nextToken)) // often one used already: a replay
				if live := liveTokens(usedTokens, nextToken); len(live) > 0 && rng.IntN(3) != 0 {
					token = live[rng.IntN(len(live))]
				}
				djangoFirst := rng.IntN(3) == 0
				ours := false
				err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
					ours = false
					b, err := u.Find("backup")
					if err != nil {
						return err
					}
					if djangoFirst { // Django consumes it at the same instant
						djangoFirst = false
						res, err := e.raw.Exec("DELETE FROM otp_static_statictoken WHERE token = ?", token)
						if n, _ := res.RowsAffected(); err == nil && n == 1 {
							if usedTokens[token] {
								t.Fatalf("Django consumed %s, used already", token)
							}
							usedTokens[token] = true
						}
					}
					for j, c := range b.Codes {
						if c.Plain == token {
							b.Codes = append(b.Codes[:j:j], b.Codes[j+1:]...)
							u.Save(b)
							ours = true
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if ours {
					if usedTokens[token] {
						t.Fatalf("static token %s accepted twice", token)
					}
					usedTokens[token] = true
				}
				if usedTokens[token] && e.count("SELECT count(*) FROM otp_static_statictoken WHERE token = ?", token) != 0 {
					t.Fatalf("token %s consumed but its row is still there", token)
				}
			default:
				d := otp[rng.IntN(len(otp))]
				d.Secret = secrets[d.ID]
				offset := int64(rng.IntN(3) - 1)
				if rng.IntN(4) == 0 {
					offset = -int64(rng.IntN(4)) // likely a replay
				}
				code := servicetest.Code(t, d, e.clock.Now(), offset)
				var step int64
				if d.Kind == devices.HOTP {
					step = int64(d.Counter) + offset
				} else {
					step = otpcore.TOTPParams{Step: d.Step, T0: d.T0}.StepAt(e.clock.Now().Unix()) + d.Drift + offset
				}
				switch rng.IntN(3) {
				case 0: // the other handle's service
					r, err := other.Verify(bg, "alice", fmt.Sprint(d.ID), code)
					if err != nil {
						t.Fatal(err)
					}
					if r.Accepted() {
						accept(use{d.ID, r.Match.Step}, "the service")
					}
				default: // our store, Django sometimes accepting it first
					djangoFirst := rng.IntN(2) == 0
					var got *otpcore.Match
					err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
						got = nil
						dev, err := u.Find(fmt.Sprint(d.ID))
						if err != nil {
							return err
						}
						if djangoFirst {
							djangoFirst = false
							var res sql.Result
							if dev.Kind == devices.HOTP {
								res, _ = e.raw.Exec("UPDATE otp_hotp_hotpdevice SET counter = ? WHERE id = ? AND counter <= ?", step+1, d.ID/10, step)
							} else {
								res, _ = e.raw.Exec("UPDATE otp_totp_totpdevice SET last_t = ? WHERE id = ? AND last_t < ?", step, d.ID/10, step)
							}
							if n, _ := res.RowsAffected(); n == 1 {
								accept(use{d.ID, step}, "Django")
							}
						}
						tried := *dev
						r, err := tried.Verify(code, e.clock.Now(), u.Settings.Policy())
						if err != nil || r.Outcome != devices.Accepted {
							return err
						}
						*dev = tried
						u.Save(dev)
						got = &r.Match
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					if got != nil {
						accept(use{d.ID, got.Step}, "our store")
					}
				}
			}
			if i%50 == 0 {
				e.checkDjangoLoads(t)
			}
		}
		e.checkDjangoLoads(t)
		if len(used) < 10 {
			t.Errorf("only %d acceptances in the run: the property was barely exercised", len(used))
		}
	})
}

// liveTokens are the static tokens made so far and not consumed yet.
func liveTokens(used map[string]bool, made int) []string {
	var out []string
	for i := 1; i <= made; i++ {
		if tk := fmt.Sprintf("tk%06d", i); !used[tk] {
			out = append(out, tk)
		}
	}
	return out
}

// ChangeCounter moves when Django commits to its database and when
// another handle commits to the side file, so a console sees both.
func TestDjangoChangeCounter(t *testing.T) {
	e := newDjangoEnv(t, "otp-1.1.3.sql")
	first, err := e.st.ChangeCounter(bg)
	if err != nil {
		t.Fatal(err)
	}
	e.exec(`INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
		VALUES ('!x', 0, 'bob', '', '', '', 0, 1, '2026-01-02 03:04:05')`)
	second, err := e.st.ChangeCounter(bg)
	if err != nil || second == first {
		t.Errorf("a commit by Django: counter %d -> %d (%v)", first, second, err)
	}
	other := openDjango(t, e.path, e.clock.Now)
	if err := other.SetSetting(bg, "tester", "issuer", "Example"); err != nil {
		t.Fatal(err)
	}
	third, err := e.st.ChangeCounter(bg)
	if err != nil || third == second {
		t.Errorf("a commit to the side file by another handle: counter %d -> %d (%v)", second, third, err)
	}
	if set, _ := e.st.Settings(bg); set.Issuer != "Example" || set.Rules != devices.DjangoRules || set.LockoutThreshold != 0 {
		t.Errorf("settings %+v", set)
	}
}

// The last use goes to Django's last_used_at where the schema has it
// (django-otp 1.4+), else to the side file; either way it reads back.
func TestDjangoLastUsed(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		e.mustAdd("alice", e.totp("default", []byte("a")))
		used := time.Date(2026, 11, 22, 14, 0, 10, 123456000, time.UTC)
		if err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
			d, _ := u.Find("default")
			d.LastUsed = used
			u.Save(d)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ds, _ := e.st.Devices(bg, "alice")
		if !ds[0].LastUsed.Truncate(time.Millisecond).Equal(used.Truncate(time.Millisecond)) {
			t.Errorf("last used read back as %v, want %v", ds[0].LastUsed, used)
		}
		inDjango := e.count("SELECT count(*) FROM pragma_table_info('otp_totp_totpdevice') WHERE name = 'last_used_at'") == 1
		if inDjango {
			var s string
			e.raw.QueryRow("SELECT CAST(last_used_at AS TEXT) FROM otp_totp_totpdevice").Scan(&s)
			if s != "2026-11-22 14:00:10.123456" {
				t.Errorf("last_used_at %q", s)
			}
		}
		us, _ := e.st.Users(bg)
		if !us[0].LastUsed.Truncate(time.Millisecond).Equal(used.Truncate(time.Millisecond)) {
			t.Errorf("user list last used %v", us[0].LastUsed)
		}
		e.checkDjangoLoads(t)
	})
}

// Rekey re-seals the side file's secrets (the inventory) and keeps the
// audit chain verifiable; Django's keys stay plain hex, as Django needs.
func TestDjangoRekey(t *testing.T) {
	e := newDjangoEnv(t, "otp-1.7-with-phone.sql")
	e.addUser("alice")
	e.mustAdd("alice", e.totp("default", []byte("alice-key")))
	tok := e.totp("token SN9", []byte("seed-of-SN9-12345678"))
	tok.Hardware, tok.Serial, tok.Confirmed = true, "SN9", false
	if _, err := e.st.ImportTokens(bg, "tester", []db.ImportItem{{Origin: "l1", Device: tok}}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	side, err := os.ReadFile(db.SideFile(e.path))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(side, []byte("seed-of-SN9")) {
		t.Fatal("the inventory token's seed is in the side file in plain")
	}
	if err := e.st.Rekey(bg, "tester"); err != nil {
		t.Fatal(err)
	}
	toks, err := e.st.TokenSecrets(bg, db.TokenFilter{})
	if err != nil || len(toks) != 1 || !bytes.Equal(toks[0].Secret, tok.Secret) {
		t.Fatalf("token after rekey: %+v %v", toks, err)
	}
	if v, err := e.st.VerifyAudit(bg); err != nil || !v.Intact || v.Checked < 3 {
		t.Errorf("audit after rekey: %+v %v", v, err)
	}
	if n := e.count("SELECT count(*) FROM otp_totp_totpdevice WHERE key = ?", hex.EncodeToString([]byte("alice-key"))); n != 1 {
		t.Error("Django's key changed with the rekey")
	}
}

// A retried Update stores a new device (with its static tokens) once and
// completely, although fn adds the same values again on the retry.
func TestDjangoRetryStoresNewDevicesWhole(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		e.addUser("alice")
		e.mustAdd("alice", e.totp("default", []byte("a")))
		backup := e.static("backup", "abcd2345", "efgh6723")
		runs := 0
		err := e.st.Update(bg, "tester", "alice", func(u *db.Unit) error {
			runs++
			d, _ := u.Find("default")
			if runs == 1 {
				e.exec("UPDATE otp_totp_totpdevice SET throttling_failure_count = 1")
			}
			d.Failures = 0
			u.Save(d)
			u.Add(backup)
			return nil
		})
		if err != nil || runs != 2 {
			t.Fatalf("%v after %d runs, want a retry", err, runs)
		}
		if n := e.count("SELECT count(*) FROM otp_static_statictoken"); n != 2 {
			t.Errorf("%d static tokens stored after the retry, want 2", n)
		}
		if n := e.count("SELECT count(*) FROM otp_static_staticdevice"); n != 1 {
			t.Errorf("%d static devices stored, want 1", n)
		}
	})
}

// An Update that changes nothing (a read through a unit) takes no write
// lock, so it neither waits for Django's writes nor makes Django's logins
// wait for it.
func TestDjangoReadOnlyUpdateTakesNoLock(t *testing.T) {
	e := newDjangoEnv(t, "otp-1.1.3.sql")
	e.addUser("alice")
	e.mustAdd("alice", e.totp("default", []byte("a")))
	st, err := db.OpenDjango(bg, e.path, db.Options{KeyFile: e.path + ".two-factor.key", BusyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := e.raw.Conn(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(bg, "BEGIN IMMEDIATE"); err != nil { // Django in the middle of a write
		t.Fatal(err)
	}
	defer conn.ExecContext(bg, "ROLLBACK")
	err = st.Update(bg, "tester", "alice", func(u *db.Unit) error {
		if len(u.Devices) != 1 {
			t.Errorf("devices %v", u.Devices)
		}
		return nil
	})
	if err != nil {
		t.Errorf("a read-only update while Django writes: %v", err)
	}
	err = st.Update(bg, "tester", "alice", func(u *db.Unit) error {
		u.Audit("device.verify", u.Devices[0], "ok", "")
		return nil
	})
	if !errors.Is(err, db.ErrLocked) {
		t.Errorf("a writing update while Django holds the lock: %v, want ErrLocked after the busy timeout", err)
	}
}
