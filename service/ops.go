package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// Enrollment is a device being enrolled: it exists only in memory until
// its first code confirms it, so an abandoned enrollment leaves nothing
// half-made in the store.
type Enrollment struct {
	User   string
	Device *devices.Device
	URI    string // otpauth URI for authenticator apps; empty for tokens
}

// EnrollOptions choose what to enroll.
type EnrollOptions struct {
	Name       string // device name; default "authenticator", "token", ...
	Kind       devices.Kind
	Token      *devices.TokenSpec // a hardware token with a known seed
	CreateUser bool               // add the user if missing
}

// StartEnrollment prepares a device and its otpauth URI.
func (s *Service) StartEnrollment(ctx context.Context, userName string, opt EnrollOptions) (*Enrollment, error) {
	userName = devices.NormalizeUserName(userName) // as the store keeps it, for the URI's label
	if err := devices.ValidateName("user name", userName); err != nil {
		return nil, err
	}
	existing, err := s.store.Devices(ctx, userName)
	var lookAlike *db.LookAlikeError
	if errors.As(err, &lookAlike) {
		return nil, err // refused now, not after the code has been typed
	}
	if errors.Is(err, db.ErrNotFound) && opt.CreateUser {
		existing, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	settings, err := s.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var d *devices.Device
	base := opt.Name
	switch {
	case opt.Token != nil:
		if base == "" {
			base = "token"
		}
		d, err = devices.NewHardwareToken(base, *opt.Token, settings, now)
	case opt.Kind == devices.HOTP:
		if base == "" {
			base = "hotp"
		}
		d, err = devices.NewHOTPApp(base, settings, now)
	case opt.Kind == devices.TOTP || opt.Kind == "":
		if base == "" {
			base = "authenticator"
		}
		d, err = devices.NewAuthenticatorApp(base, settings, now)
	default:
		return nil, fmt.Errorf("cannot enroll a %q device this way (backup codes: use backup-codes)", string(opt.Kind))
	}
	if err != nil {
		return nil, err
	}
	if settings.Rules == devices.DjangoRules {
		if err := d.DjangoFit(); err != nil {
			return nil, fmt.Errorf("%w: %v", db.ErrUnavailable, err)
		}
		if opt.Name == "" {
			base = cmp.Or(djangoDeviceName(existing, d.Kind), base)
		}
	}
	d.Name = freeName(existing, base, opt.Name != "")
	if d.Name == "" {
		return nil, db.Conflictf("%s already has a device named %q", userName, opt.Name)
	}
	e := &Enrollment{User: userName, Device: d}
	if !d.Hardware {
		if e.URI, err = d.KeyURI(settings.Issuer, userName).String(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// freeName returns base, or base-2, base-3 ... when taken; "" when an
// explicitly chosen name is taken.
func freeName(existing []*devices.Device, base string, explicit bool) string {
	taken := func(n string) bool {
		return slices.ContainsFunc(existing, func(d *devices.Device) bool { return d.Name == n })
	}
	if !taken(base) {
		return base
	}
	if explicit {
		return ""
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s-%d", base, i); !taken(n) {
			return n
		}
	}
}

// Confirm checks the first code of an enrollment and, when it is right,
// stores the device confirmed and returns it (without its secret) in the
// result. A wrong code changes nothing; the caller may ask again.
func (s *Service) Confirm(ctx context.Context, e *Enrollment, code string, createUser bool) (VerifyResult, error) {
	now := s.now()
	trial := *e.Device
	r, err := trial.Verify(code, now, devices.Policy{FollowDrift: true})
	if err != nil {
		return VerifyResult{}, err
	}
	if r.Outcome != devices.Accepted {
		return VerifyResult{Outcome: r.Outcome}, nil
	}
	update := s.store.Update
	if createUser {
		update = s.store.UpdateOrCreate
	}
	err = update(ctx, s.Actor, e.User, func(u *db.Unit) error {
		u.Add(&trial)
		detail := trial.KindLabel()
		if trial.Serial != "" {
			detail += " serial " + trial.Serial
		}
		if trial.SeedSource == devices.SeedProgrammed {
			detail += ", programmed over NFC, model " + trial.Model
		}
		if note := trial.ShortSeedNote(); note != "" {
			detail += "; " + note
		}
		u.Audit("device.enroll", &trial, "ok", detail)
		if r.Drifted() {
			u.RecordDrift(&trial, r.DriftSample)
		}
		return nil
	})
	if err != nil {
		return VerifyResult{}, err
	}
	// e is left as it was: a console may be drawing it from another
	// goroutine. The stored device, with its id, is in the result.
	return VerifyResult{Outcome: devices.Accepted, Device: stripped(&trial), Match: r.Match}, nil
}

// BackupCodes makes (or replaces) the user's backup codes and returns them
// in plain text: the only time they are ever seen.
func (s *Service) BackupCodes(ctx context.Context, userName string) ([]string, error) {
	var codes []string
	err := s.store.Update(ctx, s.Actor, userName, func(u *db.Unit) error {
		if u.Settings.Rules == devices.DjangoRules {
			var err error
			codes, err = djangoBackupCodes(u, s.now())
			return err
		}
		for _, d := range u.Devices {
			if d.Kind == devices.Backup {
				c, err := d.RegenerateCodes()
				if err != nil {
					return err
				}
				codes = c
				u.Save(d)
				u.Audit("device.backup-codes", d, "ok", "regenerated")
				return nil
			}
		}
		d, c, err := devices.NewBackupDevice("backup codes", s.now())
		if err != nil {
			return err
		}
		codes = c
		u.Add(d)
		u.Audit("device.backup-codes", d, "ok", "generated")
		return nil
	})
	return codes, err
}

// ResyncOptions tune a resync.
type ResyncOptions struct {
	Device string // device id, name or serial; optional when the user has one OTP device
	Window int64  // TOTP radius in steps or HOTP look-ahead; 0 uses the settings
}

// Resync finds a drifted token from consecutive codes and stores its new
// position: a ResyncPreview applied at once. The search runs outside the
// store's write lock, so a year-wide search does not hold up logins.
func (s *Service) Resync(ctx context.Context, userName string, codes []string, opt ResyncOptions) (devices.ResyncResult, *devices.Device, error) {
	plan, err := s.ResyncPreview(ctx, userName, codes, opt)
	if err != nil {
		return devices.ResyncResult{}, nil, err
	}
	d, err := s.ApplyResync(ctx, plan)
	if err != nil {
		return devices.ResyncResult{}, nil, err
	}
	return plan.Result, d, nil
}

// DeviceAction is a change an admin makes to one device.
type DeviceAction string

const (
	ActionEnable  DeviceAction = "enable"
	ActionDisable DeviceAction = "disable"
	ActionUnlock  DeviceAction = "unlock"
	ActionRemove  DeviceAction = "remove"
	ActionRename  DeviceAction = "rename"
)

// ChangeDevice applies an admin action to one device of a user. arg is the
// new name for rename.
func (s *Service) ChangeDevice(ctx context.Context, userName, ref string, action DeviceAction, arg string) (*devices.Device, error) {
	if action == ActionEnable || action == ActionDisable {
		// django-otp devices have no such switch: a device exists and
		// is tried, or is removed.
		if err := s.Supports(ctx, OpSwitchDevice); err != nil {
			return nil, err
		}
	}
	var out *devices.Device
	err := s.store.Update(ctx, s.Actor, userName, func(u *db.Unit) error {
		d, err := u.Find(ref)
		if err != nil {
			return err
		}
		detail := ""
		switch action {
		case ActionEnable:
			if !d.Enabled {
				if err := takeOverRun(u, d); err != nil {
					return err
				}
			}
			d.Enabled = true
		case ActionDisable:
			if d.Enabled {
				if err := handOverRun(u, d, "disabled"); err != nil {
					return err
				}
			}
			d.Enabled = false
		case ActionUnlock:
			detail = fmt.Sprintf("%d failure(s) cleared", d.Failures)
			if err := clearRun(u, d); err != nil {
				return err
			}
			d.Unlock()
		case ActionRename:
			if err := devices.ValidateName("device name", arg); err != nil {
				return err
			}
			detail = fmt.Sprintf("renamed from %q", d.Name)
			d.Name = arg
		case ActionRemove:
			if d.Enabled {
				if err := handOverRun(u, d, "removed"); err != nil {
					return err
				}
			}
			u.Remove(d)
			u.Audit("device.remove", d, "ok", d.KindLabel())
			out = stripped(d)
			return nil
		default:
			return fmt.Errorf("unknown device action %q", action)
		}
		u.Save(d)
		u.Audit("device."+string(action), d, "ok", detail)
		out = stripped(d)
		return nil
	})
	return out, err
}

// DriftRow is one line of the drift report, with the history it was
// drawn from (the console draws it as a sparkline).
type DriftRow struct {
	Device  *devices.Device
	Trend   devices.DriftTrend
	Samples []devices.DriftSample
}

// DriftReport analyses the drift history of every TOTP device (hardware
// tokens only unless all): flagged devices first, then by user and device.
func (s *Service) DriftReport(ctx context.Context, horizon time.Duration, all bool) ([]DriftRow, error) {
	rows, err := s.store.TOTPTokens(ctx, !all)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]DriftRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, DriftRow{Device: r.Device, Trend: devices.AnalyzeDrift(r.Device, r.Samples, now, horizon), Samples: r.Samples})
	}
	slices.SortStableFunc(out, func(a, b DriftRow) int {
		switch {
		case a.Trend.Flag && !b.Trend.Flag:
			return -1
		case b.Trend.Flag && !a.Trend.Flag:
			return 1
		}
		return 0
	})
	return out, nil
}

// handOverRun makes a device's run of failures, as it is disabled or
// removed (done), the name's run with codes of its shape, on which such
// codes count from now on (a disabled device is passed over as if
// absent): otherwise taking a device under attack away would restart its
// back-off, and the next answers would tell the name from an unknown one
// that kept its run. A run of the name's that is newer is kept.
func handOverRun(u *db.Unit, d *devices.Device, done string) error {
	if d.Failures == 0 && !d.LockedOut {
		return nil // nothing to hand over: the name's run is not read
	}
	shape := runShape(u, d)
	run, err := u.NamelessRun(shape)
	if err != nil {
		return err
	}
	own := runOf(d)
	if db.HandsOver(own, run) {
		u.CarryNamelessRun(shape, fmt.Sprintf("device %s %s; its run of failures goes on as the name's", d.Name, done), own)
	}
	return nil
}

// runOf is a device's run of failures.
func runOf(d *devices.Device) db.NamelessRun {
	return db.NamelessRun{Failures: d.Failures, LastFailure: d.LastFailure, LockedOut: d.LockedOut}
}

// runShape is the shape of the name's run that codes for d count on when
// no device takes them: d's own on our store, the one run of every shape
// on a Django site (see verifyDjango), where a device's run handed over to
// its shape's would never be read again.
func runShape(u *db.Unit, d *devices.Device) string {
	if u.Settings.Rules == devices.DjangoRules {
		return db.AnyShape
	}
	return db.ShapeOf(d)
}

// takeOverRun gives a device being enabled again the run its shape of
// code answers from now: that of the user's other enabled devices of the
// shape, which every such code is counted on together; failing those, the
// name's run with codes of the shape when it is newer than the device's
// own (the codes counted there while it was disabled were codes it would
// have counted). A device that came back with a back-off of its own would
// be tried while the others refuse, or refuse while they are tried, and
// tell the name from an unknown one, whose shape has one run.
func takeOverRun(u *db.Unit, d *devices.Device) error {
	if peer := enabledPeer(u, d); peer != nil {
		d.Failures, d.LastFailure, d.LockedOut = peer.Failures, peer.LastFailure, peer.LockedOut
		return nil
	}
	run, err := u.NamelessRun(runShape(u, d))
	if err != nil || !run.Later(runOf(d)) {
		return err
	}
	d.Failures, d.LastFailure, d.LockedOut = run.Failures, run.LastFailure, run.LockedOut
	return nil
}

// enabledPeer is the user's enabled, confirmed device of d's shape (other
// than d) that failed last, or nil if there is none. Codes of the shape
// are tried on all of them and counted on all that refuse, so they share
// one run unless one was just unlocked.
func enabledPeer(u *db.Unit, d *devices.Device) *devices.Device {
	var peer *devices.Device
	for _, o := range u.Devices {
		if o == d || !o.Enabled || !o.Confirmed || db.ShapeOf(o) != db.ShapeOf(d) {
			continue
		}
		if peer == nil || runOf(o).Later(runOf(peer)) {
			peer = o
		}
	}
	return peer
}

// clearRun clears the name's run with codes of d's shape as d is
// unlocked: a disabled device's run lives there (handOverRun), and
// enabling it again would otherwise bring back the lockout just cleared.
func clearRun(u *db.Unit, d *devices.Device) error {
	run, err := u.NamelessRun(runShape(u, d))
	if err != nil || (run.Failures == 0 && !run.LockedOut) {
		return err
	}
	u.CarryNamelessRun(runShape(u, d), fmt.Sprintf("device %s unlocked; the name's run of failures cleared with it", d.Name), db.NamelessRun{})
	return nil
}
