package devices

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
