package devices

import (
	"fmt"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// ResyncResult reports what a resync found.
type ResyncResult struct {
	Match      otpcore.Match
	OldDrift   int64  // TOTP steps before
	NewDrift   int64  // TOTP steps after
	OldCounter uint64 // HOTP next counter before
	NewCounter uint64 // HOTP next counter after
}

// Resync finds where a drifted token is from codes read off it in order
// (two or three consecutive codes; one only within a few steps) and, when
// found, moves the device there: a TOTP device takes the new drift and a
// replay floor at the last code's step, so those codes cannot be replayed;
// a HOTP device takes the counter after the last code. radius is the TOTP
// search radius in steps around the stored drift, or the HOTP look-ahead.
// Failures and throttling are cleared (an admin has the token in hand); a
// hard lockout stays until unlocked.
func (d *Device) Resync(codes []string, now time.Time, radius int64) (ResyncResult, error) {
	if !d.Kind.IsOTP() {
		return ResyncResult{}, fmt.Errorf("device %q has backup codes; only TOTP and HOTP devices can be resynchronised", d.Name)
	}
	if d.Kind == TOTP && d.Step < 1 {
		// Only a Django site's row can hold one (its ORM stores a 0).
		return ResyncResult{}, fmt.Errorf("device %q has a step of %d s; a TOTP device needs at least 1", d.Name, d.Step)
	}
	parsed := make([]otpcore.Code, len(codes))
	for i, s := range codes {
		c, err := otpcore.ParseCode(s, d.Digits)
		if err != nil {
			return ResyncResult{}, fmt.Errorf("%w: code %d: %v", ErrMalformedCode, i+1, err)
		}
		parsed[i] = c
	}
	g, err := d.generator()
	if err != nil {
		return ResyncResult{}, err
	}
	r := ResyncResult{OldDrift: d.Drift, OldCounter: d.Counter}
	if d.Kind == HOTP {
		m, err := g.ResyncHOTP(parsed, d.Counter, radius)
		if err != nil {
			return r, err
		}
		r.Match = m
		d.AdvanceCounter(otpcore.CounterAfter(uint64(m.Step)))
	} else {
		// The codes were read one step apart and the last one is on the
		// token's display now, so the first was shown len-1 steps ago.
		firstRead := now.Unix() - int64(len(parsed)-1)*d.Step
		m, err := g.ResyncTOTP(parsed, d.params(), firstRead, d.Drift, radius)
		if err != nil {
			return r, err
		}
		m.Drift = m.Step - d.params().StepAt(now.Unix())
		m.Offset = m.Drift - d.Drift
		if err := otpcore.ValidateDrift(m.Drift); err != nil {
			return r, fmt.Errorf("the codes were found, but the token's %w: replace the token", err)
		}
		r.Match = m
		d.Drift = m.Drift
		// The floor never goes down: after a backwards resync the
		// token's codes are accepted again once its clock passes the
		// steps already used.
		d.RaiseFloor(m.Step)
	}
	r.NewDrift, r.NewCounter = d.Drift, d.Counter
	d.Failures = 0
	d.LastFailure = time.Time{}
	return r, nil
}
