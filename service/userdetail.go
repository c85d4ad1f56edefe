package service

import (
	"context"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// DriftHorizon is how far ahead a user's detail looks for a token that
// will leave its tolerance.
const DriftHorizon = 30 * 24 * time.Hour

// UserDetail is everything an admin looking at one user needs: their
// devices (without secrets), each with its state and drift, judged at one
// instant under one policy. The console's user screen and the command
// line's device list and show all draw this, so they cannot disagree.
type UserDetail struct {
	User     string
	At       time.Time // when the states were judged
	Settings devices.Settings
	Policy   devices.Policy
	Devices  []DeviceDetail
}

// DeviceDetail is one device of a UserDetail.
type DeviceDetail struct {
	*devices.Device
	State devices.State
	// ThrottledUntil is when a throttled device may be tried again; zero
	// when it is not throttled.
	ThrottledUntil time.Time
	// History and Trend are a TOTP device's drift samples, oldest first,
	// and their analysis over DriftHorizon; empty for other kinds.
	History []devices.DriftSample
	Trend   devices.DriftTrend
}

// Supports is Service.Supports for the store this detail was read from,
// so a screen can leave out what the store cannot do without asking again.
func (u *UserDetail) Supports(op Operation) error { return supportedUnder(u.Settings.Rules, op) }

// Enabled reports whether the user has two-factor authentication on: a
// device that turns it on under the store's rules (devices.TurnsTwoFactorOn,
// the rule the user list and status count by).
func (u *UserDetail) Enabled() bool {
	for _, d := range u.Devices {
		if d.TurnsTwoFactorOn(u.Settings.Rules) {
			return true
		}
	}
	return false
}

// TurnsOff reports whether action on the device with id would turn the
// user's two-factor authentication off: the device is the last one that
// turns it on (TurnsTwoFactorOn) and the action disables or removes it.
// Every front end asks this before such a change, so the rule that
// decides when to warn is the rule Enabled uses.
func (u *UserDetail) TurnsOff(id int64, action DeviceAction) bool {
	if action != ActionDisable && action != ActionRemove {
		return false
	}
	counts := false
	for _, d := range u.Devices {
		if !d.TurnsTwoFactorOn(u.Settings.Rules) {
			continue
		}
		if d.ID != id {
			return false // another active device keeps 2FA on
		}
		counts = true
	}
	return counts
}

// Find returns the device a reference (id, name or serial) names.
func (u *UserDetail) Find(ref string) (*DeviceDetail, error) {
	ds := make([]*devices.Device, len(u.Devices))
	for i := range u.Devices {
		ds[i] = u.Devices[i].Device
	}
	d, err := db.FindDevice(ds, u.User, ref)
	if err != nil {
		return nil, err
	}
	for i := range u.Devices {
		if u.Devices[i].Device == d {
			return &u.Devices[i], nil
		}
	}
	panic("unreachable: FindDevice returned a device it was not given")
}

// UserDetail reads one user's devices, settings and drift histories.
func (s *Service) UserDetail(ctx context.Context, user string) (*UserDetail, error) {
	ds, err := s.store.Devices(ctx, user)
	if err != nil {
		return nil, err
	}
	set, err := s.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &UserDetail{User: user, At: now, Settings: set, Policy: set.Policy(), Devices: make([]DeviceDetail, len(ds))}
	for i, d := range ds {
		dd := DeviceDetail{Device: d, State: devices.StateOf(d, out.Policy, now)}
		if dd.State == devices.StateThrottled {
			dd.ThrottledUntil = d.ThrottledUntil(out.Policy)
		}
		if d.Kind == devices.TOTP {
			if dd.History, err = s.store.DriftHistory(ctx, d.ID); err != nil {
				return nil, err
			}
			dd.Trend = devices.AnalyzeDrift(d, dd.History, now, DriftHorizon)
		}
		out.Devices[i] = dd
	}
	return out, nil
}
