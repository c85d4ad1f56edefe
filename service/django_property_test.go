package service

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/otpcore"
)

// TestDjangoCodesAcceptedAtMostOnceOverRandomSequences runs random
// sequences of logins (right, early, late, replayed and wrong codes for a
// TOTP, a HOTP and a static device, with and without naming the device),
// backup-code regenerations and clock moves on a Django site's database,
// and checks after each step that no TOTP step, HOTP counter or static
// token was ever accepted twice, that TOTP steps and HOTP counters are
// accepted only in increasing order, and that only tokens of the latest
// set are accepted.
func TestDjangoCodesAcceptedAtMostOnceOverRandomSequences(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed>>7))
	s := newDjangoSite(t, djangofixture.Schema17)
	if err := s.svc.SetSetting(ctx, "throttle-factor", "0"); err != nil {
		t.Fatal(err)
	}
	u := s.User(t, "alice")
	s.TOTP(t, u, "default", true, keyA)
	s.HOTP(t, u, "token", keyB)
	current, err := s.svc.BackupCodes(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var (
		issued             = slices.Clone(current)
		usedTokens         = map[string]bool{}
		lastStep    int64  = -1
		lastCounter int64  = -1
		nextCounter uint64 // the counter we believe the device expects
		accepted    = map[devices.Kind]int{}
	)
	for i := 0; i < 400; i++ {
		s.clock.t = s.clock.t.Add(time.Duration(r.IntN(50)) * time.Second)
		now := s.clock.t
		var code, ref string
		switch op := r.IntN(10); {
		case op < 4:
			step := uint64(now.Unix()/30 + int64(r.IntN(5)) - 2)
			code, _ = otpcore.HOTP(otpcore.SHA1, keyA, step, 6)
			ref = []string{"", "default", "11"}[r.IntN(3)] // 11: Django TOTP device 1
		case op < 7:
			c := nextCounter + uint64(r.IntN(9))
			if c >= 2 {
				c -= 2
			}
			code, _ = otpcore.HOTP(otpcore.SHA1, keyB, c, 6)
		case op < 9:
			code = issued[r.IntN(len(issued))] // replaced and used ones too
			if r.IntN(2) == 0 {
				code = current[r.IntN(len(current))]
			}
		case op == 9 && r.IntN(3) == 0:
			if current, err = s.svc.BackupCodes(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			issued = append(issued, current...)
			continue
		default:
			code = []string{"000000", "hello", "12345678", " "}[r.IntN(4)]
		}
		res, err := s.svc.Verify(ctx, "alice", ref, code)
		if err != nil {
			t.Fatalf("step %d: verify %q: %v", i, code, err)
		}
		if !res.Accepted() {
			continue
		}
		accepted[res.Device.Kind]++
		switch res.Device.Kind {
		case devices.TOTP:
			if res.Match.Step <= lastStep {
				t.Fatalf("step %d: TOTP step %d accepted after step %d", i, res.Match.Step, lastStep)
			}
			lastStep = res.Match.Step
		case devices.HOTP:
			if res.Match.Step <= lastCounter {
				t.Fatalf("step %d: HOTP counter %d accepted after counter %d", i, res.Match.Step, lastCounter)
			}
			lastCounter, nextCounter = res.Match.Step, uint64(res.Match.Step)+1
		case devices.Backup:
			if usedTokens[code] || !slices.Contains(current, code) {
				t.Fatalf("step %d: static token accepted twice or from a replaced set", i)
			}
			usedTokens[code] = true
		}
	}
	for _, k := range []devices.Kind{devices.TOTP, devices.HOTP, devices.Backup} {
		if accepted[k] < 5 {
			t.Fatalf("only %d %s acceptances: the sequence proves little", accepted[k], k)
		}
	}
	t.Logf("accepted: %v", accepted)
}
