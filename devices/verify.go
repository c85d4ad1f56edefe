package devices

import (
	"errors"
	"fmt"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// Outcome is the verdict on one code.
type Outcome string

const (
	Accepted  Outcome = "accepted"
	Rejected  Outcome = "rejected"   // wrong code (counted as a failure)
	Throttled Outcome = "throttled"  // too soon after a failure (not counted)
	LockedOut Outcome = "locked-out" // hard lockout; an admin must unlock
	Disabled  Outcome = "disabled"   // device switched off by an admin
)

// Result is what Verify decided. The device passed to Verify already holds
// the new state; the store persists it with the result.
type Result struct {
	Outcome    Outcome
	Match      otpcore.Match // TOTP/HOTP: what matched
	RetryAfter time.Duration // Throttled: how long to wait
	// UsedCode is the ID of the backup code consumed, for Backup devices.
	UsedCode int64
	// DriftSample is the token's drift a TOTP verification observed, for
	// the drift history; its At is zero when none was (see Drifted). A
	// value, not a pointer, so that a login allocates nothing for it.
	DriftSample DriftSample
	// Confirmed is true when this success confirmed a new device.
	Confirmed bool
}

// Drifted reports whether the verification observed a drift sample.
func (r Result) Drifted() bool { return !r.DriftSample.At.IsZero() }

// Policy is the part of Settings that governs verification.
type Policy struct {
	ThrottleFactor   int
	LockoutThreshold int
	FollowDrift      bool
	Rules            Rules
}

// Policy extracts the verification policy from the settings.
func (s Settings) Policy() Policy {
	return Policy{ThrottleFactor: s.ThrottleFactor, LockoutThreshold: s.LockoutThreshold, FollowDrift: s.FollowDrift, Rules: s.Rules}
}

// ErrMalformedCode wraps a code that cannot be right for the device (wrong
// length, letters for a numeric device). It is not counted as a failure:
// it says nothing about the secret.
var ErrMalformedCode = errors.New("malformed code")

// MaxFailures is the most consecutive failures a device counts: the top
// of django-otp's throttling_failure_count column (PositiveIntegerField).
const MaxFailures = 1<<31 - 1

// maxBackoffDoublings caps the exponent so the delay never overflows; 2^30
// seconds is already 34 years.
const maxBackoffDoublings = 30

// ThrottleDelay is how long a device must wait after its latest failure:
// factor·2^(failures−1) seconds, or zero.
func ThrottleDelay(factor, failures int) time.Duration {
	if factor <= 0 || failures <= 0 {
		return 0
	}
	n := min(failures-1, maxBackoffDoublings)
	return time.Duration(factor) * time.Second << n
}

// ThrottledUntil is when the device may next be tried (zero if it may now).
func (d *Device) ThrottledUntil(p Policy) time.Time {
	delay := ThrottleDelay(p.ThrottleFactor, d.Failures)
	if delay == 0 || d.LastFailure.IsZero() {
		return time.Time{}
	}
	return d.LastFailure.Add(delay)
}

// Gate reports whether the device may be tried at now: Accepted means yes;
// otherwise the outcome says why not. Nothing changes.
func (d *Device) Gate(now time.Time, p Policy) (Outcome, time.Duration) {
	switch {
	case !d.Enabled:
		return Disabled, 0
	case d.LockedOut:
		return LockedOut, 0
	}
	if until := d.ThrottledUntil(p); now.Before(until) {
		return Throttled, until.Sub(now)
	}
	return Accepted, 0
}

// Verify checks code at time now and updates the device's state: on
// success it resets failures, records the use, moves the replay floor or
// counter, follows the drift and confirms a new device; on failure it counts
// the failure and may lock the device out. A device that is disabled,
// locked out or throttled is not tried, and that attempt is not counted
// (as in django-otp).
func (d *Device) Verify(code string, now time.Time, p Policy) (Result, error) {
	if o, wait := d.Gate(now, p); o != Accepted {
		return Result{Outcome: o, RetryAfter: wait}, nil
	}
	var (
		res Result
		ok  bool
		err error
	)
	switch {
	case p.Rules == DjangoRules:
		res, ok, err = d.djangoVerify(code, now, p)
	case d.Kind == TOTP || d.Kind == HOTP:
		res, ok, err = d.verifyOTP(code, now, p)
	case d.Kind == Backup:
		res, ok, err = d.verifyBackup(code)
	default:
		return Result{}, fmt.Errorf("device kind %q cannot verify codes", string(d.Kind))
	}
	if err != nil {
		return Result{}, err
	}
	if !ok {
		d.CountFailure(now, p)
		return Result{Outcome: Rejected}, nil
	}
	res.Outcome = Accepted
	d.Failures = 0
	d.LastFailure = time.Time{}
	d.LastUsed = now
	if !d.Confirmed {
		d.Confirmed = true
		res.Confirmed = true
	}
	return res, nil
}

// CountFailure records a rejected code at now: one more consecutive
// failure, the back-off restarting from now, and a hard lockout once the
// policy's threshold is reached.
func (d *Device) CountFailure(now time.Time, p Policy) {
	// The count saturates where django-otp's column (a positive 32-bit
	// integer) ends: a row of the site's at the limit must not wrap
	// negative, and the delay is at its cap long before.
	if d.Failures < MaxFailures {
		d.Failures++
	}
	d.LastFailure = now
	// django-otp has no hard lockout, only throttling.
	if p.Rules != DjangoRules && p.LockoutThreshold > 0 && d.Failures >= p.LockoutThreshold {
		d.LockedOut = true
	}
}

func (d *Device) verifyOTP(code string, now time.Time, p Policy) (Result, bool, error) {
	c, err := otpcore.ParseCode(code, d.Digits)
	if err != nil {
		return Result{}, false, fmt.Errorf("%w: %v", ErrMalformedCode, err)
	}
	// A login restores the HMAC keyed when the seed was stored, or keys
	// one with the decrypted seed; either way a pooled generator does it
	// without allocating, and forgets the key after.
	g, err := d.acquireGenerator()
	if err != nil {
		return Result{}, false, err
	}
	defer g.Release()
	if d.Kind == HOTP {
		m, ok := g.VerifyHOTP(c, d.Counter, d.Tolerance)
		if ok {
			d.AdvanceCounter(otpcore.CounterAfter(uint64(m.Step)))
		}
		return Result{Match: m}, ok, nil
	}
	m, ok := g.VerifyTOTP(c, d.params(), now.Unix(), otpcore.Window{Drift: d.Drift, Tolerance: d.Tolerance, Floor: d.LastStep})
	if !ok {
		return Result{}, false, nil
	}
	d.RaiseFloor(m.Step)
	// Drift follow-up stops at the bound rather than storing a drift the
	// device would then fail to validate with.
	if p.FollowDrift && otpcore.ValidateDrift(m.Drift) == nil {
		d.Drift = m.Drift
	}
	return Result{Match: m, DriftSample: DriftSample{At: now, Drift: m.Drift}}, true, nil
}

// Unlock clears a hard lockout and the failure count.
func (d *Device) Unlock() {
	d.LockedOut = false
	d.Failures = 0
	d.LastFailure = time.Time{}
}
