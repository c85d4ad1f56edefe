package tui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/users"
)

// reloads is a screen that counts the reloads it is asked for.
type reloads struct {
	stub
	n int
}

func (r *reloads) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tui.ChangedMsg); ok && m.External {
		r.n++
	}
	return nil
}

// TestWatchShowsAnotherProcessesUser: a user added through a second
// handle on the store (another shell, in practice) appears on the user
// list at the watch's next tick, without pressing r (issue 8).
func TestWatchShowsAnotherProcessesUser(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.AddUser(t, "alice")
	c := e.Common(80, 24)
	c.WatchEvery = time.Nanosecond // the test ticks the watch itself
	a := tuitest.NewApp(c, users.New(c))
	tuitest.OpenEnv(t, e.Path).AddUser(t, "zed")
	if strings.Contains(a.Frame(), "zed") {
		t.Fatal("zed shown before the watch looked")
	}
	a.TickWatch()
	if !strings.Contains(a.Frame(), "zed") {
		t.Fatalf("zed not shown after the watch's tick:\n%s", a.Frame())
	}
}

// TestWatchQuietStoreReloadsNothing: ticks over an unchanged store ask
// for no reload; one change asks for exactly one.
func TestWatchQuietStoreReloadsNothing(t *testing.T) {
	e := tuitest.NewEnv(t)
	c := e.Common(80, 24)
	c.WatchEvery = time.Nanosecond
	s := &reloads{stub: stub{title: "counting"}}
	a := tuitest.NewApp(c, s)
	for range 3 {
		a.TickWatch()
	}
	if s.n != 0 {
		t.Fatalf("%d reloads with nothing changed", s.n)
	}
	tuitest.OpenEnv(t, e.Path).AddUser(t, "zed")
	a.TickWatch()
	a.TickWatch()
	if s.n != 1 {
		t.Fatalf("%d reloads after one change, want 1", s.n)
	}
	if st := a.Root.StatusLine(); st.Text != "" {
		t.Errorf("a change elsewhere set the status line: %+v", st)
	}
}

// TestWatchOffWhenZero: a Common with WatchEvery zero never reads the
// counter (tests driven step by step rely on it).
func TestWatchOffWhenZero(t *testing.T) {
	e := tuitest.NewEnv(t)
	c := e.Common(80, 24)
	s := &reloads{stub: stub{title: "counting"}}
	a := tuitest.NewApp(c, s)
	tuitest.OpenEnv(t, e.Path).AddUser(t, "zed")
	a.TickWatch() // a stray tick: reads, but has no baseline
	if s.n != 0 {
		t.Fatalf("%d reloads with the watch off", s.n)
	}
}

// TestWatchReloadsCoveredScreensWhenRevealed: a change elsewhere reloads
// the screen on top only; a screen under it reloads once, when it is
// revealed, however many changes it missed.
func TestWatchReloadsCoveredScreensWhenRevealed(t *testing.T) {
	e := tuitest.NewEnv(t)
	c := e.Common(80, 24)
	c.WatchEvery = time.Nanosecond
	below := &reloads{stub: stub{title: "below"}}
	a := tuitest.NewApp(c, below)
	a.TickWatch() // the baseline
	above := &reloads{stub: stub{title: "above"}}
	a.Send(tui.PushMsg{View: above})
	other := tuitest.OpenEnv(t, e.Path)
	other.AddUser(t, "zed")
	a.TickWatch()
	other.AddUser(t, "yve")
	a.TickWatch()
	if above.n != 2 || below.n != 0 {
		t.Fatalf("after two changes: top reloaded %d times (want 2), covered %d (want 0)", above.n, below.n)
	}
	a.Send(tui.BackMsg{From: above})
	if below.n != 1 {
		t.Fatalf("revealed screen reloaded %d times, want 1", below.n)
	}
	a.TickWatch() // nothing changed since
	if below.n != 1 {
		t.Fatalf("revealed screen reloaded %d times after a quiet tick, want 1", below.n)
	}
}
