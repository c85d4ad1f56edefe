package db_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/internal/djangofixture"
)

// The site's rows are outside input: anyone with the ORM or a shell on
// the database can store a megabyte where Django's forms allow 150
// characters. Every read of them is bounded: listings show a long user
// name cut short and marked, a device row holding more than any Django
// column does is refused with a short error naming the row and column
// (never quoting the megabyte), and a static device is read up to a
// bounded number of tokens, each bounded.
func TestDjangoReadsOfSiteRowsAreBounded(t *testing.T) {
	e := newDjangoEnv(t, djangofixture.Schema113)
	const huge = 1 << 20
	longName := strings.Repeat("n", huge)
	e.exec(`INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
		VALUES ('!x', 0, ?, '', '', '', 0, 1, '2026-01-01 00:00:00')`, longName)
	e.exec(`INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count)
		SELECT 'default', 1, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 0, -1, id, 0 FROM auth_user WHERE length(username) > 1000`)

	users, err := e.st.Users(bg)
	if err != nil || len(users) != 1 {
		t.Fatalf("Users: %v %v", len(users), err)
	}
	if n := len(users[0].Name); n > 1024 || !strings.HasSuffix(users[0].Name, "…") {
		t.Errorf("a %d-byte user name is listed with %d bytes (want it cut short and marked)", huge, n)
	}
	sts, err := e.st.Statuses(bg, nil)
	if err != nil || len(sts) != 1 || len(sts[0].Name) > 1024 || !sts[0].Enabled {
		t.Errorf("Statuses: %d bytes %+v", len(sts[0].Name), err)
	}
	tokens, err := e.st.TOTPTokens(bg, false)
	if err != nil || len(tokens) != 1 || len(tokens[0].Device.User) > 1024 {
		t.Errorf("TOTPTokens: owner of %d bytes, %v", len(tokens[0].Device.User), err)
	}

	// A device row holding a megabyte in a text or integer column.
	for _, c := range []struct{ col, value string }{
		{"name", strings.Repeat("d", huge)},
		{"key", strings.Repeat("ab", huge)},
		{"digits", "\x1b[2J" + strings.Repeat("9", huge)},
	} {
		t.Run(c.col, func(t *testing.T) {
			e := newDjangoEnv(t, djangofixture.Schema113)
			e.addUser("bob")
			e.exec(`INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count)
				SELECT 'phone', 1, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 0, -1, id, 0 FROM auth_user WHERE username = 'bob'`)
			e.exec("UPDATE otp_totp_totpdevice SET "+c.col+" = ?", c.value)
			_, err := e.st.Devices(bg, "bob")
			if err == nil || len(err.Error()) > 300 || !strings.Contains(err.Error(), c.col) || strings.Contains(err.Error(), "\x1b") {
				t.Fatalf("a %d-byte %s: error of %d bytes: %.300v", len(c.value), c.col, len(errText(err)), err)
			}
		})
	}

	// Static tokens: a megabyte-long token is read cut short (it can never
	// equal a code, which is at most 256 characters); more tokens than
	// any site makes are refused, naming the device.
	t.Run("static", func(t *testing.T) {
		e := newDjangoEnv(t, djangofixture.Schema113)
		e.addUser("carol")
		e.exec(`INSERT INTO otp_static_staticdevice (name, confirmed, user_id, throttling_failure_count) SELECT 'backup', 1, id, 0 FROM auth_user WHERE username = 'carol'`)
		e.exec(`INSERT INTO otp_static_statictoken (token, device_id) VALUES (?, 1), ('abcdefgh', 1)`, strings.Repeat("t", huge))
		var longest int
		if err := e.st.Update(bg, "tester", "carol", func(u *db.Unit) error {
			for _, c := range u.Devices[0].Codes {
				longest = max(longest, len(c.Plain))
			}
			return nil
		}); err != nil || longest > 1024 {
			t.Fatalf("a %d-byte static token is read with %d bytes: %v", huge, longest, err)
		}
		e.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
			INSERT INTO otp_static_statictoken (token, device_id) SELECT 'tok' || i, 1 FROM n`)
		_, err := e.st.Devices(bg, "carol")
		if err == nil || !strings.Contains(err.Error(), "static tokens") {
			t.Fatalf("5002 static tokens on one device: %v", err)
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A write refused because Django holds the site database's lock (a login
// being saved, or a long admin transaction) changes neither file and
// says so: the error names the site's database and Django, where it used
// to blame "another two-factor" writing to the side file.
func TestDjangoBusySiteIsNamedInTheError(t *testing.T) {
	e := newDjangoEnv(t, djangofixture.Schema113)
	e.addUser("alice")
	e.mustAdd("alice", e.totp("default", []byte("12345678901234567890")))
	short, err := db.OpenDjango(bg, e.path, db.Options{KeyFile: e.path + ".two-factor.key", BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	tx, err := e.raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("UPDATE auth_user SET email = 'held@example.com'"); err != nil {
		t.Fatal(err)
	}
	before := e.fileSums()
	err = short.Update(bg, "tester", "alice", func(u *db.Unit) error {
		d, _ := u.Find("default")
		d.Failures++
		u.Save(d)
		u.Audit("device.verify", d, "rejected", "")
		return nil
	})
	if !errors.Is(err, db.ErrLocked) || !strings.Contains(err.Error(), e.path+" ") || !strings.Contains(err.Error(), "Django") {
		t.Fatalf("a write while Django holds the lock: %v", err)
	}
	if e.fileSums() != before {
		t.Fatal("the refused write changed a file")
	}
}
