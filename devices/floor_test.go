package devices

import (
	"testing"
)

// The devices rule on its own (the service and the store repeat it): a
// resync that moves the drift back keeps the replay floor where it was.
func TestBackwardsResyncKeepsReplayFloor(t *testing.T) {
	d := totpDevice()
	used := codeAt(t, d, t0, 0)
	if r, err := d.Verify(used, t0, policy); err != nil || r.Outcome != Accepted {
		t.Fatalf("first use: %v %v", r.Outcome, err)
	}
	floor := d.LastStep
	res, err := d.Resync([]string{codeAt(t, d, t0, -2), codeAt(t, d, t0, -1)}, t0, 10)
	if err != nil || res.NewDrift != -1 {
		t.Fatalf("resync: %+v %v", res, err)
	}
	if d.LastStep != floor {
		t.Fatalf("replay floor moved from %d to %d", floor, d.LastStep)
	}
	if r, _ := d.Verify(used, t0, policy); r.Outcome == Accepted {
		t.Fatal("the used code was accepted again after the resync")
	}
}

func TestRaiseFloorAndAdvanceCounterOnlyMoveForwards(t *testing.T) {
	d := totpDevice()
	for _, step := range []int64{5, 3, 9, -1, 9, 7} {
		before := d.LastStep
		d.RaiseFloor(step)
		if d.LastStep != max(before, step) {
			t.Fatalf("RaiseFloor(%d) from %d gave %d", step, before, d.LastStep)
		}
	}
	for _, next := range []uint64{5, 3, 9, 0, 9, 7} {
		before := d.Counter
		d.AdvanceCounter(next)
		if d.Counter != max(before, next) {
			t.Fatalf("AdvanceCounter(%d) from %d gave %d", next, before, d.Counter)
		}
	}
}
