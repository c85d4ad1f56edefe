package users_test

import (
	"context"
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

func TestAddUser(t *testing.T) {
	e := tuitest.NewEnv(t)
	c := e.Common(80, 24)
	u := users.New(c)
	a := tuitest.NewApp(c, u)
	if !strings.Contains(a.Frame(), "No users yet.") {
		t.Fatalf("empty store:\n%s", a.Frame())
	}
	a.Keys("a")
	a.Type("zoe")
	a.Keys("enter")
	if u.Selected() != "zoe" || u.Visible() != 1 {
		t.Fatalf("after adding: selected %q, %d shown\n%s", u.Selected(), u.Visible(), a.Frame())
	}
	if got := a.Root.StatusLine().Text; got != "added zoe; press n to enroll a device for them" {
		t.Errorf("status %q", got)
	}
	a.Keys("a")
	a.Type("zoe")
	a.Keys("enter")
	if got := a.Root.StatusLine(); !strings.Contains(got.Text, "already exists") {
		t.Errorf("adding zoe twice: %+v", got)
	}
	a.Keys("a", "esc")
	if u.Capturing() {
		t.Error("esc should leave the name field")
	}
}

func TestRemoveUser(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(120, 40)
	u := users.New(c)
	a := tuitest.NewApp(c, u)
	a.Keys("x")
	frame := a.Frame()
	for _, want := range []string{"Remove alice and all their devices?", `TOTP app "phone"`, `TOTP token "token" serial SN0042`, "backup codes (10 unused"} {
		if !strings.Contains(frame, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, frame)
		}
	}
	a.Keys("y")
	if u.Visible() != 5 || u.Selected() == "alice" {
		t.Fatalf("alice still listed:\n%s", a.Frame())
	}
	if st, _ := e.Svc.Status(context.Background(), []string{"alice"}); st[0].Exists {
		t.Fatal("alice still in the store")
	}
}

func TestDisableAsksThenRemovesEveryDevice(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	a.Keys("D")
	if !strings.Contains(a.Frame(), "Disable two-factor authentication for alice? This removes:") {
		t.Fatalf("frame:\n%s", a.Frame())
	}
	a.Keys("esc")
	if ds, _ := e.Svc.Devices(context.Background(), "alice"); len(ds) != 3 {
		t.Fatalf("esc removed devices: %d left", len(ds))
	}
	a.Keys("D", "y")
	if ds, _ := e.Svc.Devices(context.Background(), "alice"); len(ds) != 0 {
		t.Fatalf("%d devices left after disabling", len(ds))
	}
	if got := a.Root.StatusLine().Text; got != "alice: two-factor authentication disabled, 3 devices removed" {
		t.Errorf("status %q", got)
	}
	if !strings.Contains(a.Frame(), "› alice                                  – disabled") {
		t.Errorf("list not refreshed:\n%s", a.Frame())
	}
}

func TestSort(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(80, 24)
	u := users.New(c)
	a := tuitest.NewApp(c, u)
	a.Keys("s", "g")
	if u.Selected() != "bob" { // locked out comes first
		t.Errorf("by status, first is %q", u.Selected())
	}
	a.Keys("s", "g")
	if u.Selected() != "dave" { // used 25 minutes ago: the most recent
		t.Errorf("by last used, first is %q", u.Selected())
	}
	a.Keys("s")
	if !strings.Contains(a.Frame(), "by name") {
		t.Errorf("three presses of s should come back to name order:\n%s", a.Frame())
	}
}

// After adding a user the cursor is on them, so that n (offered in the
// status line) enrolls the new user and not the one selected before.
func TestAddUserSelectsThem(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(80, 24)
	u := users.New(c)
	a := tuitest.NewApp(c, u)
	a.Keys("down")
	before := u.Selected()
	a.Keys("a")
	a.Type("zoe")
	a.Keys("enter")
	if u.Selected() != "zoe" {
		t.Fatalf("after adding zoe, %q is selected (was %q)\n%s", u.Selected(), before, a.Frame())
	}
}
