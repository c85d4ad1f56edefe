package tui_test

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
)

type doneMsg struct{}

// recorder is a screen that keeps the messages it gets.
type recorder struct {
	stub
	msgs []tea.Msg
}

func (r *recorder) Update(msg tea.Msg) tea.Cmd {
	r.msgs = append(r.msgs, msg)
	return r.stub.Update(msg)
}

func TestOnlyYConfirms(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		yes  bool
	}{{[]string{"y"}, true}, {[]string{"Y"}, true}, {[]string{"n"}, false}, {[]string{"esc"}, false}, {[]string{"enter", "q"}, false}} {
		e := tuitest.NewEnv(t)
		home := &recorder{stub: stub{title: "Home"}}
		a := tuitest.NewApp(e.Common(80, 24), home)
		a.Run(tui.Ask(tui.Confirm{
			Title: "Remove", Question: "Remove it?", Lines: []string{"one thing"}, Yes: "remove",
			OnYes: func() tea.Msg { return doneMsg{} },
		}))
		if f := a.Frame(); !strings.Contains(f, "• one thing") || !strings.Contains(f, "y remove") || !strings.HasPrefix(f, "two-factor › Home › Remove") {
			t.Fatalf("frame:\n%s", f)
		}
		a.Keys(tc.keys...)
		ran := false
		for _, m := range home.msgs {
			if _, ok := m.(doneMsg); ok {
				ran = true
			}
		}
		if ran != tc.yes {
			t.Errorf("%v: OnYes's result reached the screen that asked: %v", tc.keys, ran)
		}
		if a.Quit || tc.keys[0] != "enter" && a.Root.Prompting() {
			t.Errorf("%v: quit %v, still asking %v", tc.keys, a.Quit, a.Root.Prompting())
		}
		if len(home.got) != 0 {
			t.Errorf("%v: keys reached the screen under the question: %v", tc.keys, home.got)
		}
		if !tc.yes && tc.keys[0] != "enter" && a.Root.StatusLine().Text != "cancelled: nothing changed" {
			t.Errorf("%v: status %+v", tc.keys, a.Root.StatusLine())
		}
	}
}

func TestAskLine(t *testing.T) {
	e := tuitest.NewEnv(t)
	home := &recorder{stub: stub{title: "Home"}}
	a := tuitest.NewApp(e.Common(80, 24), home)
	a.Run(tui.AskLine(tui.Line{ID: "name", Prompt: "Name: ", Value: "old",
		Check: func(s string) error {
			if s == "" {
				return errors.New("name is empty")
			}
			return nil
		}}))
	a.Keys("backspace", "backspace", "backspace", "enter")
	if !a.Root.Prompting() || !strings.Contains(a.Frame(), "✗ name is empty") {
		t.Fatalf("an empty answer was not refused:\n%s", a.Frame())
	}
	a.Type("q?new") // q and ? are text while the line is asked
	a.Keys("enter")
	var answers []tui.AnswerMsg
	for _, m := range home.msgs {
		if ans, ok := m.(tui.AnswerMsg); ok {
			answers = append(answers, ans)
		}
	}
	if a.Quit || a.Root.Prompting() || len(answers) != 1 || answers[0] != (tui.AnswerMsg{ID: "name", Value: "q?new"}) {
		t.Fatalf("quit %v, answers %+v", a.Quit, answers)
	}
}
