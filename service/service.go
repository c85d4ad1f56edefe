// Package service is what an administrator or a login can ask of
// two-factor: enroll, verify, resync, disable and the rest. It combines the
// rules in devices with the store in db, so the command line, the console
// and any future front end share one implementation of each operation.
package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/termsafe"
)

// Service runs operations on a store on behalf of an actor.
type Service struct {
	Store db.Store
	Actor string           // who is acting, for the audit log
	Now   func() time.Time // the clock; time.Now if nil
}

// New returns a service acting as the current OS user.
func New(store db.Store) *Service {
	return &Service{Store: store, Actor: CurrentActor(), Now: time.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// CurrentActor names the person at the keyboard: the user who ran sudo
// when run through it, otherwise the OS user.
func CurrentActor() string {
	if su := os.Getenv("SUDO_USER"); su != "" && os.Geteuid() == 0 {
		// The environment is outside input: escape it (the store also
		// bounds and escapes every actor it records).
		return termsafe.Clean(su)
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}

// ErrNoDevice means the user has no device that could accept the code.
var ErrNoDevice = errors.New("no device can check this code")

// VerifyResult is the outcome of checking one code for a user.
type VerifyResult struct {
	Outcome    devices.Outcome
	Device     *devices.Device // the device that decided, without secret
	Match      otpcore.Match
	RetryAfter time.Duration
}

// Accepted reports whether the code was accepted.
func (r VerifyResult) Accepted() bool { return r.Outcome == devices.Accepted }

// Verify checks a code for user. Without deviceRef every confirmed device
// that takes codes of that shape is tried: numeric codes go to TOTP/HOTP
// devices, backup codes to backup devices, so a login never counts failures
// against a device the code was not meant for. When one device accepts,
// only it changes; when none does, each device tried counts a failure. It
// all happens in one store transaction, so a code is accepted at most once
// even when several processes verify it at the same moment.
func (s *Service) Verify(ctx context.Context, userName, deviceRef, code string) (VerifyResult, error) {
	backup := devices.LooksLikeBackupCode(code)
	if !backup && !looksNumeric(code) {
		return VerifyResult{}, fmt.Errorf("%w: the code must be digits (or a backup code of letters and 2-7)", devices.ErrMalformedCode)
	}
	now := s.now()
	var res VerifyResult
	err := s.Store.Update(ctx, s.Actor, userName, func(u *db.Unit) error {
		candidates, err := verifyCandidates(u, deviceRef, backup)
		if err != nil {
			return err
		}
		policy := u.Settings.Policy()
		type trial struct{ stored, tried *devices.Device }
		var failed []trial
		var blocked []VerifyResult
		for _, d := range candidates {
			tried := *d
			r, err := tried.Verify(code, now, policy)
			if errors.Is(err, devices.ErrMalformedCode) && deviceRef == "" {
				continue // e.g. 8 digits typed for a 6-digit device
			}
			if err != nil {
				return fmt.Errorf("device %s: %w", d.Name, err)
			}
			switch r.Outcome {
			case devices.Accepted:
				*d = tried
				u.Save(d)
				if r.DriftSample != nil {
					u.RecordDrift(d, *r.DriftSample)
				}
				detail := ""
				if d.Kind == devices.TOTP {
					detail = fmt.Sprintf("offset %+d, drift %+d", r.Match.Offset, d.Drift)
				}
				u.Audit("device.verify", d, string(r.Outcome), detail)
				res = VerifyResult{Outcome: r.Outcome, Device: stripped(d), Match: r.Match}
				return nil
			case devices.Rejected:
				// Counted below, and only if no device accepts.
				failed = append(failed, trial{d, &tried})
			default:
				blocked = append(blocked, VerifyResult{Outcome: r.Outcome, Device: stripped(d), RetryAfter: r.RetryAfter})
			}
		}
		for _, f := range failed {
			d := f.stored
			*d = *f.tried
			u.Save(d)
			detail := fmt.Sprintf("%d consecutive failure(s)", d.Failures)
			if d.LockedOut {
				detail += "; locked out"
			}
			u.Audit("device.verify", d, string(devices.Rejected), detail)
		}
		switch {
		case len(failed) > 0:
			res = VerifyResult{Outcome: devices.Rejected, Device: stripped(failed[0].stored)}
		case len(blocked) > 0:
			res = mostInformative(blocked)
			u.Audit("device.verify", res.Device, string(res.Outcome), "")
		default:
			return fmt.Errorf("%w: the code does not fit any of %s's devices", devices.ErrMalformedCode, u.User.Name)
		}
		return nil
	})
	return res, err
}

func looksNumeric(code string) bool {
	digits := 0
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '\t':
		default:
			return false
		}
	}
	return digits > 0
}

func verifyCandidates(u *db.Unit, ref string, backup bool) ([]*devices.Device, error) {
	if ref != "" {
		d, err := u.Find(ref)
		if err != nil {
			return nil, err
		}
		if !d.Confirmed {
			return nil, fmt.Errorf("device %s of %s is not confirmed yet: finish its enrollment first", d.Name, u.User.Name)
		}
		return []*devices.Device{d}, nil
	}
	var out []*devices.Device
	for _, d := range u.Devices {
		if d.Confirmed && (d.Kind == devices.Backup) == backup {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		kind := "authenticator app or token"
		if backup {
			kind = "backup codes"
		}
		return nil, fmt.Errorf("%w: %s has no confirmed %s", ErrNoDevice, u.User.Name, kind)
	}
	return out, nil
}

// mostInformative picks what to tell a user none of whose devices could be
// tried: a throttle ends soonest, a lockout needs an admin.
func mostInformative(rs []VerifyResult) VerifyResult {
	best := rs[0]
	rank := map[devices.Outcome]int{devices.Throttled: 0, devices.LockedOut: 1, devices.Disabled: 2}
	for _, r := range rs[1:] {
		if rank[r.Outcome] < rank[best.Outcome] || (r.Outcome == best.Outcome && r.RetryAfter < best.RetryAfter) {
			best = r
		}
	}
	return best
}

// stripped copies a device without its secret, for results that leave the
// service.
func stripped(d *devices.Device) *devices.Device {
	c := *d
	c.Secret = nil
	c.Codes = nil
	return &c
}

// Status reports whether each user has 2FA enabled; all users when names
// is empty.
func (s *Service) Status(ctx context.Context, names []string) ([]db.UserStatus, error) {
	return s.Store.Statuses(ctx, names)
}

// Disable removes every device of the named users, all or nothing.
func (s *Service) Disable(ctx context.Context, names []string) ([]int, error) {
	return s.Store.DisableUsers(ctx, s.Actor, names)
}

// pick finds one device of a user by reference, or the user's only device
// matching want when ref is empty.
func pick(u *db.Unit, ref string, want func(*devices.Device) bool, what string) (*devices.Device, error) {
	if ref != "" {
		return u.Find(ref)
	}
	var found []*devices.Device
	for _, d := range u.Devices {
		if want(d) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: %s has no %s", ErrNoDevice, u.User.Name, what)
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, d := range found {
		names[i] = fmt.Sprintf("%d (%s)", d.ID, d.Name)
	}
	return nil, fmt.Errorf("%s has %d %ss; choose one with --device: %s", u.User.Name, len(found), what, strings.Join(names, ", "))
}
