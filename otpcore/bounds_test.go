package otpcore

import (
	"math"
	"testing"
)

// No counter at or above MaxCounter (2^63-1) is ever matched, so Match.Step
// (an int64) never comes back negative and the next counter never wraps.
func TestHOTPNeverMatchesPastMaxCounter(t *testing.T) {
	g, err := NewGenerator(SHA1, []byte("12345678901234567890"), 6)
	if err != nil {
		t.Fatal(err)
	}
	code := func(c uint64) Code {
		k, err := ParseCode(g.Code(c), 6)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	for _, c := range []uint64{math.MaxInt64, 1 << 63, math.MaxUint64} {
		if m, ok := g.VerifyHOTP(code(c), c-2, 5); ok {
			t.Errorf("VerifyHOTP matched counter %d (step %d)", c, m.Step)
		}
		if m, err := g.ResyncHOTP([]Code{code(c - 1), code(c)}, c-3, 10); err == nil {
			t.Errorf("ResyncHOTP matched up to counter %d (step %d)", c, m.Step)
		}
	}
	if m, ok := g.VerifyHOTP(code(math.MaxInt64-1), math.MaxInt64-3, 5); !ok || m.Step != math.MaxInt64-1 {
		t.Errorf("the last usable counter: %v %+v", ok, m)
	}
}

func TestCounterAfterSaturates(t *testing.T) {
	for in, want := range map[uint64]uint64{0: 1, MaxCounter - 1: MaxCounter, MaxCounter: MaxCounter, math.MaxUint64: MaxCounter} {
		if got := CounterAfter(in); got != want {
			t.Errorf("CounterAfter(%d) = %d, want %d", in, got, want)
		}
	}
}
