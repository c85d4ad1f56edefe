package tui

import (
	"go/token"
	"reflect"

	tea "charm.land/bubbletea/v2"
)

// Results by address. Every command a screen returns is wrapped by the
// root so that the message it produces carries the screen's address;
// the root then delivers it to that screen only. Two open screens of the
// same kind (alice's devices under bob's) never see each other's results,
// and a result for a screen already closed goes nowhere.

// addressed is a message produced by a command of the screen with id to.
type addressed struct {
	to  int
	msg tea.Msg
}

var cmdType = reflect.TypeFor[tea.Cmd]()

// address wraps cmd so its message is addressed to screen id.
func address(id int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg { return addressMsg(id, cmd()) }
}

// addressMsg addresses msg to screen id. A batch or sequence of commands
// has each of its commands wrapped, keeping its type: tea.Sequence's type
// is unexported, and the program recognises it only by that type. The
// messages the program itself acts on (quit, clipboard and window-size
// requests, ...) go to it unchanged.
func addressMsg(id int, msg tea.Msg) tea.Msg {
	if msg == nil {
		return nil
	}
	if cmds, ok := Commands(msg); ok { // before forProgram: a sequence's type is unexported
		out := reflect.MakeSlice(reflect.TypeOf(msg), len(cmds), len(cmds))
		for i, c := range cmds {
			out.Index(i).Set(reflect.ValueOf(address(id, c)))
		}
		return out.Interface()
	}
	if forProgram(msg) {
		return msg
	}
	return addressed{to: id, msg: msg}
}

// Commands returns the commands of a tea.Batch or tea.Sequence result, in
// order, and false for any other message. Drivers that run commands
// themselves (tuitest) unpack them with it too.
func Commands(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}

const teaPackage = "charm.land/bubbletea/v2"

// forProgram reports whether msg is one the Bubble Tea program acts on
// itself when a command returns it: its internal requests (unexported
// types: clipboard, colour and size queries, printing, exec) and the
// exported ones its event loop handles before the model sees them. Any
// other message, Bubble Tea events included, is the screen's result.
func forProgram(msg tea.Msg) bool {
	switch msg.(type) {
	case tea.QuitMsg, tea.InterruptMsg, tea.SuspendMsg, tea.RawMsg, tea.WindowSizeMsg,
		tea.ColorProfileMsg, tea.CapabilityMsg, tea.ModeReportMsg, tea.MouseMsg:
		return true
	}
	t := reflect.TypeOf(msg)
	return t.PkgPath() == teaPackage && !token.IsExported(t.Name())
}

// Payload returns the message inside an addressed one (msg itself
// otherwise), for drivers that judge messages by their type: tuitest
// drops spinner ticks and cursor blinks whoever they are for.
func Payload(msg tea.Msg) tea.Msg {
	if a, ok := msg.(addressed); ok {
		return a.msg
	}
	return msg
}
