// Package tuitest drives console screens for the tests of tui/ and views/:
// a console context on a servicetest store (times shown in UTC), and a
// synchronous driver that runs a screen's commands and feeds their messages
// back, so Update/View tests need no terminal and no sleeps; plus checks
// on rendered frames (golden files, escape sequences, colour). The store
// fixtures themselves live below the console, in service/servicetest. It
// is imported only by tests.
package tuitest

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

// Env is a store fixture with the console on top of it.
type Env struct{ *servicetest.Env }

// Routes is the console's route registry for the consoles Env.Common
// builds. views/registry cannot be imported here (it imports the screens,
// whose tests import this package), so a test package that navigates
// sets it once, in an init of its own: tuitest.Routes = registry.Routes().
var Routes tui.Routes

// NewEnv opens a new store (servicetest.NewEnv) for console tests.
func NewEnv(tb testing.TB) *Env { return &Env{servicetest.NewEnv(tb)} }

// OpenEnv opens an existing store file (servicetest.OpenEnv).
func OpenEnv(tb testing.TB, path string) *Env { return &Env{servicetest.OpenEnv(tb, path)} }

// Common returns a console context of the given size for the store, with
// the dark theme unless another choice is given, and the store named
// "store.db" in the header so frames do not depend on the temp directory.
func (e *Env) Common(w, h int, choice ...themes.Choice) *tui.Common {
	ch := themes.Choice{Name: themes.Dark, IsDark: true}
	if len(choice) > 0 {
		ch = choice[0]
	}
	c := tui.NewCommon(context.Background(), e.Svc, ch)
	c.Location = "store.db"
	c.Routes = Routes
	// Golden files hold times as text: they must not depend on the
	// machine's zone.
	c.Zone = time.UTC
	c.Width, c.Height = w, h
	c.WatchEvery = 0 // a test that watches the store turns it on and ticks it itself
	return c
}

// Unsafe returns the first character in a rendered frame that did not come
// from the console's own styling: any escape sequence other than SGR
// (ESC [ ... m), any other control character (tab and newline aside), C1
// controls and bidirectional overrides. It returns "" for a safe frame.
func Unsafe(frame string) string {
	rs := []rune(frame)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b:
			j := i + 1
			if j < len(rs) && rs[j] == '[' {
				j++
				for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == ';' || rs[j] == ':') {
					j++
				}
				if j < len(rs) && rs[j] == 'm' {
					i = j
					continue
				}
			}
			return strconv.Quote(string(rs[i:min(len(rs), i+8)]))
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return strconv.Quote(string(r))
		}
	}
	return ""
}

// Drive runs cmd and every command its messages lead to, synchronously,
// delivering each message to update. Spinner ticks, cursor blinks and
// the store watch's ticks are dropped (they would tick forever; a test
// ticks the watch with App.TickWatch); tea.QuitMsg stops the drive and is
// reported.
func Drive(update func(tea.Msg) tea.Cmd, cmd tea.Cmd) (quit bool) {
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			panic("tuitest.Drive: the commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if msg == nil {
			continue
		}
		if cmds, ok := tui.Commands(msg); ok {
			queue = append(cmds, queue...)
			continue
		}
		switch tui.Payload(msg).(type) {
		case tea.QuitMsg:
			return true
		case spinner.TickMsg, tui.WatchTickMsg:
			continue
		}
		if t := reflect.TypeOf(tui.Payload(msg)); t.PkgPath() == "charm.land/bubbles/v2/cursor" {
			continue
		}
		queue = append(queue, update(msg))
	}
	return false
}

// App is a root model under test, driven synchronously.
type App struct {
	Root *tui.Model
	Quit bool
}

// NewApp opens home in a root model of the Common's size and runs its
// first loads.
func NewApp(c *tui.Common, home tui.View) *App {
	a := &App{Root: tui.New(c, home)}
	a.Send(tea.WindowSizeMsg{Width: c.Width, Height: c.Height})
	a.Run(a.Root.Init())
	return a
}

func (a *App) update(msg tea.Msg) tea.Cmd {
	_, cmd := a.Root.Update(msg)
	return cmd
}

// Run drives cmd to completion.
func (a *App) Run(cmd tea.Cmd) {
	if Drive(a.update, cmd) {
		a.Quit = true
	}
}

// Send delivers msg and drives what follows.
func (a *App) Send(msg tea.Msg) { a.Run(func() tea.Msg { return msg }) }

// TickWatch delivers one tick of the store watch (which Drive drops when
// a command schedules it) and drives what follows.
func (a *App) TickWatch() { a.Run(a.update(tui.WatchTickMsg{})) }

// Keys presses each key in turn: names such as "enter", "esc", "up",
// "space", "ctrl+c", or single characters.
func (a *App) Keys(keys ...string) {
	for _, k := range keys {
		a.Send(Key(k))
	}
}

// Type types text one character at a time.
func (a *App) Type(text string) {
	for _, r := range text {
		a.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// Frame is the whole screen as plain text, trailing spaces trimmed.
func (a *App) Frame() string { return Plain(a.Root.Render()) }

// Plain strips styling and trailing spaces.
func Plain(s string) string {
	lines := strings.Split(ansi.Strip(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

var named = map[string]rune{
	"enter": tea.KeyEnter, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
	"left": tea.KeyLeft, "right": tea.KeyRight, "tab": tea.KeyTab, "space": tea.KeySpace,
	"backspace": tea.KeyBackspace, "delete": tea.KeyDelete, "home": tea.KeyHome, "end": tea.KeyEnd,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
}

// Key builds the key press for a name.
func Key(k string) tea.KeyPressMsg {
	if strings.HasPrefix(k, "ctrl+") && len(k) == 6 {
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
	}
	if k == "shift+tab" {
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	}
	if r, ok := named[k]; ok {
		msg := tea.KeyPressMsg{Code: r}
		if r == tea.KeySpace {
			msg.Text = " "
		}
		return msg
	}
	r := []rune(k)[0]
	msg := tea.KeyPressMsg{Code: r, Text: k}
	if r >= 'A' && r <= 'Z' {
		msg.Code, msg.ShiftedCode, msg.Mod = r+('a'-'A'), r, tea.ModShift
	}
	return msg
}

// Golden compares a frame with testdata/<test name>.golden; run the
// package's tests with -update to rewrite it.
func Golden(tb testing.TB, frame string) {
	tb.Helper()
	golden.RequireEqual(tb, []byte(frame+"\n"))
}

// Sizes are the terminal sizes every screen's golden files are kept at.
var Sizes = []struct {
	Name string
	W, H int
}{{"80x24", 80, 24}, {"120x40", 120, 40}}

// HasColour reports whether s contains an SGR sequence that sets a
// foreground or background colour (bold, reverse and resets are fine).
func HasColour(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b || i+1 >= len(s) || s[i+1] != '[' {
			continue
		}
		j := i + 2
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == ':') {
			j++
		}
		if j >= len(s) || s[j] != 'm' {
			continue
		}
		for _, p := range strings.FieldsFunc(s[i+2:j], func(r rune) bool { return r == ';' || r == ':' }) {
			n := 0
			for _, c := range p {
				n = n*10 + int(c-'0')
			}
			// 38 and 48 introduce the extended forms; whatever follows
			// them is never reached.
			if n >= 30 && n <= 38 || n >= 40 && n <= 48 || n >= 90 && n <= 97 || n >= 100 && n <= 107 {
				return true
			}
		}
		i = j
	}
	return false
}
