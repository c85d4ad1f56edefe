package tui_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/audit"
	"github.com/two-factor/two-factor/views/disable"
	"github.com/two-factor/two-factor/views/drift"
	"github.com/two-factor/two-factor/views/userdetail"
	"github.com/two-factor/two-factor/views/users"
)

// TestNothingFromTheStoreDrivesTheTerminal opens every screen that shows
// the hostile user's names, serial, model and audit entries (written
// behind the API's back) and checks that only the console's own styling
// reaches the terminal.
func TestNothingFromTheStoreDrivesTheTerminal(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(120, 40)
	a := tuitest.NewApp(c, users.New(c))
	screens := map[string]func(){
		"users":  func() {},
		"detail": func() { a.Send(tui.PushMsg{View: userdetail.New(c, servicetest.HostileUser)}) },
		"drift":  func() { a.Send(tui.PushMsg{View: drift.New(c)}); a.Keys("a", "G") },
		"audit":  func() { a.Send(tui.PushMsg{View: audit.New(c, "")}) },
		"user audit": func() {
			a.Send(tui.PushMsg{View: audit.New(c, servicetest.HostileUser)})
		},
		"disable": func() { a.Run(disable.Start(c, servicetest.HostileUser)) },
		"remove":  func() { a.Run(disable.StartRemoveUser(c, servicetest.HostileUser)) },
		"filter":  func() { a.Keys("/"); a.Type("mal") },
	}
	for name, open := range screens {
		for a.Root.Depth() > 1 {
			a.Send(tui.BackMsg{})
		}
		if a.Root.Top().Capturing() {
			a.Keys("esc")
		}
		open()
		if bad := tuitest.Unsafe(a.Root.Render()); bad != "" {
			t.Errorf("%s: %s reaches the terminal:\n%s", name, bad, a.Frame())
		}
		if !containsAny(a.Frame(), `mallory\x1b[31mEVIL`, `tok\x1b[2J`, `root\x1b[8m`) {
			t.Errorf("%s: the hostile data is not on screen (escaped):\n%s", name, a.Frame())
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// TestStatusLineIsMadeSafe: a status a screen built from store text it
// forgot to clean still cannot drive the terminal.
func TestStatusLineIsMadeSafe(t *testing.T) {
	e := tuitest.NewEnv(t)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, &stub{title: "home"})
	a.Send(tui.StatusMsg{Text: "removed \x1b]0;pwned\x07mallory", Level: tui.OK})
	if bad := tuitest.Unsafe(a.Root.Render()); bad != "" {
		t.Fatalf("status line sent %s to the terminal", bad)
	}
}
