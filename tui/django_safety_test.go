package tui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/audit"
	"github.com/two-factor/two-factor/views/userdetail"
	"github.com/two-factor/two-factor/views/users"
)

// A Django site's user names, device names and static tokens are chosen
// by the site's users and stored without two-factor's name rules (no
// control characters): on every screen that shows them they reach the
// terminal escaped.
func TestDjangoSiteNamesDoNotDriveTheTerminal(t *testing.T) {
	const evil = "eve\x1b[31mRED\x1b]0;pwned\x07"
	c := tuitest.DjangoCommon(t, 120, 40, func(s *djangofixture.Site) {
		u := s.User(t, evil)
		s.TOTP(t, u, "default\x1b[2J", true, []byte("12345678901234567890"))
		s.Static(t, u, "backup\x1b[8m", "tok\x1b[2J")
	})
	// Audit entries naming them: an unlock of each device.
	for _, dev := range []string{"default\x1b[2J", "backup\x1b[8m"} {
		if _, err := c.Svc.ChangeDevice(context.Background(), evil, dev, service.ActionUnlock, ""); err != nil {
			t.Fatal(err)
		}
	}
	a := tuitest.NewApp(c, users.New(c))
	for name, open := range map[string]func(){
		"users":  func() {},
		"detail": func() { a.Send(tui.PushMsg{View: userdetail.New(c, evil)}) },
		"audit":  func() { a.Send(tui.PushMsg{View: audit.New(c, "")}) },
	} {
		for a.Root.Depth() > 1 {
			a.Send(tui.BackMsg{})
		}
		open()
		if bad := tuitest.Unsafe(a.Root.Render()); bad != "" {
			t.Errorf("%s: %s reaches the terminal:\n%s", name, bad, a.Frame())
		}
		if !strings.Contains(a.Frame(), `eve\x1b[31mRED`) && !strings.Contains(a.Frame(), `default\x1b[2J`) {
			t.Errorf("%s: the hostile names are not on screen (escaped):\n%s", name, a.Frame())
		}
	}
}
