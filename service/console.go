package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// FirstUsers returns the first limit users by name and how many there are
// in all: enough for the console's first screen on a store of any size.
// Stores that cannot page return their whole list, cut.
func (s *Service) FirstUsers(ctx context.Context, limit int) ([]db.UserSummary, int, error) {
	if p, ok := s.store.(db.UserPager); ok {
		n, err := p.UserCount(ctx)
		if err != nil {
			return nil, 0, err
		}
		us, err := p.FirstUsers(ctx, limit)
		return us, n, err
	}
	us, err := s.store.Users(ctx)
	if err != nil {
		return nil, 0, err
	}
	return us[:min(limit, len(us))], len(us), nil
}

// AllUsers lists every user with a summary of their devices, by name.
func (s *Service) AllUsers(ctx context.Context) ([]db.UserSummary, error) {
	if p, ok := s.store.(db.UserPager); ok {
		return p.AllUsers(ctx)
	}
	return s.store.Users(ctx)
}

// ResyncPlan is what a resync search found, not yet saved: the console
// shows it and saves it only when the administrator confirms.
type ResyncPlan struct {
	User   string
	Window int64                // the search radius used (steps, or HOTP look-ahead)
	Result devices.ResyncResult // offset, old and new drift or counter
	Before *devices.Device      // the device as found, without secret
	After  *devices.Device      // the device as it will be saved, without secret
}

// ErrResyncStale means the device changed between a resync search and its
// confirmation (a login moved it, or another admin did).
var ErrResyncStale = errors.New("the device changed since the search")

// errLookOnly rolls back the transaction ResyncPreview reads the secret in.
var errLookOnly = errors.New("look only")

// ResyncPreview runs the resync search of Resync without saving anything.
// The secret is read in a short transaction and the search (which may span
// a year of steps) runs after it, so other processes are not held up.
func (s *Service) ResyncPreview(ctx context.Context, userName string, codes []string, opt ResyncOptions) (*ResyncPlan, error) {
	var (
		d      devices.Device
		window = opt.Window
	)
	err := s.store.Update(ctx, s.Actor, userName, func(u *db.Unit) error {
		found, err := pick(u, opt.Device, func(d *devices.Device) bool { return d.Kind.IsOTP() }, "TOTP/HOTP device")
		if err != nil {
			return err
		}
		d = *found
		if window == 0 {
			window = u.Settings.ResyncWindow
			if d.Kind == devices.HOTP {
				window = 1000
			}
		}
		return errLookOnly
	})
	if !errors.Is(err, errLookOnly) {
		if err == nil {
			err = errors.New("resync preview: the store wrote nothing but reported no error")
		}
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	before := stripped(&d)
	res, err := d.Resync(codes, s.now(), window)
	clear(d.Secret)
	if err != nil {
		return nil, fmt.Errorf("resync of %s: %w", d.Name, err)
	}
	if rules, err := s.rules(ctx); err != nil {
		return nil, err
	} else if rules == devices.DjangoRules {
		if err := d.DjangoFit(); err != nil {
			return nil, fmt.Errorf("resync of %s found the token, but %w: %v", d.Name, db.ErrUnavailable, err)
		}
	}
	return &ResyncPlan{User: userName, Window: window, Result: res, Before: before, After: stripped(&d)}, nil
}

// ApplyResync saves a plan from ResyncPreview, in one transaction and only
// if the device is still as the search found it; otherwise it returns
// ErrResyncStale and changes nothing. It records the drift sample and the
// audit entry Resync would.
func (s *Service) ApplyResync(ctx context.Context, p *ResyncPlan) (*devices.Device, error) {
	var out *devices.Device
	err := s.store.Update(ctx, s.Actor, p.User, func(u *db.Unit) error {
		d, err := u.Find(strconv.FormatInt(p.Before.ID, 10))
		if err != nil {
			return err
		}
		b := p.Before
		if d.Kind != b.Kind || d.Drift != b.Drift || d.Counter != b.Counter || d.LastStep != b.LastStep {
			return fmt.Errorf("%w: %s of %s was used or changed; search again", ErrResyncStale, d.Name, u.User.Name)
		}
		a := p.After
		d.Drift = a.Drift
		d.RaiseFloor(a.LastStep)
		d.AdvanceCounter(a.Counter)
		d.Failures, d.LastFailure = a.Failures, a.LastFailure
		u.Save(d)
		if d.Kind == devices.TOTP {
			u.RecordDrift(d, devices.DriftSample{At: s.now(), Drift: d.Drift})
			u.Audit("device.resync", d, "ok", fmt.Sprintf("drift %+d -> %+d steps", p.Result.OldDrift, p.Result.NewDrift))
		} else {
			u.Audit("device.resync", d, "ok", fmt.Sprintf("counter %d -> %d", p.Result.OldCounter, p.Result.NewCounter))
		}
		out = stripped(d)
		return nil
	})
	return out, err
}
