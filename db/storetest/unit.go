package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// spoil records every kind of change on a unit: a rename, a new device, a
// removal, a drift sample and audit entries.
func (e *env) spoil(t *testing.T, u *db.Unit) {
	t.Helper()
	phone, err := u.Find("phone")
	if err != nil {
		t.Fatal(err)
	}
	phone.Name, phone.Failures = "renamed", 7
	u.Save(phone)
	u.RecordDrift(phone, devices.DriftSample{At: e.clock.Now(), Drift: 3})
	u.Audit("device.rename", phone, "ok", "")
	extra := e.app("extra", []byte("another-secret-20byt"))
	u.Add(extra)
	u.Audit("device.enroll", extra, "ok", "")
	tablet, err := u.Find("tablet")
	if err != nil {
		t.Fatal(err)
	}
	u.Remove(tablet)
}

func (e *env) spoilable(t *testing.T) *devices.Device {
	e.addUser(t, "alice")
	phone := e.addApp(t, "alice", "phone", []byte("alice-phone-secret!!"))
	e.addApp(t, "alice", "tablet", []byte("alice-tablet-secret!"))
	return phone
}

// nothingSpoiled checks that a failed unit of work left no trace.
func (e *env) nothingSpoiled(t *testing.T, phone *devices.Device, before snapshot, what string) {
	t.Helper()
	e.unchanged(t, before, what)
	ds := e.devicesOf(t, e.Store, "alice")
	if len(ds) != 2 || ds[0].Name != "phone" || ds[0].Failures != 0 || ds[1].Name != "tablet" {
		t.Errorf("%s left devices %s", what, describe(ds))
	}
	if h, err := e.Store.DriftHistory(ctx, phone.ID); err != nil || len(h) != 0 {
		t.Errorf("%s left drift samples %v (%v)", what, h, err)
	}
}

// A unit of work whose function fails writes nothing: neither its
// changes nor their audit entries.
func unitWritesNothingOnError(t *testing.T, e *env) {
	phone := e.spoilable(t)
	before := e.snapshot(t)
	boom := errors.New("boom")
	err := e.Store.Update(ctx, actor, "alice", func(u *db.Unit) error {
		e.spoil(t, u)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	e.nothingSpoiled(t, phone, before, "a failed unit of work")
}

// A unit of work whose function panics writes nothing, lets the panic go
// on to the caller, and does not leave the store locked: a server that
// recovers from a panic in one request must not stop every login after it.
func unitWritesNothingOnPanic(t *testing.T, e *env) {
	phone := e.spoilable(t)
	before := e.snapshot(t)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the function's panic", r)
			}
		}()
		e.Store.Update(ctx, actor, "alice", func(u *db.Unit) error {
			e.spoil(t, u)
			panic("boom")
		})
	}()
	e.nothingSpoiled(t, phone, before, "a panicking unit of work")
	// Another process can write at once.
	other := e.Open(t)
	done := make(chan error, 1)
	go func() {
		_, err := other.AddUser(ctx, actor, "bob")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("another handle's write after the panic: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the store is still locked 30 s after a unit of work panicked")
	}
}

// A change and its audit entry are one transaction: both are there after
// a successful unit, and an entry about a device added in the same unit
// names the id the device got.
func auditWrittenWithTheChange(t *testing.T, e *env) {
	e.addUser(t, "alice")
	e.clock.Advance(time.Minute)
	d := e.addApp(t, "alice", "phone", []byte("alice-phone-secret!!"))
	got := e.audit(t, db.AuditFilter{User: "alice", Action: "device."})
	if len(got) != 1 {
		t.Fatalf("audit after an enroll: %+v", got)
	}
	a := got[0]
	if a.Action != "device.enroll" || a.Actor != actor || a.User != "alice" || a.DeviceID != d.ID || d.ID == 0 || a.Device != "phone" || a.Outcome != "ok" {
		t.Fatalf("audit entry %+v for device %d", a, d.ID)
	}
	if !a.At.Equal(e.clock.Now()) {
		t.Errorf("audit entry at %v, want the store's clock %v", a.At, e.clock.Now())
	}
	if us := e.audit(t, db.AuditFilter{Action: "user.add"}); len(us) != 1 || us[0].User != "alice" {
		t.Errorf("adding a user is audited: %+v", us)
	}
	// Refused changes leave no audit entry.
	before := e.snapshot(t)
	if _, err := e.Store.AddUser(ctx, actor, "alice"); err == nil {
		t.Fatal("a duplicate user was added")
	}
	if err := e.Store.RemoveUser(ctx, actor, "nobody"); err == nil {
		t.Fatal("an unknown user was removed")
	}
	e.unchanged(t, before, "refused changes")
}

// UpdateOrCreate adds the user in the same transaction as the unit, and
// only when the function succeeds.
func updateOrCreateOnlyOnSuccess(t *testing.T, e *env) {
	err := e.Store.UpdateOrCreate(ctx, actor, "carol", func(u *db.Unit) error {
		u.Add(e.app("phone", []byte("carol-phone-secret!!")))
		return errors.New("wrong code")
	})
	if err == nil {
		t.Fatal("the function's error was lost")
	}
	if _, err := e.Store.Devices(ctx, "carol"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("carol after a failed UpdateOrCreate: %v, want ErrNotFound", err)
	}
	err = e.Store.UpdateOrCreate(ctx, actor, "carol", func(u *db.Unit) error {
		d := e.app("phone", []byte("carol-phone-secret!!"))
		u.Add(d)
		u.Audit("device.enroll", d, "ok", "")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ds := e.devicesOf(t, e.Store, "carol"); len(ds) != 1 || ds[0].Name != "phone" {
		t.Fatalf("carol's devices: %s", describe(ds))
	}
}

// For a name that belongs to no user, UpdateAnyName runs the function on
// an empty unit and keeps only its audit entries; it adds no user, and a
// device added for nobody is refused.
func updateAnyNameUnknown(t *testing.T, e *env) {
	err := e.Store.UpdateAnyName(ctx, actor, "nobody", func(u *db.Unit) error {
		if u.User.ID != 0 || len(u.Devices) != 0 || u.User.Name != "nobody" {
			t.Errorf("unit for an unknown name: %+v with %d devices", u.User, len(u.Devices))
		}
		u.Audit("device.verify", nil, "rejected", "no such user")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.audit(t, db.AuditFilter{User: "nobody"}); len(got) != 1 || got[0].Outcome != "rejected" {
		t.Fatalf("audit for an unknown name: %+v", got)
	}
	if st, err := e.Store.Statuses(ctx, []string{"nobody"}); err != nil || st[0].Exists {
		t.Fatalf("UpdateAnyName created the user: %+v %v", st, err)
	}
	before := e.snapshot(t)
	err = e.Store.UpdateAnyName(ctx, actor, "nobody", func(u *db.Unit) error {
		u.Add(e.app("phone", []byte("nobodys-phone-secret")))
		u.Audit("device.enroll", nil, "ok", "")
		return nil
	})
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("adding a device for nobody: %v, want ErrNotFound", err)
	}
	e.unchanged(t, before, "a device added for nobody")
}
