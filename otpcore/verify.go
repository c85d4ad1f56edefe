package otpcore

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
)

// TOTPParams are the time parameters of a TOTP token: the step length in
// seconds and the Unix time T0 at which step 0 starts.
type TOTPParams struct {
	Step int64
	T0   int64
}

// DefaultTOTP is the RFC 6238 default: 30-second steps from the Unix epoch.
var DefaultTOTP = TOTPParams{Step: 30, T0: 0}

// Validate reports an error naming the problem for a zero or negative step.
func (p TOTPParams) Validate() error {
	if p.Step <= 0 {
		return fmt.Errorf("period must be a positive number of seconds, got %d", p.Step)
	}
	return nil
}

// StepAt returns the step in effect at Unix time unix (floor division, so
// times before T0 give negative steps rather than wrapping).
func (p TOTPParams) StepAt(unix int64) int64 {
	d := unix - p.T0
	s := d / p.Step
	if d%p.Step != 0 && d < 0 {
		s--
	}
	return s
}

// NoFloor is the replay floor of a token that has never been used.
const NoFloor int64 = math.MinInt64

// Window describes which steps a verification accepts.
type Window struct {
	// Drift is how many steps the token's clock is known to run ahead of
	// (positive) or behind (negative) ours.
	Drift int64
	// Tolerance is how many steps either side of the expected step are
	// accepted.
	Tolerance int
	// Floor is the replay floor: only steps strictly above it are
	// accepted. NoFloor accepts any step.
	Floor int64
}

// Match says what a verification or resync found.
type Match struct {
	// Step is the token's step (TOTP) or counter (HOTP) that produced the
	// code; for a multi-code resync, the step of the last code.
	Step int64
	// Offset is Step minus the step we expected (our step plus the known
	// drift): how far the token moved since we last saw it.
	Offset int64
	// Drift is Step minus our own step: the token's total observed drift.
	Drift int64
}

// VerifyTOTP checks code against the steps of w around Unix time unix. The
// expected step is tried first and then outwards (-1, +1, -2, +2, ...), so
// the nearest match wins. Each candidate is compared in constant time.
func (g *Generator) VerifyTOTP(code Code, p TOTPParams, unix int64, w Window) (Match, bool) {
	if int(code.n) != g.digits || p.Step <= 0 {
		return Match{}, false
	}
	now := p.StepAt(unix)
	expected := now + w.Drift
	tol := int64(max(w.Tolerance, 0))
	want := code.value()
	for i := int64(0); i <= 2*tol; i++ {
		// 0, -1, +1, -2, +2 ...
		off := (i + 1) / 2
		if i%2 == 1 {
			off = -off
		}
		step := expected + off
		if step <= w.Floor || step < 0 {
			continue
		}
		if g.matches(uint64(step), want) {
			return Match{Step: step, Offset: off, Drift: step - now}, true
		}
	}
	return Match{}, false
}

// VerifyHOTP checks code against counters next .. next+lookAhead, below
// MaxCounter. On a match the caller stores CounterAfter(Step) as the next
// counter. Offset is the number of codes the token generated that were
// never presented.
func (g *Generator) VerifyHOTP(code Code, next uint64, lookAhead int) (Match, bool) {
	if int(code.n) != g.digits {
		return Match{}, false
	}
	want := code.value()
	for i := 0; i <= max(lookAhead, 0); i++ {
		c := next + uint64(i)
		if c >= MaxCounter || c < next { // used up (or wrapped)
			break
		}
		if g.matches(c, want) {
			return Match{Step: int64(c), Offset: int64(i)}, true
		}
	}
	return Match{}, false
}

// Resync search limits, in steps (TOTP) or counters (HOTP).
const (
	// DefaultResyncRadius is ±1 day of 30-second steps.
	DefaultResyncRadius = 2 * 24 * 60
	// MaxResyncRadius is ±1 year (366 days) of 30-second steps, for a
	// token whose clock ran wild.
	MaxResyncRadius = 366 * 24 * 60 * 2
	// MaxSingleCodeRadius bounds a search with one code: within ±N steps
	// a random six-digit code matches by chance with probability about
	// (2N+1)/10^6, so a single code proves nothing over a wide window.
	MaxSingleCodeRadius = 10
	// DefaultHOTPLookAhead is how far ahead a HOTP resync searches.
	DefaultHOTPLookAhead = 1000
	// MaxHOTPLookAhead bounds a HOTP resync.
	MaxHOTPLookAhead = 1_000_000
)

// ErrNoMatch is returned when a resync search finds nothing.
var ErrNoMatch = errors.New("no matching position found for the codes in the search window")

// ResyncTOTP finds the step at which a token shows codes, consecutive codes
// read off the token in order (two, or three for more certainty; a single
// code only within ±MaxSingleCodeRadius). The search covers center±radius
// steps around our step at unix (the time the first code was read),
// nearest first, where center is usually the
// drift stored for the token. The replay floor is not applied: an admin
// resyncing a token in hand may need to move it back in time. The returned
// Match describes the last code's step.
func (g *Generator) ResyncTOTP(codes []Code, p TOTPParams, unix int64, center, radius int64) (Match, error) {
	if err := p.Validate(); err != nil {
		return Match{}, err
	}
	var buf [maxResyncCodes]uint32
	vals, err := g.resyncValues(codes, radius, &buf)
	if err != nil {
		return Match{}, err
	}
	if radius > MaxResyncRadius {
		return Match{}, fmt.Errorf("resync window ±%d steps is larger than the ±%d maximum", radius, MaxResyncRadius)
	}
	now := p.StepAt(unix)
	expected := now + center
	last := int64(len(vals) - 1)
	for i := int64(0); i <= 2*radius; i++ {
		off := (i + 1) / 2
		if i%2 == 1 {
			off = -off
		}
		first := expected + off
		if first < 0 {
			continue
		}
		if g.sequenceAt(uint64(first), vals) {
			step := first + last
			return Match{Step: step, Offset: step - (expected + last), Drift: step - (now + last)}, nil
		}
	}
	return Match{}, ErrNoMatch
}

// ResyncHOTP finds the counter at which a HOTP token shows consecutive
// codes, searching from next up to lookAhead counters ahead and below
// MaxCounter. The returned Match's Step is the counter of the last code;
// store CounterAfter(Step).
func (g *Generator) ResyncHOTP(codes []Code, next uint64, lookAhead int64) (Match, error) {
	var buf [maxResyncCodes]uint32
	vals, err := g.resyncValues(codes, lookAhead, &buf)
	if err != nil {
		return Match{}, err
	}
	if lookAhead > MaxHOTPLookAhead {
		return Match{}, fmt.Errorf("look-ahead of %d counters is larger than the %d maximum", lookAhead, MaxHOTPLookAhead)
	}
	last := uint64(len(vals) - 1)
	for i := int64(0); i <= lookAhead; i++ {
		c := next + uint64(i)
		if c < next || c+last < c || c+last >= MaxCounter {
			break
		}
		if g.sequenceAt(c, vals) {
			return Match{Step: int64(c + last), Offset: i}, nil
		}
	}
	return Match{}, ErrNoMatch
}

// maxResyncCodes is how many consecutive codes a resync accepts.
const maxResyncCodes = 3

// resyncValues checks the codes and the window and returns the codes as
// integers in buf, which the caller keeps on its stack so that a search
// allocates nothing.
func (g *Generator) resyncValues(codes []Code, radius int64, buf *[maxResyncCodes]uint32) ([]uint32, error) {
	switch {
	case len(codes) == 0:
		return nil, errors.New("resync needs at least one code")
	case len(codes) > maxResyncCodes:
		return nil, fmt.Errorf("resync takes at most three consecutive codes, got %d", len(codes))
	case len(codes) == 1 && radius > MaxSingleCodeRadius:
		return nil, fmt.Errorf("a single code can only be searched within ±%d steps; give two consecutive codes for a wider search", MaxSingleCodeRadius)
	case radius < 0:
		return nil, fmt.Errorf("search window must not be negative, got %d", radius)
	}
	vals := buf[:len(codes)]
	for i, c := range codes {
		if int(c.n) != g.digits {
			return nil, fmt.Errorf("code %d has %d digits, the token uses %d", i+1, c.n, g.digits)
		}
		vals[i] = c.value()
	}
	return vals, nil
}

// sequenceAt reports whether the codes at counters start, start+1, ... are
// vals. Comparing integers rather than strings keeps a year-wide search
// within one HMAC per candidate.
func (g *Generator) sequenceAt(start uint64, vals []uint32) bool {
	for i, v := range vals {
		if subtle.ConstantTimeEq(int32(g.Value(start+uint64(i))), int32(v)) != 1 {
			return false
		}
	}
	return true
}
