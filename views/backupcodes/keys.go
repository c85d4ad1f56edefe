package backupcodes

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap is the screen's keys.
type KeyMap struct {
	Generate key.Binding
	Done     key.Binding
	Back     key.Binding
}

// DefaultKeyMap returns the screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		// enter is every screen's main action; g is "first row"
		// everywhere, so it is not generate here.
		Generate: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "generate")),
		Done:     key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "done: I have saved them")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}
