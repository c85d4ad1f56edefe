package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/termsafe"
)

// PushMsg opens a screen on top of the current one.
type PushMsg struct{ View View }

// BackMsg closes From when it is the screen on top (a late message from
// a screen already closed closes nothing); a nil From closes the top.
// Status, when set, is shown on the screen revealed.
type BackMsg struct {
	From   View
	Status StatusMsg
}

// Level grades a status line.
type Level int

const (
	Info Level = iota
	OK
	Error
)

// StatusMsg sets the status line.
type StatusMsg struct {
	Text  string
	Level Level
}

// ChangedMsg says the store changed: the status line reports it, every
// open screen may reload, and Close (when it is on top) is closed first.
// External marks a change another process made, seen by the root's watch
// of the store: the screen on top reloads (the others when revealed), the
// status line is left alone.
type ChangedMsg struct {
	Status   string
	Close    View
	External bool
}

// Push returns a command that opens v.
func Push(v View) tea.Cmd { return func() tea.Msg { return PushMsg{View: v} } }

// Back returns a command that closes from.
func Back(from View) tea.Cmd { return func() tea.Msg { return BackMsg{From: from} } }

// BackWith closes from and tells the screen revealed what happened.
func BackWith(from View, level Level, format string, a ...any) tea.Cmd {
	text := fmt.Sprintf(format, a...)
	return func() tea.Msg { return BackMsg{From: from, Status: StatusMsg{Text: text, Level: level}} }
}

// Status returns a command that reports text.
func Status(level Level, format string, a ...any) tea.Cmd {
	text := fmt.Sprintf(format, a...)
	return func() tea.Msg { return StatusMsg{Text: text, Level: level} }
}

// ErrorStatus turns an error into a status message. Errors can quote
// names from the store, so the text is made safe here.
func ErrorStatus(err error) StatusMsg {
	return StatusMsg{Text: termsafe.Clean(err.Error()), Level: Error}
}

// Fail returns a command that reports err on the status line, made safe
// (ErrorStatus).
func Fail(err error) tea.Cmd {
	s := ErrorStatus(err)
	return func() tea.Msg { return s }
}

// Changed returns a command that reports a change to the store.
func Changed(close View, format string, a ...any) tea.Cmd {
	text := fmt.Sprintf(format, a...)
	return func() tea.Msg { return ChangedMsg{Status: text, Close: close} }
}
