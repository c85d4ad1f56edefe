package importer

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap is the import screen's keys.
type KeyMap struct {
	Next     key.Binding // the next field
	Prev     key.Binding // the previous field
	Complete key.Binding // complete the path, as a shell does
	Toggle   key.Binding // tick a box, change the format
	Run      key.Binding // read the file and plan the import (dry run)
	Import   key.Binding // import as planned
	Edit     key.Binding // back from the plan to the form
	Unlock   key.Binding // decrypt with the typed password
	Cancel   key.Binding
}

// DefaultKeyMap returns the import screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Next:     key.NewBinding(key.WithKeys("down", "tab"), key.WithHelp("↓/tab", "next field")),
		Prev:     key.NewBinding(key.WithKeys("up", "shift+tab"), key.WithHelp("↑", "previous field")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete path")),
		Toggle:   key.NewBinding(key.WithKeys("space", "left", "right"), key.WithHelp("space", "change")),
		Run:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "dry run")),
		Import:   key.NewBinding(key.WithKeys("enter", "y"), key.WithHelp("enter", "import")),
		Edit:     key.NewBinding(key.WithKeys("esc", "n"), key.WithHelp("esc", "change options")),
		Unlock:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "decrypt")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}
