package disable_test

import (
	"context"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/disable"
	"github.com/two-factor/two-factor/views/users"
)

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("disable/"+sz.Name, func(t *testing.T) {
			e := tuitest.NewEnv(t)
			e.Seed(t)
			c := e.Common(sz.W, sz.H)
			a := tuitest.NewApp(c, users.New(c))
			a.Run(disable.Start(c, "alice"))
			tuitest.Golden(t, a.Frame())
		})
		t.Run("remove/"+sz.Name, func(t *testing.T) {
			e := tuitest.NewEnv(t)
			e.Seed(t)
			c := e.Common(sz.W, sz.H)
			a := tuitest.NewApp(c, users.New(c))
			a.Run(disable.StartRemoveUser(c, servicetest.HostileUser))
			tuitest.Golden(t, a.Frame())
		})
	}
}

func TestNothingToDisable(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	a.Run(disable.Start(c, "carol"))
	if a.Root.Depth() != 1 || !strings.Contains(a.Root.StatusLine().Text, "carol has no devices") {
		t.Fatalf("depth %d, status %+v", a.Root.Depth(), a.Root.StatusLine())
	}
}

func TestHardwareTokensGoBackToTheInventory(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(120, 40)
	a := tuitest.NewApp(c, users.New(c))
	a.Run(disable.Start(c, "alice"))
	if !strings.Contains(a.Frame(), "serial SN0042 (device 2): unassigned, back to the") {
		t.Fatalf("frame:\n%s", a.Frame())
	}
	a.Keys("y")
	toks, err := e.Svc.Tokens(context.Background(), db.TokenFilter{Unassigned: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range toks {
		if d.Serial == "SN0042" && d.UserID == 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("SN0042 is not back in the inventory: %+v", toks)
	}
}
