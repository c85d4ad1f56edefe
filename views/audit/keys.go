package audit

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the audit screen's keys.
type KeyMap struct {
	tui.GlobalKeyMap
	Reload key.Binding
}

// DefaultKeyMap returns the audit screen's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Reload:       key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),
	}
}
