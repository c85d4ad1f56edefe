package audit

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the audit screen's keys.
type KeyMap struct {
	tui.GlobalKeyMap
	Reload key.Binding
	Apply  key.Binding
	Clear  key.Binding
}

// DefaultKeyMap returns the audit screen's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Reload:       key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		Apply:        key.NewBinding(key.WithKeys("enter", "up", "down"), key.WithHelp("enter", "keep filter")),
		Clear:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}
