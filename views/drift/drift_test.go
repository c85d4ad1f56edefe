package drift_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/drift"
	"github.com/two-factor/two-factor/views/users"
)

func setup(t *testing.T, w, h int) (*tuitest.App, *drift.Model) {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.Seed(t)
	e.AddUser(t, "frank")
	e.Token(t, "frank", "SN0100", "c200", 0)
	c := e.Common(w, h)
	a := tuitest.NewApp(c, users.New(c))
	m := drift.New(c)
	a.Send(tui.PushMsg{View: m})
	return a, m
}

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("tokens/"+sz.Name, func(t *testing.T) {
			a, _ := setup(t, sz.W, sz.H)
			tuitest.Golden(t, a.Frame())
		})
		t.Run("all/"+sz.Name, func(t *testing.T) {
			a, _ := setup(t, sz.W, sz.H)
			a.Keys("a")
			tuitest.Golden(t, a.Frame())
		})
	}
}

func TestGrowingDriftComesFirstWithAdvice(t *testing.T) {
	a, m := setup(t, 120, 40)
	ls := m.Lines()
	if len(ls) != 3 { // alice's token, frank's token, mallory's
		t.Fatalf("%d lines", len(ls))
	}
	if ls[0].Device.Serial != "SN0042" || !ls[0].Trend.Flag {
		t.Fatalf("the drifting token should come first, flagged: %+v", ls[0])
	}
	if flat := strings.Join(strings.Fields(a.Frame()), " "); !strings.Contains(flat, "! alice's token: its clock is 2 min ahead (+4 steps), beyond its tolerance of ±1: logins work only while they follow it; resync it if one fails; ask the user to sign in, or resync, before") {
		t.Errorf("no advice for the selected token:\n%s", a.Frame())
	}
	a.Keys("enter")
	if got := a.Root.Top().Title(); got != "Resync" {
		t.Fatalf("enter opened %q", got)
	}
	a.Keys("esc", "o")
	if got := a.Root.Top().Title(); got != "alice" {
		t.Fatalf("o opened %q", got)
	}
}

func TestAllDevices(t *testing.T) {
	a, m := setup(t, 80, 24)
	a.Keys("a")
	if len(m.Lines()) <= 3 {
		t.Fatalf("a should add apps: %d lines", len(m.Lines()))
	}
}

// TestSerialOnceDriftInWords: the selected token's serial appears once
// (issue 8: in its row and again in the advice line), and drift reads in
// time, not steps and raw seconds.
func TestSerialOnceDriftInWords(t *testing.T) {
	a, _ := setup(t, 80, 24)
	frame := a.Frame()
	if n := strings.Count(frame, "SN0042"); n != 1 {
		t.Errorf("serial SN0042 shown %d times:\n%s", n, frame)
	}
	if !strings.Contains(frame, "2 min ahead") || strings.Contains(frame, "(+120s)") {
		t.Errorf("drift not in words:\n%s", frame)
	}
}
