package registry_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/registry"
	"github.com/two-factor/two-factor/views/userdetail"
	"github.com/two-factor/two-factor/views/users"
)

func init() { tuitest.Routes = registry.Routes() }

// console opens the console on the seeded store at the user list.
func console(t *testing.T) *tuitest.App {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(120, 40)
	return tuitest.NewApp(c, users.New(c))
}

// onDevice checks that the screen on top is user's, with serial selected.
func onDevice(t *testing.T, a *tuitest.App, user, serial string) {
	t.Helper()
	d, ok := a.Root.Top().(*userdetail.Model)
	if !ok {
		t.Fatalf("the screen on top is %q, not a user's:\n%s", a.Root.Top().Title(), a.Frame())
	}
	if d.Title() != user {
		t.Fatalf("opened %q, want %q", d.Title(), user)
	}
	if sel := d.Selected(); sel == nil || sel.Serial != serial {
		t.Fatalf("selected %+v, want the token %s:\n%s", sel, serial, a.Frame())
	}
}

// The links that screens importing each other made impossible.

func TestTokenOpensItsOwner(t *testing.T) {
	a := console(t)
	a.Keys("i", "A") // the inventory, with assigned tokens too
	a.Keys("/")
	a.Type("SN0042")
	a.Keys("enter", "o")
	onDevice(t, a, "alice", "SN0042")
	if !strings.HasPrefix(a.Frame(), "two-factor › Users › Tokens › alice") {
		t.Errorf("breadcrumb:\n%s", a.Frame())
	}
}

func TestAuditRowOpensItsUser(t *testing.T) {
	a := console(t)
	a.Keys("l", "/")
	a.Type("SN0042")
	a.Keys("enter", "enter")
	onDevice(t, a, "alice", "SN0042")
}

func TestDriftRowOpensItsDevice(t *testing.T) {
	a := console(t)
	a.Keys("t") // the drift report: alice's drifting SN0042 comes first
	a.Keys("o")
	onDevice(t, a, "alice", "SN0042")
	if !strings.HasPrefix(a.Frame(), "two-factor › Users › Token drift › alice") {
		t.Errorf("breadcrumb:\n%s", a.Frame())
	}
}
