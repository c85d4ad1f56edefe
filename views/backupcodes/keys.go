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
		Generate: key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "generate")),
		Done:     key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "done: I have saved them")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}
