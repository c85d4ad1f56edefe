package userdetail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/userdetail"
)

func open(t *testing.T, w, h int, user string) (*tuitest.Env, *tuitest.App, *userdetail.Model) {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(w, h)
	m := userdetail.New(c, user)
	return e, tuitest.NewApp(c, m), m
}

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("alice/"+sz.Name, func(t *testing.T) {
			_, a, _ := open(t, sz.W, sz.H, "alice")
			a.Keys("down") // the drifting token, with its sparkline
			tuitest.Golden(t, a.Frame())
		})
		t.Run("bob/"+sz.Name, func(t *testing.T) {
			_, a, _ := open(t, sz.W, sz.H, "bob")
			tuitest.Golden(t, a.Frame())
		})
		t.Run("carol/"+sz.Name, func(t *testing.T) {
			_, a, _ := open(t, sz.W, sz.H, "carol")
			tuitest.Golden(t, a.Frame())
		})
	}
}

func devicesOf(t *testing.T, e *tuitest.Env, user string) map[string]*devices.Device {
	t.Helper()
	ds, err := e.Svc.Devices(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*devices.Device{}
	for _, d := range ds {
		out[d.Name] = d
	}
	return out
}

func TestHelpFollowsTheSelectedDevice(t *testing.T) {
	_, a, m := open(t, 120, 40, "alice")
	help := func() string {
		var keys []string
		for _, b := range m.ShortHelp() {
			keys = append(keys, b.Help().Key+" "+b.Help().Desc)
		}
		return strings.Join(keys, ", ")
	}
	if h := help(); !strings.Contains(h, "r rename, e disable, s resync, x remove") || strings.Contains(h, "unlock") {
		t.Errorf("phone selected: help %q", h)
	}
	a.Keys("down", "down") // backup codes
	if h := help(); strings.Contains(h, "resync") {
		t.Errorf("backup codes selected: help %q offers resync", h)
	}
	_, _, bob := open(t, 120, 40, "bob")
	var keys []string
	for _, b := range bob.ShortHelp() {
		keys = append(keys, b.Help().Key)
	}
	if !strings.Contains(strings.Join(keys, " "), "u") {
		t.Errorf("locked-out device: help %v has no unlock", keys)
	}
}

func TestDeviceActions(t *testing.T) {
	e, a, m := open(t, 80, 24, "alice")

	a.Keys("r", "ctrl+u")
	a.Type("work phone")
	a.Keys("enter")
	if ds := devicesOf(t, e, "alice"); ds["work phone"] == nil {
		t.Fatalf("rename did not reach the store: %v\n%s", ds, a.Frame())
	}
	if got := a.Root.StatusLine().Text; got != `renamed "phone" to "work phone"` {
		t.Errorf("status %q", got)
	}
	if d := m.Selected(); d == nil || d.Name != "work phone" {
		t.Errorf("selection after reload: %v", d)
	}

	a.Keys("e")
	if ds := devicesOf(t, e, "alice"); ds["work phone"].Enabled {
		t.Fatal("e did not disable the device")
	}
	if !strings.Contains(a.Frame(), "– disabled") || !strings.Contains(a.Frame(), "e enable") {
		t.Errorf("frame after disabling:\n%s", a.Frame())
	}
	a.Keys("space")
	if ds := devicesOf(t, e, "alice"); !ds["work phone"].Enabled {
		t.Fatal("space did not enable the device again")
	}

	a.Keys("x")
	if !strings.Contains(a.Frame(), `Remove this device of alice?`) || !strings.Contains(a.Frame(), `TOTP app "work phone"`) {
		t.Fatalf("remove asks:\n%s", a.Frame())
	}
	a.Keys("n")
	if ds := devicesOf(t, e, "alice"); ds["work phone"] == nil {
		t.Fatal("n removed the device anyway")
	}
	a.Keys("x", "y")
	if ds := devicesOf(t, e, "alice"); ds["work phone"] != nil || len(ds) != 2 {
		t.Fatalf("y did not remove exactly the device: %v", ds)
	}
	if a.Root.Top() != m {
		t.Error("after the confirmation the detail screen should be back on top")
	}
}

func TestUnlock(t *testing.T) {
	e, a, _ := open(t, 80, 24, "bob")
	if !strings.Contains(a.Frame(), "✗ locked out") {
		t.Fatalf("bob's device should show locked out:\n%s", a.Frame())
	}
	a.Keys("u")
	d := devicesOf(t, e, "bob")["pixel"]
	if d.LockedOut || d.Failures != 0 {
		t.Fatalf("unlock: locked %v failures %d", d.LockedOut, d.Failures)
	}
	if strings.Contains(a.Frame(), "locked out") {
		t.Errorf("frame still says locked out:\n%s", a.Frame())
	}
}

func TestRenameRejectsBadNames(t *testing.T) {
	e, a, _ := open(t, 80, 24, "alice")
	a.Keys("r", "ctrl+u", "enter")
	if !a.Root.Prompting() || !strings.Contains(a.Frame(), "✗ device name is empty") {
		t.Errorf("an empty name was not refused in the prompt:\n%s", a.Frame())
	}
	a.Keys("esc")
	if ds := devicesOf(t, e, "alice"); ds["phone"] == nil {
		t.Error("the device was renamed anyway")
	}
}

func TestHostileNamesAreDrawnSafely(t *testing.T) {
	_, a, _ := open(t, 120, 40, servicetest.HostileUser)
	raw := a.Root.Render()
	for _, bad := range []string{"\x1b[2J", "\x1b]", "\x07", "\r", "\u202e", "\x1b[5m"} {
		if strings.Contains(raw, bad) {
			t.Errorf("frame contains %q from the store", bad)
		}
	}
	for _, want := range []string{`tok\x1b[2J\x0dname`, `SN\x1b]52;c;aGk=\x07`, `m\u202eodel`, `seed vendor\x1b[5m`} {
		if !strings.Contains(a.Frame(), want) {
			t.Errorf("frame does not show %s escaped:\n%s", want, a.Frame())
		}
	}
}

// TestTurningTheOnlyDeviceOffAsks: e, space and x on a user's only active
// device each ask first, saying that 2FA goes off for them; n changes
// nothing and y goes ahead.
func TestTurningTheOnlyDeviceOffAsks(t *testing.T) {
	for _, k := range []string{"e", "space", "x"} {
		t.Run(k, func(t *testing.T) {
			e, a, _ := open(t, 80, 24, "bob") // one app, locked out but enabled
			a.Keys(k)
			// The question's words, wherever the box wrapped them.
			frame := strings.Join(strings.Fields(strings.ReplaceAll(a.Frame(), "│", "")), " ")
			if !strings.Contains(frame, "only active app or token") || !strings.Contains(frame, "two-factor authentication will be off for bob") {
				t.Fatalf("%s on bob's only device did not warn:\n%s", k, frame)
			}
			a.Keys("n")
			if d := devicesOf(t, e, "bob")["pixel"]; d == nil || !d.Enabled {
				t.Fatalf("n changed the device: %+v", d)
			}
			a.Keys(k, "y")
			d := devicesOf(t, e, "bob")["pixel"]
			if k == "x" && d != nil || k != "x" && (d == nil || d.Enabled) {
				t.Fatalf("y did not go ahead: %+v", d)
			}
		})
	}
}

// TestFarDriftReadsInDaysWithAWarning: a stored drift of 200 days reads
// as such in the row and the detail pane, with the warning that the
// token's clock is likely set wrong.
func TestFarDriftReadsInDaysWithAWarning(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.AddUser(t, "dave")
	e.Token(t, "dave", "SN0900", "c200", 200*24*120)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, userdetail.New(c, "dave"))
	flat := strings.Join(strings.Fields(a.Frame()), " ")
	for _, want := range []string{"! 200 days ahead", "200 days ahead (+576000 steps)", "likely set wrong"} {
		if !strings.Contains(flat, want) {
			t.Errorf("frame lacks %q:\n%s", want, a.Frame())
		}
	}
}
