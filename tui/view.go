package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// View is a screen. Screens are pointers that change in place, so the
// root never needs a type assertion; they render strings and only the
// root returns a tea.View.
type View interface {
	// Init starts the screen's first loads; it is called when the screen
	// is pushed.
	Init() tea.Cmd
	// Update handles a message. Keys and pastes reach only the screen on
	// top (or the root's prompt); the result of a command the screen
	// returned reaches that screen only (the root addresses it); what
	// concerns every screen (ChangedMsg, a colour change) reaches all;
	// a change another process made reaches a covered screen when it
	// is revealed.
	Update(msg tea.Msg) tea.Cmd
	// View renders the screen's area.
	View() string
	// SetSize gives the screen its area, in cells.
	SetSize(width, height int)
	// Title names the screen in the header's breadcrumb.
	Title() string
	// Capturing is true while the screen takes typed text: then q and ?
	// are text, and only ctrl+c is global.
	Capturing() bool
	// ShortHelp and FullHelp describe the screen's keys in its current
	// state (help.KeyMap).
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// Dropper is a screen that holds what must not outlive it (a seed burned
// but not confirmed, a token held on the reader). The root calls Drop
// whenever the screen closes, however it closes (its own Back, another
// screen's request, the console quitting), after which the screen gets no
// more messages; the answers to its requests still in flight are given to
// their loaders' OnDiscard.
type Dropper interface {
	Drop()
}
