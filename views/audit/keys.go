package audit

import (
	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the audit screen's keys.
type KeyMap struct {
	tui.GlobalKeyMap
}

// DefaultKeyMap returns the audit screen's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
	}
}
