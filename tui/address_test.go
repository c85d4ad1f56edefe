package tui_test

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
)

// asker is a screen that, on "f", starts a request whose result is a
// resultMsg; it records the results it receives.
type asker struct {
	name string
	got  []string
}

type resultMsg struct{ from string }

func (s *asker) Init() tea.Cmd { return nil }
func (s *asker) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if msg.String() == "f" {
			from := s.name
			// A batch and a sequence, as screens return them: the
			// address must survive both. Each has two commands, or
			// tea.Batch and tea.Sequence would hand back the one
			// command itself and neither would be tested.
			none := func() tea.Msg { return nil }
			return tea.Batch(none, tea.Sequence(none, func() tea.Msg { return resultMsg{from: from} }))
		}
	case resultMsg:
		s.got = append(s.got, msg.from)
	}
	return nil
}
func (s *asker) View() string              { return s.name }
func (s *asker) SetSize(int, int)          {}
func (s *asker) Title() string             { return s.name }
func (s *asker) Capturing() bool           { return false }
func (s *asker) ShortHelp() []key.Binding  { return nil }
func (s *asker) FullHelp() [][]key.Binding { return nil }

// TestResultGoesToTheScreenThatAsked: screen A asks, B opens on top
// before the answer arrives; the answer reaches A only, though it is not
// on top, and B (a screen of the same kind) never sees it.
func TestResultGoesToTheScreenThatAsked(t *testing.T) {
	e := tuitest.NewEnv(t)
	first := &asker{name: "A"}
	a := tuitest.NewApp(e.Common(80, 24), first)
	_, pending := a.Root.Update(tuitest.Key("f")) // A's request, not run yet
	second := &asker{name: "B"}
	a.Send(tui.PushMsg{View: second})
	a.Run(pending)
	if len(first.got) != 1 || first.got[0] != "A" {
		t.Errorf("A received %v, want its own result", first.got)
	}
	if len(second.got) != 0 {
		t.Errorf("B received %v: a result for A was delivered to B", second.got)
	}

	// A result for a screen that has closed goes nowhere.
	_, pending = a.Root.Update(tuitest.Key("f")) // B asks
	a.Send(tui.BackMsg{From: second})
	a.Run(pending)
	if len(second.got) != 0 || len(first.got) != 1 {
		t.Errorf("after B closed: A %v, B %v", first.got, second.got)
	}
}

// opener is a screen that, on "o", asks to open another screen after a
// load (as the resync route reads the device first).
type opener struct{ asker }

func (s *opener) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "o" {
		return tui.Push(&asker{name: "opened"})
	}
	return nil
}

// TestClosedScreenOpensNothing: a screen closed while what it asked to
// open was loading opens nothing over the screen revealed.
func TestClosedScreenOpensNothing(t *testing.T) {
	e := tuitest.NewEnv(t)
	a := tuitest.NewApp(e.Common(80, 24), &asker{name: "home"})
	o := &opener{asker{name: "O"}}
	a.Send(tui.PushMsg{View: o})
	_, pending := a.Root.Update(tuitest.Key("o"))
	a.Send(tui.BackMsg{From: o})
	a.Run(pending)
	if a.Root.Depth() != 1 {
		t.Fatalf("%d screens open, want home only: a closed screen's push was obeyed (top %q)", a.Root.Depth(), a.Root.Top().Title())
	}
}

// clipboardReader is a screen whose command answers with a Bubble Tea
// event (as a command reading the clipboard might), and that records the
// clipboard messages it receives.
type clipboardReader struct {
	asker
	clips []string
}

func (s *clipboardReader) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if msg.String() == "c" {
			from := s.name
			return func() tea.Msg { return tea.ClipboardMsg{Content: from} }
		}
	case tea.ClipboardMsg:
		s.clips = append(s.clips, msg.Content)
	}
	return nil
}

// TestBubbleTeaEventFromACommandGoesToItsScreen: only the messages the
// program itself acts on (quit, its internal requests) leave a screen's
// command unaddressed; a Bubble Tea event a command returns is that
// screen's result like any other, not news for every open screen.
func TestBubbleTeaEventFromACommandGoesToItsScreen(t *testing.T) {
	e := tuitest.NewEnv(t)
	below := &clipboardReader{asker: asker{name: "below"}}
	a := tuitest.NewApp(e.Common(80, 24), below)
	top := &clipboardReader{asker: asker{name: "top"}}
	a.Send(tui.PushMsg{View: top})
	a.Keys("c")
	if len(top.clips) != 1 || top.clips[0] != "top" || len(below.clips) != 0 {
		t.Errorf("top received %v, the screen below %v: want the answer at top only", top.clips, below.clips)
	}
}
