package tokens

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
)

// KeyMap is the inventory's keys. The actions' help follows the selected
// token: assign for a token in stock, unassign for one that has an owner,
// nothing but the views for a retired one.
type KeyMap struct {
	tui.GlobalKeyMap
	Assign   key.Binding
	Unassign key.Binding
	Retire   key.Binding
	Owner    key.Binding // open the owner's screen at this token
	Identify key.Binding
	Import   key.Binding
	Program  key.Binding // program NFC tokens for the inventory
	All      key.Binding // show assigned tokens too, or the stock only
	Retired  key.Binding // show or hide retired tokens

	Submit key.Binding // assign to the typed user
	Search key.Binding // identify from the typed codes
	Next   key.Binding // the next code field
	Cancel key.Binding
}

// DefaultKeyMap returns the inventory's keys.
func DefaultKeyMap(g tui.GlobalKeyMap) KeyMap {
	return KeyMap{
		GlobalKeyMap: g,
		Assign:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "assign")),
		Unassign:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unassign")),
		Retire:       key.NewBinding(key.WithKeys("x", "delete"), key.WithHelp("x", "retire")),
		Owner:        key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open owner")),
		Identify:     key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "identify")),
		Import:       key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "import")),
		Program:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "program tokens")),
		All:          key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "all")),
		Retired:      key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "retired")),
		Submit:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "assign")),
		Search:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "identify")),
		Next:         key.NewBinding(key.WithKeys("tab", "shift+tab", "space"), key.WithHelp("tab", "next code")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
