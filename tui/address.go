package tui

import (
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
// is unexported, and the program recognises it only by that type. Bubble
// Tea's own messages (quit, clipboard, window size requests) go to the
// program unchanged.
func addressMsg(id int, msg tea.Msg) tea.Msg {
	if msg == nil {
		return nil
	}
	v := reflect.ValueOf(msg)
	if v.Kind() == reflect.Slice && v.Type().Elem() == cmdType {
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(reflect.ValueOf(address(id, v.Index(i).Interface().(tea.Cmd))))
		}
		return out.Interface()
	}
	if t := reflect.TypeOf(msg); t.PkgPath() == "charm.land/bubbletea/v2" {
		return msg
	}
	return addressed{to: id, msg: msg}
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
