package service

import (
	"errors"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

func TestUserDetail(t *testing.T) {
	s, c := newService(t, t.TempDir())
	enroll(t, s, c, "alice")
	if _, err := s.BackupCodes(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	// A wrong code: the app is throttled for a second and has a failure.
	if r, err := s.Verify(ctx, "alice", "authenticator", "000000"); err != nil || r.Accepted() {
		t.Fatalf("wrong code: %v %v", r.Outcome, err)
	}
	// A good code a step later leaves a drift sample behind.
	c.t = c.t.Add(30 * time.Second)
	u, err := s.UserDetail(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if u.User != "alice" || !u.At.Equal(c.t) || len(u.Devices) != 2 || !u.Enabled() {
		t.Fatalf("detail: %+v", u)
	}
	set, _ := s.Settings(ctx)
	if u.Policy != set.Policy() {
		t.Errorf("policy %+v, settings say %+v", u.Policy, set.Policy())
	}
	app, err := u.Find("authenticator")
	if err != nil {
		t.Fatal(err)
	}
	if app.Secret != nil {
		t.Error("UserDetail returned a device's secret")
	}
	if app.State != devices.StateActive || app.Failures != 1 {
		t.Errorf("app: state %v, %d failures; want active (the 1 s throttle is over), 1", app.State, app.Failures)
	}
	if len(app.History) != 1 || app.Trend.Samples != 1 {
		t.Errorf("app drift: %d samples, trend over %d; want the enrollment's one", len(app.History), app.Trend.Samples)
	}
	backup, err := u.Find("backup codes")
	if err != nil {
		t.Fatal(err)
	}
	if backup.History != nil || backup.State != devices.StateActive {
		t.Errorf("backup codes: %d drift samples, state %v", len(backup.History), backup.State)
	}

	// Throttled: the state says so and says until when.
	c.t = c.t.Add(-29500 * time.Millisecond)
	u, _ = s.UserDetail(ctx, "alice")
	app, _ = u.Find("authenticator")
	if app.State != devices.StateThrottled || !app.ThrottledUntil.After(c.t) {
		t.Errorf("half a second after the failure: state %v until %v", app.State, app.ThrottledUntil)
	}

	if _, err := s.UserDetail(ctx, "nobody"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	if _, err := u.Find("no such device"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown device: %v, want ErrNotFound", err)
	}
}

// TestTurnsOff: only disabling or removing the last active app or token
// turns a user's two-factor authentication off; backup codes and
// unconfirmed devices never keep it on.
func TestTurnsOff(t *testing.T) {
	dev := func(id int64, kind devices.Kind, confirmed, enabled bool) DeviceDetail {
		return DeviceDetail{Device: &devices.Device{ID: id, Kind: kind, Confirmed: confirmed, Enabled: enabled}}
	}
	only := &UserDetail{Devices: []DeviceDetail{
		dev(1, devices.TOTP, true, true),
		dev(2, devices.Backup, true, true),
		dev(3, devices.HOTP, false, true), // unconfirmed
		dev(4, devices.TOTP, true, false), // disabled
	}}
	two := &UserDetail{Devices: []DeviceDetail{dev(1, devices.TOTP, true, true), dev(5, devices.HOTP, true, true)}}
	for _, tc := range []struct {
		u      *UserDetail
		id     int64
		action DeviceAction
		want   bool
	}{
		{only, 1, ActionDisable, true},
		{only, 1, ActionRemove, true},
		{only, 1, ActionRename, false},
		{only, 1, ActionUnlock, false},
		{only, 2, ActionRemove, false},
		{only, 3, ActionRemove, false},
		{only, 4, ActionEnable, false},
		{two, 1, ActionDisable, false},
		{two, 5, ActionRemove, false},
	} {
		if got := tc.u.TurnsOff(tc.id, tc.action); got != tc.want {
			t.Errorf("%d devices, %s device %d: turns 2FA off = %v, want %v", len(tc.u.Devices), tc.action, tc.id, got, tc.want)
		}
	}
}
