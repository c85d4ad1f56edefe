// Package registry assembles the console's routes: it maps every
// tui.Screen to the package that builds it. It is the one package that
// imports every screen, so that no screen imports another: a screen names
// where to go (tui.Navigate) and the root opens it from here.
package registry

import (
	"fmt"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/audit"
	"github.com/two-factor/two-factor/views/backupcodes"
	"github.com/two-factor/two-factor/views/burn"
	"github.com/two-factor/two-factor/views/disable"
	"github.com/two-factor/two-factor/views/drift"
	"github.com/two-factor/two-factor/views/enroll"
	"github.com/two-factor/two-factor/views/importer"
	"github.com/two-factor/two-factor/views/resync"
	"github.com/two-factor/two-factor/views/tokens"
	"github.com/two-factor/two-factor/views/userdetail"
	"github.com/two-factor/two-factor/views/users"
)

// Routes returns every route the console knows.
func Routes() tui.Routes {
	push := func(build func(c *tui.Common, r tui.Route) tui.View) tui.Opener {
		return func(c *tui.Common, r tui.Route) tea.Cmd { return tui.Push(build(c, r)) }
	}
	return tui.Routes{
		tui.ScreenUsers:       push(func(c *tui.Common, _ tui.Route) tui.View { return users.New(c) }),
		tui.ScreenUser:        push(func(c *tui.Common, r tui.Route) tui.View { return userdetail.New(c, r.User).Select(r.Device) }),
		tui.ScreenEnroll:      push(func(c *tui.Common, r tui.Route) tui.View { return enroll.New(c, r.User) }),
		tui.ScreenBackupCodes: push(func(c *tui.Common, r tui.Route) tui.View { return backupcodes.New(c, r.User) }),
		tui.ScreenAudit:       push(func(c *tui.Common, r tui.Route) tui.View { return audit.New(c, r.User) }),
		tui.ScreenTokens:      push(func(c *tui.Common, _ tui.Route) tui.View { return tokens.New(c) }),
		tui.ScreenTokenPicker: push(func(c *tui.Common, r tui.Route) tui.View { return tokens.NewPicker(c, r.User) }),
		tui.ScreenImport:      push(func(c *tui.Common, _ tui.Route) tui.View { return importer.New(c) }),
		tui.ScreenDrift:       push(func(c *tui.Common, _ tui.Route) tui.View { return drift.New(c) }),
		tui.ScreenResync:      openResync,
		tui.ScreenBurn:        push(openBurn),
		tui.ScreenDisable2FA:  func(c *tui.Common, r tui.Route) tea.Cmd { return disable.Start(c, r.User) },
		tui.ScreenRemoveUser:  func(c *tui.Common, r tui.Route) tea.Cmd { return disable.StartRemoveUser(c, r.User) },
	}
}

// openResync reads the device the route names (it may have changed or
// gone since the screen that asked last loaded it) and opens its resync.
func openResync(c *tui.Common, r tui.Route) tea.Cmd {
	return func() tea.Msg {
		u, err := c.Svc.UserDetail(c.Ctx, r.User)
		if err != nil {
			return tui.ErrorStatus(err)
		}
		d, err := u.Find(strconv.FormatInt(r.Device, 10))
		if err != nil {
			return tui.ErrorStatus(fmt.Errorf("resync: %w", err))
		}
		return tui.PushMsg{View: resync.New(c, r.User, d.Device)}
	}
}

// openBurn programs a token for the route's user, or tokens for the
// inventory when it names none.
func openBurn(c *tui.Common, r tui.Route) tui.View {
	if r.User == "" {
		return burn.NewBatch(c)
	}
	return burn.New(c, r.User)
}
