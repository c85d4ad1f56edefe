package otpcore

import (
	"fmt"
	"math"
	"time"
)

// Bounds on the state values a token may carry. Each keeps the arithmetic
// of verification and resync free of overflow and refuses values no real
// token has, which in a seed file are typing errors or hostile.
const (
	// MaxCounter is the largest HOTP next counter. The store keeps
	// counters as signed 64-bit integers, so a larger one would read back
	// negative. The counter MaxCounter itself is never used for a code: a
	// token whose next counter has reached it is used up and accepts
	// nothing more, rather than wrapping to 0 where every code it ever
	// showed would be accepted again. (At one code a second that is
	// 292 billion years away; only a hostile file gets there.)
	MaxCounter uint64 = math.MaxInt64

	// MaxDrift bounds a TOTP token's drift in steps either way: the
	// widest resync window (a year of 30-second steps). A resync cannot
	// find a token further off, and a clock a year wrong is broken.
	MaxDrift = MaxResyncRadius

	// MaxT0Ahead is how far in the future (seconds) a TOTP start time T0
	// may lie: a day, for clocks that disagree. A token whose T0 is later
	// shows no usable code until then; a T0 before 1970 (negative)
	// predates every OTP token and at the extreme overflows now−T0.
	MaxT0Ahead = 24 * 60 * 60
)

// ValidateCounter reports a HOTP next counter above MaxCounter.
func ValidateCounter(next uint64) error {
	if next > MaxCounter {
		return fmt.Errorf("counter %d is out of range: it must be from 0 to %d (stored as a signed 64-bit integer)", next, MaxCounter)
	}
	return nil
}

// ValidateDrift reports a TOTP drift outside ±MaxDrift steps.
func ValidateDrift(steps int64) error {
	if steps < -MaxDrift || steps > MaxDrift {
		return fmt.Errorf("drift %d is out of range: it must be from %d to %d steps (a year of 30-second steps, the widest resync window)", steps, -MaxDrift, MaxDrift)
	}
	return nil
}

// ValidateT0 reports a TOTP start time (Unix seconds) before 1970 or more
// than MaxT0Ahead after now.
func ValidateT0(t0, now int64) error {
	if err := ValidateT0NotBefore1970(t0); err != nil {
		return err
	}
	if latest := now + MaxT0Ahead; t0 > latest {
		return fmt.Errorf("start time T0 %d is out of range: it must be from 0 (1970) to %d (%s, a day from now)",
			t0, latest, time.Unix(latest, 0).UTC().Format("2006-01-02 15:04 UTC"))
	}
	return nil
}

// ValidateT0NotBefore1970 is the half of ValidateT0 that needs no clock.
func ValidateT0NotBefore1970(t0 int64) error {
	if t0 < 0 {
		return fmt.Errorf("start time T0 %d is out of range: it must be 0 (1970) or later", t0)
	}
	return nil
}

// CounterAfter is the next counter once counter has been used, saturating
// at MaxCounter instead of wrapping.
func CounterAfter(counter uint64) uint64 {
	if counter >= MaxCounter {
		return MaxCounter
	}
	return counter + 1
}
