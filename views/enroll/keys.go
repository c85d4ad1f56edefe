package enroll

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the enrollment screen's keys.
type KeyMap struct {
	tui.GlobalKeyMap
	Choose  key.Binding
	Next    key.Binding
	Prev    key.Binding
	Toggle  key.Binding
	Submit  key.Binding
	Confirm key.Binding
	Invert  key.Binding // without colour: flip the QR code for the other background
	Cancel  key.Binding
}

// DefaultKeyMap returns the enrollment screen's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Choose:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Next:         key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next field")),
		Prev:         key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous field")),
		Toggle:       key.NewBinding(key.WithKeys("left", "right", "space"), key.WithHelp("←/→", "change choice")),
		Submit:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / start")),
		Confirm:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm code")),
		Invert:       key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "invert the QR code")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel (nothing is stored)")),
	}
}
