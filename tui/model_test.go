package tui_test

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/users"
)

// stub is a screen that records what reaches it.
type stub struct {
	title     string
	capturing bool
	got       []string
	w, h      int
}

func (s *stub) Init() tea.Cmd { return nil }
func (s *stub) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		s.got = append(s.got, k.String())
		if k.String() == "esc" {
			return tui.Back(s)
		}
	}
	return nil
}
func (s *stub) View() string             { return "stub " + s.title }
func (s *stub) SetSize(w, h int)         { s.w, s.h = w, h }
func (s *stub) Title() string            { return s.title }
func (s *stub) Capturing() bool          { return s.capturing }
func (s *stub) ShortHelp() []key.Binding { return nil }
func (s *stub) FullHelp() [][]key.Binding {
	return [][]key.Binding{{key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "zap"))}}
}

func app(t *testing.T, w, h int) (*tuitest.App, *stub) {
	t.Helper()
	e := tuitest.NewEnv(t)
	home := &stub{title: "Home"}
	return tuitest.NewApp(e.Common(w, h), home), home
}

func TestNavigation(t *testing.T) {
	a, home := app(t, 80, 24)
	if home.w != 80 || home.h != 21 {
		t.Fatalf("home area %dx%d, want 80x21", home.w, home.h)
	}
	top := &stub{title: "Top"}
	a.Send(tui.PushMsg{View: top})
	if a.Root.Top() != top || !strings.HasPrefix(a.Frame(), "two-factor › Home › Top") {
		t.Fatalf("push:\n%s", a.Frame())
	}
	a.Send(tui.BackMsg{From: home}) // not on top: ignored
	if a.Root.Depth() != 2 {
		t.Fatal("a Back from a screen not on top closed something")
	}
	a.Keys("x", "esc")
	if a.Root.Depth() != 1 || strings.Join(top.got, ",") != "x,esc" {
		t.Fatalf("depth %d, keys %v", a.Root.Depth(), top.got)
	}
	a.Send(tui.BackMsg{})
	if a.Root.Depth() != 1 {
		t.Fatal("the home screen was closed")
	}
}

func TestGlobalKeys(t *testing.T) {
	a, home := app(t, 80, 24)
	a.Keys("?")
	if !strings.Contains(a.Frame(), "Keys: Home") || !strings.Contains(a.Frame(), "z zap") || !strings.Contains(a.Frame(), "ctrl+c quit from anywhere") {
		t.Fatalf("help:\n%s", a.Frame())
	}
	a.Keys("j", "esc")
	if len(home.got) != 0 || strings.Contains(a.Frame(), "Keys: Home") {
		t.Fatalf("keys under the help reached the screen: %v", home.got)
	}
	home.capturing = true
	a.Keys("q", "?")
	if a.Quit || strings.Join(home.got, "") != "q?" {
		t.Fatalf("while typing, q and ? are text: quit %v, got %v", a.Quit, home.got)
	}
	a.Keys("ctrl+c")
	if !a.Quit {
		t.Fatal("ctrl+c did not quit while typing")
	}
	home.capturing = false
	a.Quit = false
	a.Keys("q")
	if !a.Quit {
		t.Fatal("q did not quit")
	}
}

func TestStatusLine(t *testing.T) {
	a, _ := app(t, 80, 24)
	for _, tc := range []struct {
		msg  tui.StatusMsg
		want string
	}{
		{tui.StatusMsg{Text: "saved", Level: tui.OK}, "✓ saved"},
		{tui.StatusMsg{Text: "boom", Level: tui.Error}, "✗ error: boom"},
		{tui.StatusMsg{Text: "fyi", Level: tui.Info}, "· fyi"},
	} {
		a.Send(tc.msg)
		lines := strings.Split(a.Frame(), "\n")
		if got := lines[len(lines)-2]; got != tc.want {
			t.Errorf("status line %q, want %q", got, tc.want)
		}
	}
	a.Send(tui.ChangedMsg{Status: "changed"})
	if a.Root.StatusLine().Level != tui.OK {
		t.Error("a change is reported as good news")
	}
}

func TestTooSmall(t *testing.T) {
	a, _ := app(t, 40, 8)
	if !strings.Contains(strings.ReplaceAll(a.Frame(), "\n", " "), "at least 50×10; this one is 40×8") {
		t.Fatalf("frame:\n%s", a.Frame())
	}
	a.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(a.Frame(), "stub Home") {
		t.Fatalf("after a resize:\n%s", a.Frame())
	}
}

func TestResizeKeepsTheFrame(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	for _, sz := range [][2]int{{120, 40}, {50, 10}, {200, 60}, {80, 24}} {
		a.Send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		lines := strings.Split(a.Root.Render(), "\n")
		if len(lines) != sz[1] {
			t.Errorf("%v: %d lines", sz, len(lines))
		}
		for i, l := range lines {
			if w := len([]rune(tuitest.Plain(l))); w > sz[0] {
				t.Errorf("%v: line %d is %d cells", sz, i, w)
			}
		}
	}
}

func TestBackgroundPicksTheTheme(t *testing.T) {
	e := tuitest.NewEnv(t)
	c := e.Common(80, 24, themes.Choice{Name: themes.Auto, IsDark: true})
	a := tuitest.NewApp(c, &stub{title: "Home"})
	a.Send(tea.BackgroundColorMsg{Color: whiteish{}})
	if c.Styles.Palette.Name != "light" || c.Styles.DarkBackground {
		t.Fatalf("a light background gave %s", c.Styles.Palette.Name)
	}
}

type whiteish struct{}

func (whiteish) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

// TestNoColor renders every kind of status with the colourless theme and
// checks that no colour reaches the terminal and that the status still
// reads in words and symbols.
func TestNoColor(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(120, 40, themes.Choice{Name: themes.Auto, NoColor: true})
	a := tuitest.NewApp(c, users.New(c))
	a.Send(tui.StatusMsg{Text: "something failed", Level: tui.Error})
	raw := a.Root.Render()
	if tuitest.HasColour(raw) {
		t.Fatalf("colour in the NO_COLOR frame: %q", raw)
	}
	plain := a.Frame()
	for _, want := range []string{"✓ enabled", "✗ locked out", "! throttled", "– disabled", "› alice", "✗ error: something failed"} {
		if !strings.Contains(plain, want) {
			t.Errorf("NO_COLOR frame lacks %q:\n%s", want, plain)
		}
	}
	if !strings.Contains(raw, "\x1b[7m") {
		t.Error("the selected row is not in reverse video")
	}
	a.Keys("enter", "down")
	if raw := a.Root.Render(); tuitest.HasColour(raw) {
		t.Fatalf("colour in the NO_COLOR detail frame: %q", raw)
	}
	// With colour the same frame does use it.
	c2 := e.Common(120, 40)
	if b := tuitest.NewApp(c2, users.New(c2)); !tuitest.HasColour(b.Root.Render()) {
		t.Error("the dark theme shows no colour")
	}
}

func TestQuitFromTheHelp(t *testing.T) {
	a, _ := app(t, 80, 24)
	a.Keys("?", "q")
	if !a.Quit {
		t.Fatal("q in the help did not quit")
	}
}

// TestStatusBelongsToItsScreen: a status goes when its screen is left or
// closed, and a newer status on a screen replaces an older error.
func TestStatusBelongsToItsScreen(t *testing.T) {
	a, _ := app(t, 80, 24)
	a.Send(tui.StatusMsg{Text: "import failed", Level: tui.Error})
	a.Send(tui.StatusMsg{Text: "imported 3 tokens", Level: tui.OK})
	if st := a.Root.StatusLine(); st.Text != "imported 3 tokens" || strings.Contains(a.Frame(), "import failed") {
		t.Fatalf("a success did not replace the older error: %+v", st)
	}
	top := &stub{title: "Top"}
	a.Send(tui.PushMsg{View: top})
	if strings.Contains(a.Frame(), "imported") {
		t.Errorf("the home screen's status is shown on the screen opened over it:\n%s", a.Frame())
	}
	a.Send(tui.StatusMsg{Text: "top's news", Level: tui.Info})
	a.Keys("esc")
	if f := a.Frame(); strings.Contains(f, "top's news") || strings.Contains(f, "imported") {
		t.Errorf("a status outlived its screen:\n%s", f)
	}
	a.Send(tui.PushMsg{View: top})
	a.Send(tui.BackMsg{From: top, Status: tui.StatusMsg{Text: "cancelled", Level: tui.Info}})
	if st := a.Root.StatusLine(); st.Text != "cancelled" {
		t.Errorf("a screen closing with a result did not tell the one beneath: %+v", st)
	}
}
