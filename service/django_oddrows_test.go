package service

import (
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/internal/djangofixture"
)

// Rows Django's ORM stores though its forms never would (the columns'
// CHECKs only ask for >= 0): a TOTP step of 0, a tolerance far beyond the
// SmallIntegerField, digits two-factor cannot compute. Such a device
// accepts no code and counts a failure, quickly, without taking down the
// process (a verifier serves every login), and the user's other devices
// are still tried. Before, a step of 0 panicked (integer divide by zero),
// a tolerance of 2e9 accepted a random code, and odd digits made every
// verification of the user an error.
func TestDjangoUnusableRowsAcceptNothingAndCrashNothing(t *testing.T) {
	for _, c := range []struct{ table, set string }{
		{"otp_totp_totpdevice", "step = 0"},
		{"otp_totp_totpdevice", "tolerance = 2000000000"},
		{"otp_totp_totpdevice", "tolerance = 32768"},
		{"otp_totp_totpdevice", "digits = 0"},
		{"otp_totp_totpdevice", "digits = 10"},
		{"otp_hotp_hotpdevice", "tolerance = 2000000000"},
		{"otp_hotp_hotpdevice", "digits = 100"},
	} {
		t.Run(c.table+" "+c.set, func(t *testing.T) {
			s := newDjangoSite(t, djangofixture.Schema113)
			u := s.User(t, "vic")
			if c.table == "otp_totp_totpdevice" {
				s.TOTP(t, u, "default", true, keyA)
			} else {
				s.HOTP(t, u, "default", keyA)
			}
			s.Static(t, u, "backup", "abcdefgh")
			s.Exec(t, "UPDATE "+c.table+" SET "+c.set)
			start := time.Now()
			for _, guess := range []string{"123456", "000000", "999999", "0"} {
				r, err := s.svc.Verify(ctx, "vic", "default", guess)
				if err != nil || r.Accepted() {
					t.Fatalf("guess %s: %+v %v (want a plain rejection)", guess, r, err)
				}
				s.clock.t = s.clock.t.Add(time.Hour) // past the throttle
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("four guesses took %v", took)
			}
			if got := s.failures(t, c.table, 1); got != 4 {
				t.Errorf("failures counted: %d, want 4", got)
			}
			r, err := s.svc.Verify(ctx, "vic", "", "abcdefgh")
			if err != nil || !r.Accepted() || r.Device.Kind != devices.Backup {
				t.Fatalf("the backup token beside it: %+v %v", r, err)
			}
			if _, err := s.svc.ResyncPreview(ctx, "vic", []string{"123456", "654321"}, ResyncOptions{}); err == nil {
				t.Error("a resync of the unusable device found it")
			}
		})
	}
}
