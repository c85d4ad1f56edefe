package audit

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the audit screen's keys.
type KeyMap struct {
	tui.GlobalKeyMap
	Apply key.Binding
	Clear key.Binding
}

// DefaultKeyMap returns the audit screen's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Apply:        key.NewBinding(key.WithKeys("enter", "up", "down"), key.WithHelp("enter", "keep filter")),
		Clear:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}
