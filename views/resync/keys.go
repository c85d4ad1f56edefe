package resync

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap is the screen's keys.
type KeyMap struct {
	Next   key.Binding
	Window key.Binding
	Search key.Binding
	Save   key.Binding
	Cancel key.Binding
}

// DefaultKeyMap returns the screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Next:   key.NewBinding(key.WithKeys("tab", "shift+tab", "down", "up"), key.WithHelp("tab", "other code")),
		Window: key.NewBinding(key.WithKeys("ctrl+w", "right", "left"), key.WithHelp("←/→", "search window")),
		Search: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "search")),
		Save:   key.NewBinding(key.WithKeys("enter", "y"), key.WithHelp("enter", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}
