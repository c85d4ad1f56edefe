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
	"sync"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/termsafe"
)

// Service runs operations on a store on behalf of an actor. It is the only
// door to the store: front ends call its methods and never hold the store,
// so every rule is applied, and every change audited, in one place.
type Service struct {
	store db.Store
	Actor string           // who is acting, for the audit log
	Now   func() time.Time // the clock; time.Now if nil
	// Cards reaches the NFC reader, for the front ends that program
	// tokens; nil where there is none (WaitForToken then says so).
	Cards CardSource

	memo *rulesMemo // the store's rules, once known; shared by copies
}

// New returns a service on store acting as the current OS user. Set Actor
// and Now afterwards to act as someone else or at another time.
func New(store db.Store) *Service {
	return &Service{store: store, Actor: CurrentActor(), Now: time.Now, memo: &rulesMemo{}}
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

// ErrNoDevice means the user has no device of the kind an operation needs.
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
//
// A code that cannot be right for the name (no such user, no confirmed
// device, no device of that name, no device taking codes of that length)
// is rejected exactly like a wrong one: same result, an audit entry, the
// same kind of transaction and a verification against a dummy key. Only
// the audit log says which it was, so a caller cannot learn which names
// exist. Whether a code is malformed depends on its shape alone.
//
// On a Django site's database django-otp's rules apply instead (see
// verifyDjango).
func (s *Service) Verify(ctx context.Context, userName, deviceRef, code string) (VerifyResult, error) {
	rules, err := s.rules(ctx)
	if err != nil {
		return VerifyResult{}, err
	}
	if rules == devices.DjangoRules {
		return s.verifyDjango(ctx, userName, deviceRef, code)
	}
	backup := devices.LooksLikeBackupCode(code)
	if !backup && !looksLikeOTP(code) {
		return VerifyResult{}, fmt.Errorf("%w: the code must be %d to %d digits (or a backup code of letters and 2-7)",
			devices.ErrMalformedCode, otpcore.MinDigits, otpcore.MaxDigits)
	}
	now := s.now()
	var res VerifyResult
	err = s.store.UpdateAnyName(ctx, s.Actor, userName, func(u *db.Unit) error {
		policy := u.Settings.Policy()
		// Read for every name, known or not: the same seeks either way.
		run, err := readRun(u, codeShape(code))
		if err != nil {
			return err
		}
		candidates, why := verifyCandidates(u, deviceRef, backup)
		if len(candidates) == 0 {
			res = cannotBeRight(u, run, why, code, now, policy)
			return nil
		}
		res, err = tryInTurn(u, candidates, run, code, now, policy, countUnlessAccepted)
		return err
	})
	return res, err
}

// nameless is the run of failures a verification counts a code on when no
// enabled device of the name can check it: the name's run with codes of
// the code's shape.
type nameless struct {
	shape string
	db.NamelessRun
}

func readRun(u *db.Unit, shape string) (nameless, error) {
	run, err := u.NamelessRun(shape)
	return nameless{shape, run}, err
}

// codeShape names the shape of a code (already known to be a backup code
// or 6 to 8 digits), which is the run an unusable code counts on: an
// unknown name behaves like a user with one device of each shape, each
// keeping its own back-off as a real user's devices do.
func codeShape(code string) string {
	if devices.LooksLikeBackupCode(code) {
		return db.BackupShape
	}
	return db.DigitsShape(otpDigits(code))
}

// failureCounting is when a device that did not accept a code counts the
// failure, where several devices are tried in turn.
type failureCounting int

const (
	// countUnlessAccepted counts failures only when no device accepts (our
	// rule: a code is meant for one device, not held against the others).
	countUnlessAccepted failureCounting = iota
	// countAtOnce saves each failure as it happens, kept even when a later
	// device accepts (django_otp.match_token).
	countAtOnce
)

// tryInTurn tries code on each candidate until one accepts, and does the
// bookkeeping of the outcome in u: the accepting device saved with its
// drift sample, failures counted as counting says, each audited. A device
// the code cannot be right for by its shape is passed over.
func tryInTurn(u *db.Unit, candidates []*devices.Device, run nameless, code string, now time.Time, policy devices.Policy, counting failureCounting) (VerifyResult, error) {
	type trial struct{ stored, tried *devices.Device }
	var failed []trial
	var blocked []VerifyResult
	var disabled []string
	for _, d := range candidates {
		if run.shape != db.AnyShape && db.ShapeOf(d) != run.shape {
			// Not a code this device takes (8 digits for a 6-digit
			// app): passed over before its back-off is even looked at,
			// as the device of that shape an unknown name stands for
			// would not be throttled by it either.
			continue
		}
		if !d.Enabled {
			// A disabled device tells the caller nothing: it is as
			// if it were not there (the audit entry names it).
			disabled = append(disabled, d.Name)
			continue
		}
		tried := *d
		r, err := tried.Verify(code, now, policy)
		if errors.Is(err, devices.ErrMalformedCode) {
			continue // e.g. 8 digits typed for a 6-digit device
		}
		if err != nil {
			return VerifyResult{}, fmt.Errorf("device %s: %w", d.Name, err)
		}
		switch r.Outcome {
		case devices.Accepted:
			*d = tried
			u.Save(d)
			if r.Drifted() {
				u.RecordDrift(d, r.DriftSample)
			}
			detail := ""
			if d.Kind == devices.TOTP {
				detail = fmt.Sprintf("offset %+d, drift %+d", r.Match.Offset, d.Drift)
			}
			u.Audit("device.verify", d, string(r.Outcome), detail)
			return VerifyResult{Outcome: r.Outcome, Device: stripped(d), Match: r.Match}, nil
		case devices.Rejected:
			if counting == countAtOnce {
				countFailure(u, d, &tried)
			}
			failed = append(failed, trial{d, &tried})
		default:
			blocked = append(blocked, VerifyResult{Outcome: r.Outcome, Device: stripped(d), RetryAfter: r.RetryAfter})
		}
	}
	if counting == countUnlessAccepted {
		for _, f := range failed {
			countFailure(u, f.stored, f.tried)
		}
	}
	switch {
	case len(failed) > 0:
		// No device in the result: an unknown name has none to show.
		return VerifyResult{Outcome: devices.Rejected}, nil
	case len(blocked) > 0:
		res := mostInformative(blocked)
		u.Audit("device.verify", res.Device, string(res.Outcome), "")
		return res, nil
	case len(disabled) > 0:
		why := fmt.Sprintf("the code fits none of the user's enabled devices (disabled: %s)", strings.Join(disabled, ", "))
		return cannotBeRight(u, run, why, code, now, policy), nil
	default:
		return cannotBeRight(u, run, "the code fits none of the user's devices", code, now, policy), nil
	}
}

// countFailure saves the failure a device counted when it rejected a code
// (tried is the device after the attempt) and audits it.
func countFailure(u *db.Unit, stored, tried *devices.Device) {
	*stored = *tried
	u.Save(stored)
	detail := fmt.Sprintf("%d consecutive failure(s)", stored.Failures)
	if stored.LockedOut {
		detail += "; locked out"
	}
	u.Audit("device.verify", stored, string(devices.Rejected), detail)
}

// looksLikeOTP reports whether code is shaped like a one-time password of
// a length some device could have, whatever devices the user has.
func looksLikeOTP(code string) bool {
	n := otpDigits(code)
	return n >= otpcore.MinDigits && n <= otpcore.MaxDigits
}

// otpDigits counts the digits of a code typed with optional blanks, or
// returns -1 when it holds anything else.
func otpDigits(code string) int {
	digits := 0
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '\t':
		default:
			return -1
		}
	}
	return digits
}

// cannotBeRight refuses a code that no enabled device of the name could
// accept, after doing the work a real device would (see Verify), and
// audits why. The name is treated as if it had one device of the code's
// shape never logged into, whose run of failures is the name's run with
// codes of that shape (db.NamelessRun): a wrong code counts a
// failure, and a code within the back-off, or past a lockout, is refused
// as throttled or locked-out without being tried or counted, exactly as
// a real device's would be. Otherwise a second wrong code would tell a
// name that exists (now throttled) from one that does not.
func cannotBeRight(u *db.Unit, nr nameless, why, code string, now time.Time, policy devices.Policy) VerifyResult {
	d := dummyDevice(code, u.Settings)
	run := func() {
		d.Failures, d.LastFailure, d.LockedOut = nr.Failures, nr.LastFailure, nr.LockedOut
	}
	run()
	r, _ := d.Verify(code, now, policy)
	switch r.Outcome {
	case devices.Throttled, devices.LockedOut:
		u.Audit("device.verify", nil, string(r.Outcome), why)
		return VerifyResult{Outcome: r.Outcome, RetryAfter: r.RetryAfter}
	case devices.Rejected: // counted by Verify
	default:
		// The dummy key is in the source: a code it accepts (or finds
		// malformed) is as wrong as any other, and counts on top of the
		// run (an acceptance cleared it).
		run()
		d.CountFailure(now, policy)
	}
	u.AuditNamelessFailure(nr.shape, why, db.NamelessRun{Failures: d.Failures, LastFailure: d.LastFailure, LockedOut: d.LockedOut})
	return VerifyResult{Outcome: devices.Rejected}
}

// dummyKey stands in for a seed when there is no device to check a code
// against. Its value does not matter: the result is thrown away.
var dummyKey = []byte("two-factor dummy verification key")

// dummyKeyed is dummyKey's keyed state: a real login restores its
// device's keyed state rather than keying, and so does the dummy. Nil
// where keyed states are not supported (real logins key from seeds there).
var dummyKeyed = sync.OnceValue(func() []byte {
	state, _ := otpcore.AppendKeyedState(nil, otpcore.SHA1, dummyKey)
	return state
})

// dummyDevice is a throwaway device shaped like a real one (TOTP over the
// organisation's tolerance, or a full set of backup codes) to check code
// against, so that a code for an unknown name costs what a wrong one does.
func dummyDevice(code string, set devices.Settings) devices.Device {
	d := devices.Device{Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: otpcore.MinDigits, Step: 30,
		Tolerance: set.Tolerance, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor, Secret: dummyKey, Keyed: dummyKeyed()}
	if devices.LooksLikeBackupCode(code) {
		d.Kind = devices.Backup
		d.Codes = make([]devices.BackupCode, devices.BackupCodeCount)
		for i := range d.Codes {
			d.Codes[i].Hash = make([]byte, 32)
		}
	} else if looksLikeOTP(code) {
		d.Digits = otpDigits(code)
	}
	return d
}

// verifyCandidates returns the devices that may check a code, or none and
// why not (for the audit log only: the caller must not learn it).
func verifyCandidates(u *db.Unit, ref string, backup bool) ([]*devices.Device, string) {
	if u.User.ID == 0 {
		return nil, "unknown user"
	}
	if ref != "" {
		d, err := u.Find(ref)
		if err != nil {
			return nil, err.Error()
		}
		if !d.Confirmed {
			return nil, fmt.Sprintf("device %s is not confirmed yet", d.Name)
		}
		return []*devices.Device{d}, ""
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
		return nil, "no confirmed " + kind
	}
	return out, ""
}

// mostInformative picks what to tell a user none of whose devices could be
// tried: a throttle ends soonest, a lockout needs an admin. (A disabled
// device is never among them: it is passed over as if absent.)
func mostInformative(rs []VerifyResult) VerifyResult {
	best := rs[0]
	rank := map[devices.Outcome]int{devices.Throttled: 0, devices.LockedOut: 1}
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
	c.Secret, c.Keyed = nil, nil
	c.Codes = nil
	return &c
}

// Status reports whether each user has 2FA enabled; all users when names
// is empty.
func (s *Service) Status(ctx context.Context, names []string) ([]db.UserStatus, error) {
	return s.store.Statuses(ctx, names)
}

// Disable removes every device of the named users, all or nothing.
func (s *Service) Disable(ctx context.Context, names []string) ([]int, error) {
	return s.store.DisableUsers(ctx, s.Actor, names)
}

// DisableRemoves lists the devices Disable would remove from user, for the
// question every front end asks first: all of them, or on a Django site
// the confirmed ones (two_factor_disable keeps unconfirmed devices, and
// so does the Django store).
func (s *Service) DisableRemoves(ctx context.Context, user string) ([]*devices.Device, error) {
	ds, err := s.store.Devices(ctx, user)
	if err != nil {
		return nil, err
	}
	r, err := s.rules(ctx)
	if err != nil || r != devices.DjangoRules {
		return ds, err
	}
	confirmed := ds[:0:0]
	for _, d := range ds {
		if d.Confirmed {
			confirmed = append(confirmed, d)
		}
	}
	return confirmed, nil
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
