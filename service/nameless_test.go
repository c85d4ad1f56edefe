package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// TestUnknownNamesFailLikeAnUnusedDevice is a property over random runs of
// wrong codes: an unknown name answers every step exactly as a user with
// one device never logged into does (outcome and retry_after), whatever
// the pauses, the throttle factor and the lockout threshold, and across a
// restart of the process (the store reopened with nothing held in
// memory). Attempts while throttled or locked out are not counted, and
// a code the public dummy key accepts counts like any wrong one.
func TestUnknownNamesFailLikeAnUnusedDevice(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	ctx := context.Background()
	for run := range 6 {
		factor, threshold := rng.IntN(3), []int{0, 0, 2, 4}[rng.IntN(4)]
		known, unknown := servicetest.NewEnv(t), servicetest.NewEnv(t)
		known.AddUser(t, "alice")
		alice := known.Enroll(t, "alice", service.EnrollOptions{})
		for _, e := range []*servicetest.Env{known, unknown} {
			for k, v := range map[string]int{"throttle-factor": factor, "lockout-threshold": threshold} {
				if err := e.Svc.SetSetting(ctx, k, fmt.Sprint(v)); err != nil {
					t.Fatal(err)
				}
			}
			e.Clock.Advance(time.Hour)
		}
		for step := range 25 {
			pause := []time.Duration{0, 300 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second}[rng.IntN(5)]
			if rng.IntN(8) == 0 { // a restart: a new process on the same file
				known, unknown = reopen(t, known), reopen(t, unknown)
			}
			known.Clock.Advance(pause)
			unknown.Clock.Advance(pause)
			wrong := servicetest.Code(t, alice, known.Clock.Now().Add(time.Hour), 0)
			k, err := known.Svc.Verify(ctx, "alice", "", wrong)
			if err != nil {
				t.Fatal(err)
			}
			u, err := unknown.Svc.Verify(ctx, "nobody", "", wrong)
			if err != nil {
				t.Fatal(err)
			}
			if k.Outcome != u.Outcome || k.RetryAfter != u.RetryAfter {
				t.Fatalf("run %d (throttle-factor %d, lockout-threshold %d), step %d after %v: existing user %s %v, unknown name %s %v",
					run, factor, threshold, step, pause, k.Outcome, k.RetryAfter, u.Outcome, u.RetryAfter)
			}
		}
	}
}

// reopen opens e's store again as a new process would, on e's clock.
func reopen(t *testing.T, e *servicetest.Env) *servicetest.Env {
	t.Helper()
	n := servicetest.OpenEnv(t, e.Path)
	n.Clock.Set(e.Clock.Now())
	return n
}

// TestACodeTheDummyKeyAcceptsCountsAsAFailure: the key an unknown name's
// code is checked against is in the source, so anyone can compute a code
// it accepts. Such a code must count on top of the name's run like any
// wrong one, or it would reset the run a real device keeps.
func TestACodeTheDummyKeyAcceptsCountsAsAFailure(t *testing.T) {
	e := servicetest.NewEnv(t)
	ctx := context.Background()
	dummy := &devices.Device{Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30,
		Secret: []byte("two-factor dummy verification key")}
	code := servicetest.Code(t, dummy, e.Clock.Now(), 0)
	wrong := servicetest.Code(t, dummy, e.Clock.Now().Add(time.Hour), 0)
	for i, c := range []string{wrong, code} {
		if r, err := e.Svc.Verify(ctx, "nobody", "", c); err != nil || r.Outcome != devices.Rejected {
			t.Fatalf("code %d: %+v %v", i+1, r, err)
		}
		e.Clock.Advance(time.Second) // the back-off after one failure
	}
	e.Clock.Advance(-time.Second)
	third, err := e.Svc.Verify(ctx, "nobody", "", code)
	if err != nil || third.Outcome != devices.Throttled || third.RetryAfter != 2*time.Second {
		t.Fatalf("the dummy's code again at once after two failures: %+v %v, want throttled for 2s", third, err)
	}
}
