package userdetail

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the user detail's keys. The device actions' help changes with
// the selected device (and hides what does not apply to it).
type KeyMap struct {
	tui.GlobalKeyMap
	Rename  key.Binding
	Toggle  key.Binding
	Unlock  key.Binding
	Resync  key.Binding
	Remove  key.Binding
	Enroll  key.Binding
	Backup  key.Binding
	Token   key.Binding
	Program key.Binding // program an NFC token for the user
	Disable key.Binding
	Audit   key.Binding
}

// DefaultKeyMap returns the user detail's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Rename:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rename")),
		Toggle:       key.NewBinding(key.WithKeys("e", "space"), key.WithHelp("e", "disable")),
		Unlock:       key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unlock")),
		Resync:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "resync")),
		Remove:       key.NewBinding(key.WithKeys("x", "delete"), key.WithHelp("x", "remove")),
		Enroll:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "enroll")),
		Backup:       key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "backup codes")),
		Token:        key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "token from inventory")),
		Program:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "program a token")),
		Disable:      key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "disable 2FA")),
		Audit:        key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "audit log")),
	}
}
