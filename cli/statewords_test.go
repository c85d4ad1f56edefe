package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/userdetail"
)

// TestStateWordTablesAgree checks, for every state the domain can decide,
// that the command line and the console use the same words for it (the
// console adds a symbol) and that neither table has a gap.
func TestStateWordTablesAgree(t *testing.T) {
	seen := map[string]bool{}
	for _, st := range devices.States() {
		cliWord, label := deviceStateWords[st], tui.DeviceStateLabel(st)
		if cliWord == "" || cliWord != label.Words || label.Symbol == "" {
			t.Errorf("device state %v: the CLI says %q, the console %q", st, cliWord, label)
		}
		if seen[cliWord] {
			t.Errorf("device state %v: %q names two states", st, cliWord)
		}
		seen[cliWord] = true
	}
	clear(seen)
	for _, st := range service.UserStatuses() {
		cliWord, label := userStatusWords[st], tui.UserStatusLabel(st)
		if cliWord == "" || cliWord != label.Words || label.Symbol == "" {
			t.Errorf("user status %v: the CLI says %q, the console %q", st, cliWord, label)
		}
		if seen[cliWord] {
			t.Errorf("user status %v: %q names two statuses", st, cliWord)
		}
		seen[cliWord] = true
	}
}

// TestDeviceStateWordsAgree puts one device in every combination of
// disabled, locked out, throttled and unconfirmed into one store, then
// reads the state the real `device list` prints and the state the
// console's user screen shows for each: an administrator must never read
// "disabled" in one and "locked out" in the other.
func TestDeviceStateWordsAgree(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.AddUser(t, "zed")
	type combo struct{ disabled, locked, throttled, unconfirmed bool }
	var combos []combo
	for bits := range 16 {
		combos = append(combos, combo{bits&1 != 0, bits&2 != 0, bits&4 != 0, bits&8 != 0})
	}
	name := func(c combo) string {
		flag := func(on bool, s string) string {
			if on {
				return s
			}
			return "-"
		}
		return "dev" + flag(c.disabled, "D") + flag(c.locked, "L") + flag(c.throttled, "T") + flag(c.unconfirmed, "U")
	}
	for _, c := range combos {
		e.Enroll(t, "zed", service.EnrollOptions{Name: name(c)})
		e.Update(t, "zed", func(u *db.Unit) error {
			d := servicetest.Find(u, name(c))
			d.Enabled, d.Confirmed, d.LockedOut = !c.disabled, !c.unconfirmed, c.locked
			if c.locked || c.throttled {
				d.Failures = 3
			}
			if c.throttled {
				d.LastFailure = e.Clock.Now().Add(-time.Second) // waits 4 s
			} else if d.Failures > 0 {
				d.LastFailure = e.Clock.Now().Add(-time.Hour)
			}
			u.Save(d)
			return nil
		})
	}

	// The command line, on the same store and clock.
	var out, errb bytes.Buffer
	code := Execute(context.Background(), []string{"device", "list", "zed"}, Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		IsTerminal: func() bool { return false },
		Now:        e.Clock.Now,
		Getenv: func(k string) string {
			switch k {
			case "TWO_FACTOR_DB":
				return e.Path
			case "TWO_FACTOR_KEY_FILE":
				return filepath.Join(e.Dir, "master.key")
			}
			return ""
		},
	})
	if code != 0 {
		t.Fatalf("device list: exit %d\n%s%s", code, out.String(), errb.String())
	}
	cliState := map[string]string{}
	cols := regexp.MustCompile(`\s{2,}`)
	for _, line := range strings.Split(out.String(), "\n")[1:] {
		if f := cols.Split(line, -1); len(f) >= 5 {
			cliState[f[1]] = f[4]
		}
	}

	// The console's user screen, tall enough to show every device.
	c := e.Common(120, 60)
	a := tuitest.NewApp(c, userdetail.New(c, "zed"))
	frame := a.Frame()
	for _, cb := range combos {
		n := name(cb)
		word := cliState[n]
		if word == "" {
			t.Fatalf("device list shows no state for %s:\n%s", n, out.String())
		}
		line := lineWith(frame, n)
		if line == "" {
			t.Fatalf("the console shows no row for %s:\n%s", n, frame)
		}
		if !strings.Contains(line, stateWordOnly(word)) {
			t.Errorf("%+v: the CLI says %q, the console's row says %q", cb, word, line)
		}
	}
}

// stateWordOnly drops what follows the state itself ("throttled 4s").
func stateWordOnly(s string) string {
	if strings.HasPrefix(s, "throttled") {
		return "throttled"
	}
	return s
}

func lineWith(frame, name string) string {
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, " "+name+" ") {
			return l
		}
	}
	return ""
}
