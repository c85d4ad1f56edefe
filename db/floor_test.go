package db

import (
	"math/rand/v2"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// The store is the last line of defence for the replay state: whatever a
// caller hands updateDevice, the stored TOTP floor and HOTP next counter
// never go down (and a floor is never cleared back to "no floor"), so a
// bug in any path above cannot make a used code acceptable again.
func TestStoredReplayFloorAndCounterNeverDecrease(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "app", seed)
	seedN := rand.Uint64()
	rng := rand.New(rand.NewPCG(seedN, 1))
	t.Logf("seed %d", seedN)
	wantFloor, wantCounter := otpcore.NoFloor, uint64(0)
	for i := range 200 {
		floor := otpcore.NoFloor
		if rng.IntN(5) != 0 {
			floor = 1000 + rng.Int64N(100)
		}
		counter := rng.Uint64N(100)
		err := s.Update(ctx, "tester", "alice", func(u *Unit) error {
			got, err := u.Find("app")
			if err != nil {
				return err
			}
			// Bypass the devices rule on purpose: write raw values.
			got.LastStep, got.Counter = floor, counter
			u.Save(got)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantFloor, wantCounter = max(wantFloor, floor), max(wantCounter, counter)
		ds, err := s.Devices(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].LastStep != wantFloor || ds[0].Counter != wantCounter {
			t.Fatalf("write %d (floor %d, counter %d): stored floor %d counter %d, want %d and %d",
				i, floor, counter, ds[0].LastStep, ds[0].Counter, wantFloor, wantCounter)
		}
	}
}
