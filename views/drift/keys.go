package drift

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the drift report's keys.
type KeyMap struct {
	tui.GlobalKeyMap
	Resync key.Binding
	User   key.Binding
	All    key.Binding
}

// DefaultKeyMap returns the drift report's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Resync:       key.NewBinding(key.WithKeys("enter", "s"), key.WithHelp("enter", "resync")),
		User:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open user")),
		All:          key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apps too")),
	}
}
