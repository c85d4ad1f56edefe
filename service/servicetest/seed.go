package servicetest

import (
	"context"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

// Seed fills the store with the standard cast:
//
//	alice  an app, a drifting hardware token with weeks of history, backup codes
//	bob    an app, locked out after failures
//	carol  no devices
//	dave   an app, throttled by a recent failure
//	erin   a disabled app only
//	mallory  a name with an escape sequence in it
func (e *Env) Seed(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	// Devices are enrolled ten days back and last used at various times.
	e.Clock.Set(Start.Add(-10 * 24 * time.Hour))
	defer e.Clock.Set(Start)
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin"} {
		e.AddUser(tb, n)
	}
	e.Enroll(tb, "alice", service.EnrollOptions{Name: "phone"})
	e.Update(tb, "alice", func(u *db.Unit) error {
		d := Find(u, "phone")
		d.LastUsed = Start.Add(-2 * time.Hour)
		u.Save(d)
		return nil
	})
	e.Token(tb, "alice", "SN0042", "c200", 3)
	e.Update(tb, "alice", func(u *db.Unit) error {
		d := Find(u, "token")
		for i, dr := range []int64{0, 1, 1, 2, 3, 3, 4} {
			u.RecordDrift(d, devices.DriftSample{At: Start.Add(time.Duration(i-7) * 7 * 24 * time.Hour), Drift: dr})
		}
		d.Drift, d.Tolerance = 4, 1
		d.LastUsed = Start.Add(-3 * 24 * time.Hour)
		u.Save(d)
		return nil
	})
	if _, err := e.Svc.BackupCodes(ctx, "alice"); err != nil {
		tb.Fatal(err)
	}
	e.Enroll(tb, "bob", service.EnrollOptions{Name: "pixel"})
	e.Update(tb, "bob", func(u *db.Unit) error {
		d := Find(u, "pixel")
		d.Failures, d.LockedOut, d.LastFailure = 12, true, Start.Add(-2*time.Hour)
		d.LastUsed = Start.Add(-4 * 24 * time.Hour)
		u.Save(d)
		return nil
	})
	e.Enroll(tb, "dave", service.EnrollOptions{})
	e.Update(tb, "dave", func(u *db.Unit) error {
		d := Find(u, "authenticator")
		d.Failures, d.LastFailure = 3, Start.Add(-time.Second)
		d.LastUsed = Start.Add(-25 * time.Minute)
		u.Save(d)
		return nil
	})
	e.Enroll(tb, "erin", service.EnrollOptions{Name: "old phone"})
	e.Update(tb, "erin", func(u *db.Unit) error {
		d := Find(u, "old phone")
		d.Enabled = false
		u.Save(d)
		return nil
	})
	e.Hostile(tb)
}

// HostileUser is a user name with escape sequences in it, as another tool
// or a tampered file could leave in the store (the API refuses them).
const HostileUser = "mallory\x1b[31mEVIL\x1b]0;pwned\x07"

// Hostile writes, behind the API's back, a user and a hardware token whose
// names and serial carry escape sequences and control characters.
func (e *Env) Hostile(tb testing.TB) {
	tb.Helper()
	e.Exec(tb, "INSERT INTO users(name, created_at) VALUES (?, ?)", HostileUser, Start.UnixMilli())
	e.Exec(tb, `INSERT INTO devices(user_id, name, kind, hardware, serial, model, seed_source, created_at, confirmed, enabled)
		VALUES ((SELECT id FROM users WHERE name = ?), ?, 'totp', 1, ?, ?, ?, ?, 1, 1)`,
		HostileUser, "tok\x1b[2J\rname", "SN\x1b]52;c;aGk=\x07", "m\u202eodel", "vendor\x1b[5m", Start.UnixMilli())
	e.Exec(tb, `INSERT INTO audit(at, actor, action, user_name, device_name, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		Start.UnixMilli(), "root\x1b[8m", "device.\x1b[1Averify", HostileUser, "tok\x1b[2J", "weird\x9b31m", "detail\x1bP1$r\x1b\\")
}
