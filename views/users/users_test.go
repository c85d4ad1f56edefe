package users_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/users"
)

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("seeded/"+sz.Name, func(t *testing.T) {
			e := tuitest.NewEnv(t)
			e.Seed(t)
			c := e.Common(sz.W, sz.H)
			a := tuitest.NewApp(c, users.New(c))
			tuitest.Golden(t, a.Frame())
		})
		t.Run("empty/"+sz.Name, func(t *testing.T) {
			e := tuitest.NewEnv(t)
			c := e.Common(sz.W, sz.H)
			a := tuitest.NewApp(c, users.New(c))
			tuitest.Golden(t, a.Frame())
		})
	}
}

func TestFilterAsYouType(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(80, 24)
	u := users.New(c)
	a := tuitest.NewApp(c, u)
	a.Keys("/")
	a.Type("a")
	if got := u.Visible(); got != 4 { // alice, carol, dave, mallory
		t.Fatalf("filter a: %d users shown, want 4\n%s", got, a.Frame())
	}
	a.Type("l")
	if got := u.Visible(); got != 2 { // alice, mallory
		t.Fatalf("filter al: %d users shown, want 2\n%s", got, a.Frame())
	}
	a.Keys("backspace", "backspace")
	a.Type("DAV")
	if got, sel := u.Visible(), u.Selected(); got != 1 || sel != "dave" {
		t.Fatalf("filter DAV: %d shown, selected %q", got, sel)
	}
	a.Keys("enter")
	if u.Capturing() {
		t.Fatal("enter should leave the filter field")
	}
	if !strings.Contains(a.Frame(), `Users filtered by "dav"`) {
		t.Fatalf("frame does not show the filter:\n%s", a.Frame())
	}
	a.Keys("esc")
	if got := u.Visible(); got != 6 {
		t.Fatalf("esc should clear the filter: %d shown", got)
	}
}
