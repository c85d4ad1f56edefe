// Package tuitest builds real stores and drives console screens for the
// tests of tui/ and views/: a SQLite store in a temporary directory with a
// fixed clock, a standard cast of users, and a synchronous driver that runs
// a screen's commands and feeds their messages back, so Update/View tests
// need no terminal and no sleeps. It is imported only by tests.
package tuitest

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

// Golden files hold times as text; they must not depend on the machine's
// zone.
func init() { time.Local = time.UTC }

// Start is the fixed "now" of every test store: a Sunday afternoon.
var Start = time.Date(2026, 11, 22, 14, 0, 10, 0, time.UTC)

// Clock is a settable clock shared by the store, the service and the
// console.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Env is a real store with its service.
type Env struct {
	Dir   string
	Path  string
	Store *db.SQLite
	Svc   *service.Service
	Clock *Clock
}

// NewEnv opens a new store in a temporary directory with the clock at
// Start and the issuer "Example".
func NewEnv(tb testing.TB) *Env {
	tb.Helper()
	dir := tb.TempDir()
	clock := &Clock{t: Start}
	path := filepath.Join(dir, "store.db")
	st, err := db.Open(context.Background(), path, db.Options{KeyFile: filepath.Join(dir, "master.key"), Create: true, Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc := &service.Service{Store: st, Actor: "admin", Now: clock.Now}
	if err := st.SetSetting(context.Background(), "admin", "issuer", "Example"); err != nil {
		tb.Fatal(err)
	}
	return &Env{Dir: dir, Path: path, Store: st, Svc: svc, Clock: clock}
}

// OpenEnv opens an existing store file (such as one from BigStore).
func OpenEnv(tb testing.TB, path string) *Env {
	tb.Helper()
	clock := &Clock{t: Start}
	st, err := db.Open(context.Background(), path, db.Options{KeyFile: filepath.Join(filepath.Dir(path), "master.key"), Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return &Env{Dir: filepath.Dir(path), Path: path, Store: st, Svc: &service.Service{Store: st, Actor: "admin", Now: clock.Now}, Clock: clock}
}

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
	c.Width, c.Height = w, h
	c.WatchEvery = 0 // a test that watches the store turns it on and ticks it itself
	return c
}

// Code computes the code a device shows at t (TOTP) or at its next
// counter (HOTP); offset moves that many steps or counters on.
func Code(tb testing.TB, d *devices.Device, t time.Time, offset int64) string {
	tb.Helper()
	var counter int64
	if d.Kind == devices.HOTP {
		counter = int64(d.Counter) + offset
	} else {
		counter = otpcore.TOTPParams{Step: d.Step, T0: d.T0}.StepAt(t.Unix()) + d.Drift + offset
	}
	c, err := otpcore.HOTP(d.Algorithm, d.Secret, uint64(counter), d.Digits)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// AddUser adds a user.
func (e *Env) AddUser(tb testing.TB, name string) {
	tb.Helper()
	if _, err := e.Store.AddUser(context.Background(), "admin", name); err != nil {
		tb.Fatal(err)
	}
}

// Enroll enrolls and confirms a device for user (an authenticator app
// unless opt says otherwise) and returns it with its secret.
func (e *Env) Enroll(tb testing.TB, user string, opt service.EnrollOptions) *devices.Device {
	tb.Helper()
	ctx := context.Background()
	en, err := e.Svc.StartEnrollment(ctx, user, opt)
	if err != nil {
		tb.Fatal(err)
	}
	secret := append([]byte(nil), en.Device.Secret...)
	r, err := e.Svc.Confirm(ctx, en, Code(tb, en.Device, e.Clock.Now(), 0), false)
	if err != nil || !r.Accepted() {
		tb.Fatalf("confirming %s's device: %v %v", user, r.Outcome, err)
	}
	d := *en.Device
	d.Secret = secret
	return &d
}

// Token enrolls a hardware TOTP token with a fixed seed for user.
func (e *Env) Token(tb testing.TB, user, serial, model string, drift int64) *devices.Device {
	tb.Helper()
	seed := []byte("12345678901234567890")
	seed[0] = byte(len(serial) + int(serial[len(serial)-1]))
	return e.Enroll(tb, user, service.EnrollOptions{Token: &devices.TokenSpec{
		Kind: devices.TOTP, Serial: serial, Model: model, Manufacturer: "Token2", Algorithm: otpcore.SHA1,
		Digits: 6, Step: 30, Drift: drift, Secret: seed,
	}})
}

// Update runs fn on one user's devices in a store transaction.
func (e *Env) Update(tb testing.TB, user string, fn func(*db.Unit) error) {
	tb.Helper()
	if err := e.Store.Update(context.Background(), "admin", user, fn); err != nil {
		tb.Fatal(err)
	}
}

// Find returns user's device named name from a Unit.
func Find(u *db.Unit, name string) *devices.Device {
	for _, d := range u.Devices {
		if d.Name == name {
			return d
		}
	}
	panic("no device " + name)
}

// Seed fills the store with the standard cast:
//
//	alice  an app, a drifting hardware token with weeks of history, backup codes
//	bob    an app, locked out after failures
//	carol  no devices
//	dave   an app, throttled by a recent failure
//	erin   a disabled app only
//	mallory  a name with an escape sequence in it
func (e *Env) Seed(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	// Devices are enrolled ten days back and last used at various times.
	e.Clock.Set(Start.Add(-10 * 24 * time.Hour))
	defer e.Clock.Set(Start)
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin"} {
		e.AddUser(tb, n)
	}
	e.Enroll(tb, "alice", service.EnrollOptions{Name: "phone"})
	e.Update(tb, "alice", func(u *db.Unit) error {
		d := Find(u, "phone")
		d.LastUsed = Start.Add(-2 * time.Hour)
		u.Save(d)
		return nil
	})
	e.Token(tb, "alice", "SN0042", "c200", 3)
	e.Update(tb, "alice", func(u *db.Unit) error {
		d := Find(u, "token")
		for i, dr := range []int64{0, 1, 1, 2, 3, 3, 4} {
			u.RecordDrift(d, devices.DriftSample{At: Start.Add(time.Duration(i-7) * 7 * 24 * time.Hour), Drift: dr})
		}
		d.Drift, d.Tolerance = 4, 1
		d.LastUsed = Start.Add(-3 * 24 * time.Hour)
		u.Save(d)
		return nil
	})
	if _, err := e.Svc.BackupCodes(ctx, "alice"); err != nil {
		tb.Fatal(err)
	}
	e.Enroll(tb, "bob", service.EnrollOptions{Name: "pixel"})
	e.Update(tb, "bob", func(u *db.Unit) error {
		d := Find(u, "pixel")
		d.Failures, d.LockedOut, d.LastFailure = 12, true, Start.Add(-2*time.Hour)
		d.LastUsed = Start.Add(-4 * 24 * time.Hour)
		u.Save(d)
		return nil
	})
	e.Enroll(tb, "dave", service.EnrollOptions{})
	e.Update(tb, "dave", func(u *db.Unit) error {
		d := Find(u, "authenticator")
		d.Failures, d.LastFailure = 3, Start.Add(-time.Second)
		d.LastUsed = Start.Add(-25 * time.Minute)
		u.Save(d)
		return nil
	})
	e.Enroll(tb, "erin", service.EnrollOptions{Name: "old phone"})
	e.Update(tb, "erin", func(u *db.Unit) error {
		d := Find(u, "old phone")
		d.Enabled = false
		u.Save(d)
		return nil
	})
	e.Hostile(tb)
}

// HostileUser is a user name with escape sequences in it, as another tool
// or a tampered file could leave in the store (the API refuses them).
const HostileUser = "mallory\x1b[31mEVIL\x1b]0;pwned\x07"

// Hostile writes, behind the API's back, a user and a hardware token whose
// names and serial carry escape sequences and control characters.
func (e *Env) Hostile(tb testing.TB) {
	tb.Helper()
	e.Exec(tb, "INSERT INTO users(name, created_at) VALUES (?, ?)", HostileUser, Start.UnixMilli())
	e.Exec(tb, `INSERT INTO devices(user_id, name, kind, hardware, serial, model, seed_source, created_at, confirmed, enabled)
		VALUES ((SELECT id FROM users WHERE name = ?), ?, 'totp', 1, ?, ?, ?, ?, 1, 1)`,
		HostileUser, "tok\x1b[2J\rname", "SN\x1b]52;c;aGk=\x07", "m\u202eodel", "vendor\x1b[5m", Start.UnixMilli())
	e.Exec(tb, `INSERT INTO audit(at, actor, action, user_name, device_name, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		Start.UnixMilli(), "root\x1b[8m", "device.\x1b[1Averify", HostileUser, "tok\x1b[2J", "weird\x9b31m", "detail\x1bP1$r\x1b\\")
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

// Exec runs SQL on the store file directly.
func (e *Env) Exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	sdb, err := sql.Open("sqlite", "file:"+e.Path)
	if err != nil {
		tb.Fatal(err)
	}
	defer sdb.Close()
	if _, err := sdb.Exec(query, args...); err != nil {
		tb.Fatal(err)
	}
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
		if cmds, ok := commandList(msg); ok {
			queue = append(cmds, queue...)
			continue
		}
		switch msg.(type) {
		case tea.QuitMsg:
			return true
		case spinner.TickMsg, tui.WatchTickMsg:
			continue
		}
		if t := reflect.TypeOf(msg); t.PkgPath() == "charm.land/bubbles/v2/cursor" {
			continue
		}
		queue = append(queue, update(msg))
	}
	return false
}

// commandList unpacks tea.Batch and tea.Sequence results, in order.
func commandList(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
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
