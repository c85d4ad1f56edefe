package devices

import (
	"fmt"
	"time"
)

// The replay state of a device (the TOTP floor and the HOTP next counter)
// only ever moves forwards: a step or counter once accepted or consumed by
// a resync must never become acceptable again, whatever the path (a login
// with drift follow-up, a resync that moves the drift backwards, an admin
// action). These two methods are the only writers of that state after a
// device is created; the store enforces the same rule again when it
// writes (db.updateDevice).

// RaiseFloor moves the TOTP replay floor up to step; a lower step leaves
// it where it is.
func (d *Device) RaiseFloor(step int64) {
	if step > d.LastStep {
		d.LastStep = step
	}
}

// AdvanceCounter moves the HOTP next counter up to next; a lower value
// leaves it where it is.
func (d *Device) AdvanceCounter(next uint64) {
	if next > d.Counter {
		d.Counter = next
	}
}

// AcceptedAgainAt is when this TOTP device's codes are accepted again after
// a resync moved its drift backwards below the replay floor: the first
// instant the token shows a step above the floor. It reports false when
// the token's current step is at the floor or above (the next code, at
// most one step away, is accepted as usual).
func (d *Device) AcceptedAgainAt(now time.Time) (time.Time, bool) {
	if d.Kind != TOTP || d.Step <= 0 {
		return time.Time{}, false
	}
	p := d.params()
	if p.StepAt(now.Unix())+d.Drift >= d.LastStep {
		return time.Time{}, false
	}
	// The token shows step s from T0 + (s-drift)*Step on our clock.
	return time.Unix(p.T0+(d.LastStep+1-d.Drift)*p.Step, 0), true
}

// ResyncFloorNote is what to tell an administrator after resync r moved
// this TOTP device's drift backwards: from when its codes are accepted
// again, because a step already used is never accepted twice. It is ""
// when the drift did not go backwards or the next code is due anyway.
func (d *Device) ResyncFloorNote(r ResyncResult, now time.Time) string {
	if d.Kind != TOTP || r.NewDrift >= r.OldDrift {
		return ""
	}
	at, ok := d.AcceptedAgainAt(now)
	if !ok {
		return ""
	}
	return fmt.Sprintf("its codes are accepted again from %s, when its clock passes the last code already used (a code is never accepted twice)",
		at.In(now.Location()).Format("2006-01-02 15:04"))
}
