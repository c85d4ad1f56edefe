package devices

import (
	"testing"
	"time"
)

func TestDriftWords(t *testing.T) {
	for _, c := range []struct {
		steps, step int64
		want        string
		warn        bool
	}{
		{0, 30, "on time", false},
		{1, 30, "30 s ahead", false},
		{-2, 30, "1 min behind", false},
		{7, 30, "3 min 30 s ahead", false},
		{119, 30, "59 min 30 s ahead", false},
		{120, 30, "1 h ahead", true},
		{-125, 30, "1 h 2 min behind", true},
		{2880, 30, "1 day ahead", true},
		{3000, 30, "1 day 1 h ahead", true},
		{576001, 30, "200 days ahead", true},
		{-576001, 30, "200 days behind", true},
		{3, 60, "3 min ahead", false},
	} {
		if got := DriftWords(c.steps, c.step); got != c.want {
			t.Errorf("DriftWords(%d, %d) = %q, want %q", c.steps, c.step, got, c.want)
		}
		if got := DriftSuspicious(c.steps, c.step); got != c.warn {
			t.Errorf("DriftSuspicious(%d, %d) = %v, want %v", c.steps, c.step, got, c.warn)
		}
		if (DriftWarning(c.steps, c.step) != "") != c.warn {
			t.Errorf("DriftWarning(%d, %d) = %q", c.steps, c.step, DriftWarning(c.steps, c.step))
		}
	}
	if got := DriftSteps(-1, 30); got != "30 s behind (-1 step)" {
		t.Errorf("DriftSteps = %q", got)
	}
}

func TestAcceptedAgainAt(t *testing.T) {
	now := time.Unix(1_700_000_010, 0) // step 56,666,667
	step := now.Unix() / 30
	d := &Device{Kind: TOTP, Step: 30, Drift: -100, LastStep: step + 5}
	at, ok := d.AcceptedAgainAt(now)
	// The token shows step+5 (the floor) at our step+105; step+6 from
	// (step+106)*30.
	if !ok || at.Unix() != (step+106)*30 {
		t.Fatalf("AcceptedAgainAt = %v %v, want %v", at, ok, time.Unix((step+106)*30, 0))
	}
	d.Drift = 5 // the token shows the floor's step now: nothing to wait for
	if _, ok := d.AcceptedAgainAt(now); ok {
		t.Error("a token at its floor reported as waiting")
	}
	d.Kind = HOTP
	d.Drift = -100
	if _, ok := d.AcceptedAgainAt(now); ok {
		t.Error("HOTP reported as waiting")
	}
}

func TestLabelNamesTheSerialOnce(t *testing.T) {
	for _, c := range []struct{ name, serial, want string }{
		{"token", "SN0042", "SN0042 token"},
		{"TK001", "TK001", "TK001"},
		{"phone", "", "phone"},
	} {
		if got := (&Device{Name: c.name, Serial: c.serial}).Label(); got != c.want {
			t.Errorf("Label(%q, %q) = %q, want %q", c.name, c.serial, got, c.want)
		}
	}
}
