package confirm

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap is the screen's keys.
type KeyMap struct {
	Yes key.Binding
	No  key.Binding
}

func keys(yes string) KeyMap {
	return KeyMap{
		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", yes)),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "keep everything")),
	}
}
