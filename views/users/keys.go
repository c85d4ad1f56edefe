package users

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the user list's keys.
type KeyMap struct {
	tui.GlobalKeyMap
	Sort      key.Binding
	Add       key.Binding
	Remove    key.Binding
	Enroll    key.Binding
	Backup    key.Binding
	Disable   key.Binding
	Audit     key.Binding
	Drift     key.Binding
	Tokens    key.Binding
	Submit    key.Binding
	CancelAdd key.Binding
}

// DefaultKeyMap returns the user list's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Sort:         key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Add:          key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add user")),
		Remove:       key.NewBinding(key.WithKeys("x", "delete"), key.WithHelp("x", "remove user")),
		Enroll:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "enroll device")),
		Backup:       key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "backup codes")),
		Disable:      key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "disable 2FA")),
		Audit:        key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "audit log")),
		Drift:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "token drift")),
		Tokens:       key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "token inventory")),
		Submit:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "add")),
		CancelAdd:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
