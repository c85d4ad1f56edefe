package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// On a Django site's database (the store's Settings().Rules is
// devices.DjangoRules) the service follows django-otp and
// django-two-factor-auth, so that the site's own logins and two-factor
// agree on every device: see verifyDjango, djangoDeviceName and
// djangoBackupCodes, and unavailableOnDjango for what Django cannot
// represent.

// rulesMemo remembers whose rules the store follows: a property of the
// backend that never changes, asked once rather than on every login.
type rulesMemo struct {
	mu    sync.Mutex
	known bool
	rules devices.Rules
}

// rules returns the store's verification rules.
func (s *Service) rules(ctx context.Context) (devices.Rules, error) {
	m := s.memo
	if m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.known {
			return m.rules, nil
		}
	}
	set, err := s.store.Settings(ctx)
	if err != nil {
		return "", err
	}
	if m != nil {
		m.known, m.rules = true, set.Rules
	}
	return set.Rules, nil
}

// Operation names what a front end is about to ask, for Supports.
type Operation int

const (
	OpRemoveUser   Operation = iota // RemoveUser
	OpSwitchDevice                  // ChangeDevice with ActionEnable or ActionDisable
	OpHardLockout                   // a lockout threshold other than 0
)

// unavailableOnDjango says why a Django site's database cannot represent
// an operation.
var unavailableOnDjango = map[Operation]string{
	OpRemoveUser:   "users are the site's own; delete them in Django's admin (disable removes their devices)",
	OpSwitchDevice: "devices cannot be switched off or on (django-otp has no such setting); remove the device instead",
	OpHardLockout:  "django-otp has no hard lockout, only throttling",
}

// Supports reports, wrapping db.ErrUnavailable, an operation the store
// cannot represent (a Django site's database), so that front ends can say
// so before asking for confirmation and the service before any work. The
// store refuses it too.
func (s *Service) Supports(ctx context.Context, op Operation) error {
	r, err := s.rules(ctx)
	if err != nil {
		return err
	}
	return supportedUnder(r, op)
}

// supportedUnder is Supports' one rule, for a store with rules r.
func supportedUnder(r devices.Rules, op Operation) error {
	if why, ok := unavailableOnDjango[op]; ok && r == devices.DjangoRules {
		return fmt.Errorf("%w: %s", db.ErrUnavailable, why)
	}
	return nil
}

// BackupCodesKeptPlain reports whether backup codes are stored as they
// are shown (a Django site's static tokens, which the site compares as
// typed) rather than as keyed hashes, so front ends never claim hashes
// where there are none.
func (s *Service) BackupCodesKeptPlain(ctx context.Context) (bool, error) {
	r, err := s.rules(ctx)
	return r == devices.DjangoRules, err
}

// maxDjangoCodeLen bounds what is tried as a code on a Django site: far
// beyond any code or static token (16 characters), short enough that
// outside input is never handled unbounded.
const maxDjangoCodeLen = 256

// djangoPluginOrder is the order django_otp.devices_for_user yields
// devices in with the plugins in their usual INSTALLED_APPS order
// (otp_totp, otp_hotp, otp_static); phone devices are never tried here.
var djangoPluginOrder = map[devices.Kind]int{devices.TOTP: 0, devices.HOTP: 1, devices.Backup: 2}

// verifyDjango is Verify on a Django site's database. Without deviceRef
// it is django_otp.match_token: every confirmed device of the user, in
// plugin order and then by id, is tried with the code, whatever its shape,
// until one accepts; each device tried that did not accept counts a
// failure (django-otp's rule, including the devices tried before the one
// that accepted). With deviceRef it is django_otp.verify_token on that
// device alone. One store transaction, as in Verify.
func (s *Service) verifyDjango(ctx context.Context, userName, deviceRef, code string) (VerifyResult, error) {
	if len(code) > maxDjangoCodeLen {
		return VerifyResult{}, fmt.Errorf("%w: a code is at most %d characters", devices.ErrMalformedCode, maxDjangoCodeLen)
	}
	now := s.now()
	var res VerifyResult
	err := s.store.UpdateAnyName(ctx, s.Actor, userName, func(u *db.Unit) error {
		policy := u.Settings.Policy()
		// One run for every shape of code: django-otp tries each
		// device with any code, so a user's devices all count it.
		run, err := readRun(u, db.AnyShape)
		if err != nil {
			return err
		}
		candidates, why := djangoCandidates(u, deviceRef)
		if len(candidates) == 0 {
			res = cannotBeRight(u, run, why, code, now, policy)
			return nil
		}
		// Each failure is counted at once: django-otp saves it as it
		// happens, even when a later device accepts.
		res, err = tryInTurn(u, candidates, run, code, now, policy, countAtOnce)
		return err
	})
	return res, err
}

// djangoCandidates returns the devices django-otp would try, or none and
// why not (for the audit log only).
func djangoCandidates(u *db.Unit, ref string) ([]*devices.Device, string) {
	if u.User.ID == 0 {
		return nil, "unknown user"
	}
	if ref != "" {
		d, err := u.Find(ref)
		switch {
		case err != nil:
			return nil, err.Error()
		case d.Kind == devices.Phone:
			return nil, fmt.Sprintf("device %s is a phone device, verified by the site only", d.Name)
		case !d.Confirmed:
			// django_otp.verify_token would try it; a login through
			// two-factor-auth never offers an unconfirmed device, and
			// neither do we.
			return nil, fmt.Sprintf("device %s is not confirmed yet", d.Name)
		}
		return []*devices.Device{d}, ""
	}
	var out []*devices.Device
	for _, d := range u.Devices {
		if _, tried := djangoPluginOrder[d.Kind]; tried && d.Confirmed {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b *devices.Device) int {
		return cmp.Or(cmp.Compare(djangoPluginOrder[a.Kind], djangoPluginOrder[b.Kind]), cmp.Compare(a.ID, b.ID))
	})
	if len(out) == 0 {
		return nil, "no confirmed device"
	}
	return out, ""
}

// djangoDeviceName is the name a new device gets on a Django site when the
// admin chose none: the user's first TOTP device is `default`, so
// two-factor-auth uses it (unless a device of that name exists already).
func djangoDeviceName(existing []*devices.Device, kind devices.Kind) string {
	if kind != devices.TOTP {
		return ""
	}
	for _, d := range existing {
		if d.Kind == devices.TOTP || d.Name == devices.DjangoDefaultName {
			return ""
		}
	}
	return devices.DjangoDefaultName
}

// djangoBackupName is the static device two-factor-auth makes for backup
// tokens when the user has none.
const djangoBackupName = "backup"

// djangoBackupCodes replaces the tokens of the user's static device (the
// first, by id, of any name: two-factor-auth >= 1.18 uses any, and its
// login takes the first) with ten fresh ones, or makes a device named
// `backup` with them.
func djangoBackupCodes(u *db.Unit, now time.Time) ([]string, error) {
	var static *devices.Device
	for _, d := range u.Devices {
		if d.Kind == devices.Backup && (static == nil || d.ID < static.ID) {
			static = d
		}
	}
	if static != nil {
		codes, err := static.RegenerateCodesUnder(devices.DjangoRules)
		if err != nil {
			return nil, err
		}
		u.Save(static)
		u.Audit("device.backup-codes", static, "ok", "regenerated")
		return codes, nil
	}
	d, codes, err := devices.NewBackupDeviceUnder(devices.DjangoRules, djangoBackupName, now)
	if err != nil {
		return nil, err
	}
	u.Add(d)
	u.Audit("device.backup-codes", d, "ok", "generated")
	return codes, nil
}
