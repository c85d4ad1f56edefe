package devices

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// Limits the tests below expect, spelled out rather than taken from the
// code under test: the largest counter the store's signed 64-bit column
// holds, and a year (366 days) of 30-second steps.
const (
	wantMaxCounter = math.MaxInt64
	wantMaxDrift   = 366 * 24 * 60 * 2
)

func hotpDevice(counter uint64) *Device {
	d := totpDevice()
	d.Kind, d.Step, d.Counter, d.Tolerance = HOTP, 0, counter, 3
	return d
}

func hotpCode(t *testing.T, counter uint64) string {
	t.Helper()
	c, err := otpcore.HOTP(otpcore.SHA1, rfcKey, counter, 6)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A HOTP token at the top of the counter range is used up: it stops
// accepting codes rather than wrapping to counter 0, where every code it
// ever showed would be accepted again.
func TestHOTPCounterSaturatesInsteadOfWrapping(t *testing.T) {
	last := uint64(wantMaxCounter - 1) // the last counter that can be used
	d := hotpDevice(last)
	if r, err := d.Verify(hotpCode(t, last), t0, policy); err != nil || r.Outcome != Accepted {
		t.Fatalf("the last usable counter: %v %v", r.Outcome, err)
	}
	if d.Counter != wantMaxCounter {
		t.Fatalf("next counter after the last one: %d, want %d", d.Counter, uint64(wantMaxCounter))
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("an exhausted token no longer validates: %v", err)
	}
	for _, c := range []uint64{wantMaxCounter, wantMaxCounter + 1, last, 0, 1} {
		if r, _ := d.Verify(hotpCode(t, c), t0.Add(time.Hour*time.Duration(c%7+1)), policy); r.Outcome == Accepted {
			t.Fatalf("an exhausted token accepted the code for counter %d (next counter now %d)", c, d.Counter)
		}
	}
	// A resync cannot move it past the end either.
	d = hotpDevice(wantMaxCounter - 3)
	if _, err := d.Resync([]string{hotpCode(t, wantMaxCounter-1), hotpCode(t, wantMaxCounter)}, t0, 10); err == nil {
		t.Fatalf("a resync onto the counter past the last was accepted: next counter %d", d.Counter)
	}
}

// Drift follow-up never carries the stored drift past the bound, however
// often a token at the edge is used.
func TestFollowDriftStaysWithinBound(t *testing.T) {
	d := totpDevice()
	d.Drift = wantMaxDrift
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Hour)
		if r, err := d.Verify(codeAt(t, d, at, wantMaxDrift+1), at, policy); err != nil || r.Outcome != Accepted {
			t.Fatalf("a code one step past the drift: %v %v", r.Outcome, err)
		}
		if d.Drift > wantMaxDrift {
			t.Fatalf("drift followed to %d, beyond ±%d", d.Drift, wantMaxDrift)
		}
	}
}

func TestValidateBoundsCounterDriftAndStartTime(t *testing.T) {
	created := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name  string
		edit  func(*Device)
		field string // the error names it and the offending value
		value int64
	}{
		{"counter 2^64-1", func(d *Device) { d.Kind, d.Step, d.Counter = HOTP, 0, math.MaxUint64 }, "counter", -1},
		{"counter 2^63", func(d *Device) { d.Kind, d.Step, d.Counter = HOTP, 0, 1<<63 }, "counter", -1},
		{"drift +2^63-1", func(d *Device) { d.Drift = math.MaxInt64 }, "drift", math.MaxInt64},
		{"drift -2^63", func(d *Device) { d.Drift = math.MinInt64 }, "drift", math.MinInt64},
		{"drift a year and a step", func(d *Device) { d.Drift = -wantMaxDrift - 1 }, "drift", -wantMaxDrift - 1},
		{"t0 negative", func(d *Device) { d.T0 = -1 }, "T0", -1},
		{"t0 -2^63", func(d *Device) { d.T0 = math.MinInt64 }, "T0", math.MinInt64},
		{"t0 far future", func(d *Device) { d.T0 = created.Unix() + 10*365*86400 }, "T0", created.Unix() + 10*365*86400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := totpDevice()
			d.Created = created
			tc.edit(d)
			err := d.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			value := strconv.FormatInt(tc.value, 10)
			if tc.field == "counter" {
				value = strconv.FormatUint(d.Counter, 10)
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), value) {
				t.Fatalf("error %q does not name %s %s", err, tc.field, value)
			}
		})
	}
	// The edges themselves are fine.
	for _, edit := range []func(*Device){
		func(d *Device) { d.Kind, d.Step, d.Counter = HOTP, 0, wantMaxCounter },
		func(d *Device) { d.Drift = wantMaxDrift },
		func(d *Device) { d.Drift = -wantMaxDrift },
		func(d *Device) { d.T0 = created.Unix() },
	} {
		d := totpDevice()
		d.Created = created
		edit(d)
		if err := d.Validate(); err != nil {
			t.Errorf("a value at the edge was refused: %v", err)
		}
	}
}

// The constructors refuse the same values, so nothing out of range is ever
// created, whatever front end builds the spec.
func TestNewHardwareTokenRefusesOutOfRangeValues(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	base := TokenSpec{Kind: TOTP, Serial: "X1", Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: rfcKey}
	for _, edit := range []func(*TokenSpec){
		func(s *TokenSpec) { s.Kind, s.Counter = HOTP, math.MaxUint64 },
		func(s *TokenSpec) { s.Drift = math.MinInt64 },
		func(s *TokenSpec) { s.T0 = now.Unix() + 2*86400 },
	} {
		spec := base
		edit(&spec)
		if d, err := NewHardwareToken("t", spec, DefaultSettings("x"), now); err == nil {
			t.Errorf("created a device with counter %d, drift %d, T0 %d", d.Counter, d.Drift, d.T0)
		}
	}
	if _, err := NewHardwareToken("t", base, DefaultSettings("x"), now); err != nil {
		t.Fatal(err)
	}
}
