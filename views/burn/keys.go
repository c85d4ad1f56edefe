package burn

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the burn screen's keys.
type KeyMap struct {
	tui.GlobalKeyMap
	Next    key.Binding
	Prev    key.Binding
	Toggle  key.Binding
	Start   key.Binding
	Confirm key.Binding
	Retry   key.Binding
	Cancel  key.Binding
}

// DefaultKeyMap returns the burn screen's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Next:         key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next option")),
		Prev:         key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous option")),
		Toggle:       key.NewBinding(key.WithKeys("left", "right", "space"), key.WithHelp("←/→", "change choice")),
		Start:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		Confirm:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm code")),
		Retry:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "try again")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
