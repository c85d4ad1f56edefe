package confirm_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/confirm"
	"github.com/two-factor/two-factor/views/users"
)

type doneMsg struct{}

func TestOnlyYConfirms(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		yes  bool
	}{{[]string{"y"}, true}, {[]string{"Y"}, true}, {[]string{"n"}, false}, {[]string{"esc"}, false}, {[]string{"enter", "q"}, false}} {
		e := tuitest.NewEnv(t)
		c := e.Common(80, 24)
		a := tuitest.NewApp(c, users.New(c))
		ran := false
		m := confirm.New(c, confirm.Options{
			Title: "Remove", Question: "Remove it?", Lines: []string{"one thing"}, Yes: "remove",
			OnYes: func() tea.Msg { ran = true; return doneMsg{} },
		})
		a.Send(tui.PushMsg{View: m})
		if !strings.Contains(a.Frame(), "• one thing") || !strings.Contains(a.Frame(), "y remove") {
			t.Fatalf("frame:\n%s", a.Frame())
		}
		a.Keys(tc.keys...)
		if ran != tc.yes {
			t.Errorf("%v: OnYes ran %v", tc.keys, ran)
		}
		if tc.keys[0] != "enter" && a.Root.Depth() != 1 {
			t.Errorf("%v: the question is still open", tc.keys)
		}
	}
}
