package devices

import (
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// A stored device handed over with its keyed HMAC state and no seed (as
// the store does for a login) verifies with that state: it accepts the
// seed's codes once, refuses others, and passes Validate so it can be
// saved; a new device (no ID) must bring its seed.
func TestVerifyWithTheKeyedStateInsteadOfTheSeed(t *testing.T) {
	d := totpDevice()
	code := codeAt(t, d, t0, 1)
	keyed, err := otpcore.AppendKeyedState(nil, d.Algorithm, d.Secret)
	if err != nil {
		t.Fatal(err)
	}
	d.ID, d.Secret, d.Keyed = 7, nil, keyed
	if err := d.Validate(); err != nil {
		t.Fatalf("a stored device with its keyed state: %v", err)
	}
	if r, err := d.Verify(wrongFor(code), t0, policy); err != nil || r.Outcome != Rejected {
		t.Fatalf("a wrong code: %v %v", r.Outcome, err)
	}
	d.Failures, d.LastFailure = 0, t0.Add(-1e12)
	if r, err := d.Verify(code, t0, policy); err != nil || r.Outcome != Accepted || r.Match.Offset != 1 {
		t.Fatalf("the seed's code through the keyed state: %v %+v %v", r.Outcome, r.Match, err)
	}
	if r, _ := d.Verify(code, t0, policy); r.Outcome == Accepted {
		t.Fatal("the same code accepted twice")
	}
	d.ID = 0
	if err := d.Validate(); err == nil {
		t.Fatal("a new device without a seed passed Validate")
	}
}

func wrongFor(code string) string {
	b := []byte(code)
	b[5] = '0' + (b[5]-'0'+5)%10
	return string(b)
}
