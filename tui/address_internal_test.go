package tui

import (
	"reflect"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestAddressKeepsBatchAndSequence pins what address.go assumes of
// Bubble Tea: tea.Batch and tea.Sequence of two or more commands produce
// a slice of tea.Cmd (tea.Sequence's type unexported), which the program
// recognises by its type. If an upgrade changes that, this fails here
// rather than results silently reaching every screen (unaddressed) or
// sequences running out of order.
func TestAddressKeepsBatchAndSequence(t *testing.T) {
	type result struct{ n int }
	one := func() tea.Msg { return result{1} }
	two := func() tea.Msg { return result{2} }
	for name, cmd := range map[string]tea.Cmd{
		"batch":    tea.Batch(one, two),
		"sequence": tea.Sequence(one, two),
	} {
		raw := cmd()
		v := reflect.ValueOf(raw)
		if v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
			t.Fatalf("%s: tea.%T is no longer a slice of tea.Cmd: revise address.go", name, raw)
		}
		got := address(7, cmd)()
		if reflect.TypeOf(got) != reflect.TypeOf(raw) {
			t.Fatalf("%s: addressed to %T, want the type kept (%T)", name, got, raw)
		}
		inner := reflect.ValueOf(got)
		if inner.Len() != 2 {
			t.Fatalf("%s: %d commands after addressing, want 2", name, inner.Len())
		}
		for i := range inner.Len() {
			msg := inner.Index(i).Interface().(tea.Cmd)()
			a, ok := msg.(addressed)
			if !ok || a.to != 7 || a.msg != (result{i + 1}) {
				t.Errorf("%s[%d]: %#v, want result %d addressed to 7", name, i, msg, i+1)
			}
		}
	}
	// The program's own messages pass through unaddressed: what it acts
	// on, exported or not; a Bubble Tea event is the screen's result.
	for _, cmd := range []tea.Cmd{tea.Quit, tea.SetClipboard("x"), tea.RequestWindowSize, tea.ClearScreen,
		func() tea.Msg { return tea.WindowSizeMsg{Width: 1, Height: 1} }} {
		if msg := address(7, cmd)(); reflect.TypeOf(msg) != reflect.TypeOf(cmd()) {
			t.Errorf("the program's %T was addressed", cmd())
		}
	}
	if _, ok := address(7, func() tea.Msg { return tea.ClipboardMsg{} })().(addressed); !ok {
		t.Error("a Bubble Tea event from a screen's command was left unaddressed")
	}
}
