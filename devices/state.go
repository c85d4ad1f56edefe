package devices

import "time"

// State is whether a device can be used right now, and if not, why not.
// Front ends turn it into words, symbols and colours; they never work it
// out themselves, so the command line and the console always agree.
type State uint8

// The states, in the order StateOf checks them.
const (
	StateDisabled    State = iota // switched off by an admin
	StateLockedOut                // too many failures; an admin must unlock it
	StateThrottled                // waiting after a recent failure
	StateUnconfirmed              // enrolled, waiting for its first good code
	StateActive                   // takes codes
	stateCount
)

// States lists every state, for front ends' tables and their tests.
func States() []State {
	return []State{StateDisabled, StateLockedOut, StateThrottled, StateUnconfirmed, StateActive}
}

// String is the state's name for logs and JSON ("locked-out").
func (s State) String() string {
	if s >= stateCount {
		return "unknown"
	}
	return [...]string{"disabled", "locked-out", "throttled", "unconfirmed", "active"}[s]
}

// StateOf decides a device's state at now under policy.
//
// A device can be disabled, locked out, throttled and unconfirmed at once;
// it shows the first of these, in the order Gate checks them. That makes the
// state what a code typed now would be told, a confirmation code included
// (Confirm goes through the same gate): a disabled device is not tried at
// all, whatever its counters say, and enabling it would still leave a
// lockout to clear, which an admin sees next; a locked-out device is not
// tried until unlocked; a throttled one not until the wait passes. Only a
// device past the gate is waiting for its first code, so unconfirmed
// comes last before active.
func StateOf(d *Device, p Policy, now time.Time) State {
	switch o, _ := d.Gate(now, p); o {
	case Disabled:
		return StateDisabled
	case LockedOut:
		return StateLockedOut
	case Throttled:
		return StateThrottled
	}
	if !d.Confirmed {
		return StateUnconfirmed
	}
	return StateActive
}

// TokenState is where a hardware token stands in the inventory.
type TokenState uint8

const (
	TokenUnassigned TokenState = iota // in the inventory, free to give out
	TokenAssigned                     // a user has it
	TokenRetired                      // out of service for good
	tokenStateCount
)

// TokenStates lists every token state, for front ends' tables.
func TokenStates() []TokenState {
	return []TokenState{TokenUnassigned, TokenAssigned, TokenRetired}
}

// String is the state's name for logs and JSON.
func (s TokenState) String() string {
	if s >= tokenStateCount {
		return "unknown"
	}
	return [...]string{"unassigned", "assigned", "retired"}[s]
}

// TokenStateOf decides where a token stands. Retired wins over an owner:
// retiring takes a token from its user, so a retired token with an owner
// could only come from a store edited behind the program's back, and it
// must still never be offered again.
func TokenStateOf(d *Device) TokenState {
	switch {
	case !d.Retired.IsZero():
		return TokenRetired
	case d.UserID != 0:
		return TokenAssigned
	}
	return TokenUnassigned
}
