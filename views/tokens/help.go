package tokens

import (
	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
)

// The help follows the mode and the selected token: assign for a token in
// stock, unassign for one that has an owner, nothing for a retired one.

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	if m.list.Filtering() {
		return m.list.FilterHelp()
	}
	switch m.mode {
	case modeAssign:
		return []key.Binding{k.Submit, tui.WithHelp(k.Cancel, "esc", "cancel"), key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete name"))}
	case modeIdentify:
		return []key.Binding{k.Search, k.Next, k.Cancel}
	case modeSearching:
		return []key.Binding{tui.WithHelp(k.Cancel, "esc", "stop")}
	}
	if m.load.State() != tui.LoadReady {
		return []key.Binding{k.Back}
	}
	if len(m.list.Rows()) == 0 {
		return []key.Binding{tui.WithHelp(k.Import, "I", "import a seed file"), k.Back}
	}
	var out []key.Binding
	if d := m.Selected(); d != nil {
		state := devices.TokenStateOf(d)
		switch {
		case m.forUser != "" && notAssignable(d) == "":
			out = append(out, tui.WithHelp(k.Open, "enter", "give to "+tui.Safe(m.forUser)))
		case state == devices.TokenAssigned:
			out = append(out, k.Unassign, k.Owner)
		case state == devices.TokenUnassigned:
			out = append(out, k.Assign)
		}
		if state != devices.TokenRetired {
			out = append(out, k.Retire)
		}
	}
	out = append(out, k.Identify, k.Import, k.Filter, m.allHelp())
	if m.list.Query() != "" {
		out = append(out, m.list.Keys().Clear)
	}
	return out
}

func (m *Model) allHelp() key.Binding {
	if m.show == ShowAll {
		return tui.WithHelp(m.keys.All, "A", "hide assigned")
	}
	return tui.WithHelp(m.keys.All, "A", "all")
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	retired := tui.WithHelp(k.Retired, "R", "show retired tokens")
	if m.showRetired {
		retired = tui.WithHelp(k.Retired, "R", "hide retired tokens")
	}
	all := tui.WithHelp(k.All, "A", "show assigned tokens too")
	if m.show == ShowAll {
		all = tui.WithHelp(k.All, "A", "show unassigned tokens only")
	}
	return [][]key.Binding{
		k.Navigation(),
		{k.Filter, m.list.Keys().Clear, all, retired, k.Reload},
		{tui.WithHelp(k.Assign, "a", "assign to a user"), tui.WithHelp(k.Unassign, "u", "take back from its user"),
			tui.WithHelp(k.Retire, "x", "retire for good"), tui.WithHelp(k.Owner, "o", "open its owner")},
		{tui.WithHelp(k.Identify, "i", "identify the token in hand"), tui.WithHelp(k.Import, "I", "import a seed file"),
			tui.WithHelp(k.Program, "p", "program NFC tokens for the inventory"), k.Back},
	}
}
