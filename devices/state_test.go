package devices

import (
	"testing"
	"time"
)

// TestStateOfEveryCombination walks all sixteen combinations of the four
// conditions and checks the one precedence: disabled > locked out >
// throttled > unconfirmed > active.
func TestStateOfEveryCombination(t *testing.T) {
	p := Policy{ThrottleFactor: 1}
	now := t0
	for bits := range 16 {
		disabled, locked, throttled, unconfirmed := bits&1 != 0, bits&2 != 0, bits&4 != 0, bits&8 != 0
		d := totpDevice()
		d.Enabled, d.LockedOut, d.Confirmed = !disabled, locked, !unconfirmed
		if throttled {
			d.Failures, d.LastFailure = 3, now.Add(-time.Second) // waits 4 s
		}
		want := StateActive
		switch {
		case disabled:
			want = StateDisabled
		case locked:
			want = StateLockedOut
		case throttled:
			want = StateThrottled
		case unconfirmed:
			want = StateUnconfirmed
		}
		if got := StateOf(d, p, now); got != want {
			t.Errorf("disabled=%v locked=%v throttled=%v unconfirmed=%v: got %v, want %v",
				disabled, locked, throttled, unconfirmed, got, want)
		}
	}
}

func TestThrottleEndsOnItsOwn(t *testing.T) {
	p := Policy{ThrottleFactor: 1}
	d := totpDevice()
	d.Failures, d.LastFailure = 3, t0 // waits 4 s
	if got := StateOf(d, p, t0.Add(3*time.Second)); got != StateThrottled {
		t.Errorf("3 s after the failure: %v, want throttled", got)
	}
	if got := StateOf(d, p, t0.Add(4*time.Second)); got != StateActive {
		t.Errorf("4 s after the failure: %v, want active", got)
	}
	if got := StateOf(d, Policy{}, t0); got != StateActive {
		t.Errorf("with throttling off: %v, want active", got)
	}
}

func TestTokenStateOf(t *testing.T) {
	retiredAt := t0
	for _, tc := range []struct {
		name    string
		userID  int64
		retired time.Time
		want    TokenState
	}{
		{"in stock", 0, time.Time{}, TokenUnassigned},
		{"given out", 7, time.Time{}, TokenAssigned},
		{"retired", 0, retiredAt, TokenRetired},
		{"retired yet owned (edited store)", 7, retiredAt, TokenRetired},
	} {
		d := totpDevice()
		d.Hardware, d.UserID, d.Retired = true, tc.userID, tc.retired
		if got := TokenStateOf(d); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStateNamesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range States() {
		if seen[s.String()] || s.String() == "unknown" {
			t.Errorf("state %d has the name %q twice or none", s, s)
		}
		seen[s.String()] = true
	}
	for _, s := range TokenStates() {
		if seen[s.String()] || s.String() == "unknown" {
			t.Errorf("token state %d has the name %q twice or none", s, s)
		}
		seen[s.String()] = true
	}
}

func TestStateListsAreComplete(t *testing.T) {
	if n := len(States()); n != int(stateCount) {
		t.Errorf("States lists %d of %d states", n, stateCount)
	}
	if n := len(TokenStates()); n != int(tokenStateCount) {
		t.Errorf("TokenStates lists %d of %d states", n, tokenStateCount)
	}
}
