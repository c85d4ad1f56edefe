package backupcodes_test

import (
	"context"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/backupcodes"
	"github.com/two-factor/two-factor/views/users"
)

func setup(t *testing.T, w, h int, user string) (*tuitest.Env, *tuitest.App, *backupcodes.Model) {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(w, h)
	a := tuitest.NewApp(c, users.New(c))
	m := backupcodes.New(c, user)
	a.Send(tui.PushMsg{View: m})
	return e, a, m
}

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("first/"+sz.Name, func(t *testing.T) {
			_, a, _ := setup(t, sz.W, sz.H, "carol")
			tuitest.Golden(t, a.Frame())
		})
		t.Run("replace/"+sz.Name, func(t *testing.T) {
			_, a, _ := setup(t, sz.W, sz.H, "alice")
			tuitest.Golden(t, a.Frame())
		})
		t.Run("shown/"+sz.Name, func(t *testing.T) {
			_, a, m := setup(t, sz.W, sz.H, "alice")
			a.Keys("enter")
			// The codes are random: put known ones in their place.
			frame := a.Frame()
			for i, c := range m.Codes() {
				frame = strings.Replace(frame, c, strings.Repeat(string(rune('a'+i)), 5)+"-"+strings.Repeat(string(rune('a'+i)), 5), 1)
			}
			tuitest.Golden(t, frame)
		})
	}
}

func TestGenerateShowsOnceAndWorks(t *testing.T) {
	e, a, m := setup(t, 80, 24, "carol")
	if !strings.Contains(a.Frame(), "enter generate now") {
		t.Fatalf("frame:\n%s", a.Frame())
	}
	a.Keys("enter")
	codes := append([]string(nil), m.Codes()...)
	if len(codes) != devices.BackupCodeCount {
		t.Fatalf("%d codes", len(codes))
	}
	frame := a.Frame()
	for _, c := range codes {
		if !strings.Contains(frame, c) {
			t.Errorf("code %s not on screen", c)
		}
	}
	if !strings.Contains(frame, "! Shown only now.") || !strings.Contains(frame, "cannot be shown again") {
		t.Errorf("no warning:\n%s", frame)
	}
	r, err := e.Svc.Verify(context.Background(), "carol", "", codes[3])
	if err != nil || !r.Accepted() {
		t.Fatalf("a shown code does not verify: %v %v", r.Outcome, err)
	}
	a.Keys("enter")
	if a.Root.Top() == tui.View(m) || m.Codes() != nil {
		t.Fatal("enter should close the screen and forget the codes")
	}
	if strings.Contains(a.Frame(), codes[0]) {
		t.Fatal("a code is still on screen")
	}
}

func TestEscChangesNothing(t *testing.T) {
	e, a, _ := setup(t, 80, 24, "alice")
	before, _ := e.Svc.Devices(context.Background(), "alice")
	if !strings.Contains(a.Frame(), "alice has 10 unused backup codes. New codes replace them") {
		t.Fatalf("frame:\n%s", a.Frame())
	}
	a.Keys("esc")
	after, _ := e.Svc.Devices(context.Background(), "alice")
	if len(before) != len(after) || len(before[2].Codes) != len(after[2].Codes) || a.Root.Depth() != 1 {
		t.Fatal("esc changed something")
	}
}
