package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
)

// The console's words for the states devices and service decide. This is
// the only place the console names them: screens look a state up here and
// never work one out. Each label starts with a symbol so that it reads
// without colour (NO_COLOR, a monochrome terminal); after the symbol the
// words are the command line's, which a test checks.

// Tone is how alarming a state is; the theme gives each tone its colour.
type Tone uint8

const (
	ToneMuted Tone = iota
	ToneOK
	ToneWarn
	ToneDanger
)

// Style is the theme's style for a tone.
func (t Tone) Style(s *themes.Styles) lipgloss.Style {
	switch t {
	case ToneOK:
		return s.OK
	case ToneWarn:
		return s.Warn
	case ToneDanger:
		return s.Danger
	}
	return s.Muted
}

// StateLabel is a state as the console shows it.
type StateLabel struct {
	Symbol string
	Words  string
	Tone   Tone
}

// String is the symbol and the words.
func (l StateLabel) String() string { return l.Symbol + " " + l.Words }

var deviceStateLabels = [...]StateLabel{
	devices.StateDisabled:    {"–", "disabled", ToneMuted},
	devices.StateLockedOut:   {"✗", "locked out", ToneDanger},
	devices.StateThrottled:   {"!", "throttled", ToneWarn},
	devices.StateUnconfirmed: {"?", "unconfirmed", ToneWarn},
	devices.StateActive:      {"✓", "active", ToneOK},
}

// DeviceStateLabel names a device's state.
func DeviceStateLabel(s devices.State) StateLabel { return deviceStateLabels[s] }

var userStatusLabels = [...]StateLabel{
	service.UserLockedOut: {"✗", "locked out", ToneDanger},
	service.UserThrottled: {"!", "throttled", ToneWarn},
	service.UserDisabled:  {"–", "disabled", ToneMuted},
	service.UserEnabled:   {"✓", "enabled", ToneOK},
}

// UserStatusLabel names a user's two-factor status.
func UserStatusLabel(s service.UserStatus) StateLabel { return userStatusLabels[s] }
