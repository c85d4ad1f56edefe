package service_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// TestUnknownNamesAnswerLikeAnyUser is the property behind issue 10's
// "an unknown user and a wrong code are indistinguishable", over random
// sequences of wrong codes of every shape (6, 7 and 8 digits, backup
// codes), pauses, restarts, an administrator disabling, enabling and
// removing devices and pruning the audit log, under random throttle factors and lockout
// thresholds: at every step a user with a random mix of devices (a
// 6-digit app, a second 6-digit app, an 8-digit HOTP token, backup
// codes, some of them disabled; the administrator may remove the user or
// all her devices, unassign or retire her token) answers exactly as an unknown name does, in every field a
// caller of the verifier sees (outcome, retry_after, and the device, which
// only an accepted code names), and in what the verifier's metrics gauges
// count (its store holding only that user, or no one).
func TestUnknownNamesAnswerLikeAnyUser(t *testing.T) {
	seed := rand.Uint64()
	if s := os.Getenv("TWO_FACTOR_PROPERTY_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TWO_FACTOR_PROPERTY_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (TWO_FACTOR_PROPERTY_SEED=%[1]d replays it)", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	ctx := context.Background()
	for run := range 12 {
		factor, threshold := rng.IntN(3), []int{0, 0, 2, 4}[rng.IntN(4)]
		known, unknown := servicetest.NewEnv(t), servicetest.NewEnv(t)
		mix := randomUser(t, rng, known, "alice")
		for _, e := range []*servicetest.Env{known, unknown} {
			for k, v := range map[string]int{"throttle-factor": factor, "lockout-threshold": threshold} {
				if err := e.Svc.SetSetting(ctx, k, fmt.Sprint(v)); err != nil {
					t.Fatal(err)
				}
			}
			e.Clock.Advance(time.Hour)
		}
		var story []string
		for step := range 40 {
			pause := []time.Duration{0, 0, 300 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, time.Minute}[rng.IntN(7)]
			known.Clock.Advance(pause)
			unknown.Clock.Advance(pause)
			switch op := rng.IntN(16); op {
			case 0: // a restart: a new process on the same file
				known, unknown = reopen(t, known), reopen(t, unknown)
				story = append(story, "restart")
			case 1, 3, 4: // the administrator disables, enables or removes one of alice's devices
				action := map[int]service.DeviceAction{1: service.ActionDisable, 3: service.ActionEnable, 4: service.ActionRemove}[op]
				if ds, _ := known.Store.Devices(ctx, "alice"); len(ds) > 0 && (action != service.ActionRemove || rng.IntN(3) == 0) {
					name := ds[rng.IntN(len(ds))].Name
					if _, err := known.Svc.ChangeDevice(ctx, "alice", name, action, ""); err != nil {
						t.Fatal(err)
					}
					story = append(story, fmt.Sprintf("%s %s", action, name))
				}
			case 5: // the administrator removes alice herself, or all her devices
				if rng.IntN(4) == 0 {
					err := known.Svc.RemoveUser(ctx, "alice")
					what := "user remove alice"
					if rng.IntN(2) == 0 {
						_, err = known.Svc.Disable(ctx, []string{"alice"})
						what = "user disable alice"
					}
					if err == nil {
						story = append(story, what)
					} else if !errors.Is(err, db.ErrNotFound) {
						t.Fatal(err)
					}
				}
			case 6: // the administrator unassigns or retires alice's token
				if ds, _ := known.Store.Devices(ctx, "alice"); rng.IntN(3) == 0 {
					for _, d := range ds {
						if d.Serial == "" {
							continue
						}
						what, do := "token unassign", known.Svc.UnassignToken
						if rng.IntN(2) == 0 {
							what, do = "token retire", known.Svc.RetireToken
						}
						if err := do(ctx, d.Serial); err != nil {
							t.Fatal(err)
						}
						story = append(story, what)
					}
				}
			case 2: // the administrator prunes the audit log
				cut := []time.Duration{0, time.Second, 10 * time.Second, time.Hour}[rng.IntN(4)]
				for _, e := range []*servicetest.Env{known, unknown} {
					if _, err := e.Svc.PruneAudit(ctx, e.Clock.Now().Add(-cut)); err != nil {
						t.Fatal(err)
					}
				}
				story = append(story, fmt.Sprintf("prune before now-%v", cut))
			}
			code := wrongCode(rng)
			k, err := known.Svc.Verify(ctx, "alice", "", code)
			if err != nil {
				t.Fatal(err)
			}
			u, err := unknown.Svc.Verify(ctx, "nobody", "", code)
			if err != nil {
				t.Fatal(err)
			}
			story = append(story, fmt.Sprintf("after %v %q: %s", pause, code, visible(k)))
			if kb, ub := blocked(t, known), blocked(t, unknown); visible(k) != visible(u) || kb != ub {
				story = append(story, fmt.Sprintf("metrics gauges: existing user %s, unknown name %s", kb, ub))
				t.Fatalf("run %d (throttle-factor %d, lockout-threshold %d, alice starts with %v enabled), step %d: existing user %s, unknown name %s; steps:\n%s",
					run, factor, threshold, mix, step, visible(k), visible(u), strings.Join(story, "\n"))
			}
		}
	}
}

// blocked is what the verifier's metrics gauges show of e's store.
func blocked(t *testing.T, e *servicetest.Env) string {
	t.Helper()
	b, err := e.Svc.BlockedCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d locked out, %d throttled", b.LockedOut, b.Throttled)
}

// visible is what a caller of the verifier sees of a result.
func visible(r service.VerifyResult) string {
	device := "none"
	if r.Accepted() && r.Device != nil {
		device = r.Device.Name
	}
	return fmt.Sprintf("%s retry_after %v device %s", r.Outcome, r.RetryAfter, device)
}

// randomUser gives name in e a random mix of confirmed devices, some of
// them disabled, and returns the names of those still enabled.
func randomUser(t *testing.T, rng *rand.Rand, e *servicetest.Env, name string) []string {
	t.Helper()
	ctx := context.Background()
	e.AddUser(t, name)
	var enabled []string
	add := func(device string) {
		if rng.IntN(4) == 0 {
			if _, err := e.Svc.ChangeDevice(ctx, name, device, service.ActionDisable, ""); err != nil {
				t.Fatal(err)
			}
			return
		}
		enabled = append(enabled, device)
	}
	if rng.IntN(3) > 0 {
		add(e.Enroll(t, name, service.EnrollOptions{Name: "phone"}).Name)
	}
	if rng.IntN(3) == 0 {
		// A second app of the same shape (6 digits): its runs must
		// move as one with the first's, or the name has two.
		add(e.Enroll(t, name, service.EnrollOptions{Name: "laptop"}).Name)
	}
	if rng.IntN(2) == 0 {
		seed := make([]byte, 20)
		for i := range seed {
			seed[i] = byte(rng.IntN(256))
		}
		add(e.Enroll(t, name, service.EnrollOptions{Name: "token", Token: &devices.TokenSpec{Kind: devices.HOTP,
			Serial: "H" + fmt.Sprint(rng.IntN(1e6)), Algorithm: otpcore.SHA1, Digits: 8, Secret: seed}}).Name)
	}
	if rng.IntN(2) == 0 {
		if _, err := e.Svc.BackupCodes(ctx, name); err != nil {
			t.Fatal(err)
		}
		ds, err := e.Store.Devices(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Kind == devices.Backup {
				add(d.Name)
			}
		}
	}
	return enabled
}

// wrongCode is a random code of a random shape: 6, 7 or 8 digits, or a
// backup code. Random codes are wrong for any real device but with a
// chance far below a millionth; a code the public dummy key accepts
// counts as wrong by design.
func wrongCode(rng *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	n, chars := 6+rng.IntN(3), "0123456789"
	if rng.IntN(4) == 0 {
		n, chars = 10, alphabet
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rng.IntN(len(chars))]
	}
	return string(b)
}
