package tui_test

import (
	"testing"
	"time"

	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/users"
)

// The console shows times in the zone its Common names (tests pin UTC),
// whatever the machine's zone is: frames on a seeded store are the same
// under two very different time.Local values. Every screen that shows a
// time is visited: a user's devices, the audit log, the drift report and
// the token inventory.
func TestFramesIgnoreTheMachinesZone(t *testing.T) {
	frames := func() []string {
		e := tuitest.NewEnv(t)
		e.Seed(t)
		c := e.Common(120, 40)
		a := tuitest.NewApp(c, users.New(c))
		out := []string{a.Frame()}
		for _, keys := range [][]string{{"enter", "down"}, {"l"}, {"l", "enter"}, {"t"}, {"i"}} {
			a.Keys(keys...)
			out = append(out, a.Frame())
			for a.Root.Depth() > 1 {
				a.Keys("esc")
			}
		}
		return out
	}
	machine := time.Local
	t.Cleanup(func() { time.Local = machine })
	time.Local = time.UTC
	want := frames()
	time.Local = time.FixedZone("UTC+13:45", 13*3600+45*60)
	got := frames()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d differs with the machine at UTC+13:45:\n%s\nat UTC:\n%s", i, got[i], want[i])
		}
	}
}
