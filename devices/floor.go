package devices

import "time"

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
