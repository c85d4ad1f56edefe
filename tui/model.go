package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/two-factor/two-factor/themes"
)

// The frame: a header line, the screen's area, a status line and a help
// line. Below the minimum size the console says how large it must be.
const (
	chromeLines = 3
	MinWidth    = 50
	MinHeight   = 10
)

// Model is the root model: it owns the terminal, keeps the stack of open
// screens and routes messages to them.
type Model struct {
	c        *Common
	stack    []View
	status   StatusMsg
	showHelp bool
	watch    watch
}

// New returns the root model with home as its first screen.
func New(c *Common, home View) *Model {
	m := &Model{c: c, stack: []View{home}}
	return m
}

// Common returns the shared context, for tests.
func (m *Model) Common() *Common { return m.c }

// Top returns the screen on top.
func (m *Model) Top() View { return m.stack[len(m.stack)-1] }

// Depth is how many screens are open.
func (m *Model) Depth() int { return len(m.stack) }

// StatusLine returns the current status, for tests.
func (m *Model) StatusLine() StatusMsg { return m.status }

func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.Top().Init(), m.startWatch()}
	if m.c.Theme.Name == themes.Auto || m.c.Theme.Name == themes.HighContrast {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		for _, v := range m.stack {
			v.SetSize(m.areaSize())
		}
		return m, nil
	case tea.BackgroundColorMsg:
		// The styles change; text fields (tui.Input) restyle themselves
		// when next drawn, and screens still hear of it.
		m.c.SetDark(msg.IsDark())
		return m, m.broadcast(msg)
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg:
		return m, m.Top().Update(msg)
	case PushMsg:
		return m, m.push(msg.View)
	case BackMsg:
		m.pop(msg.From)
		return m, nil
	case StatusMsg:
		m.status = msg
		return m, nil
	case WatchTickMsg:
		return m, m.readVersion()
	case storeVersionMsg:
		return m, m.versionRead(msg)
	case ChangedMsg:
		if msg.External { // another process: the status stays as it was
			return m, m.broadcast(msg)
		}
		m.status = StatusMsg{Text: msg.Status, Level: OK}
		if msg.Close != nil {
			m.pop(msg.Close)
		}
		return m, m.broadcast(msg)
	}
	return m, m.broadcast(msg)
}

// key routes a key press: ctrl+c always quits; while the screen takes
// text everything else is its own; otherwise ? and q are global.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.ForceQuit):
		return tea.Quit
	case m.showHelp:
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help, k.Back):
			m.showHelp = false
		}
		return nil
	case m.Top().Capturing():
		return m.Top().Update(msg)
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.Quit):
		return tea.Quit
	}
	return m.Top().Update(msg)
}

func (m *Model) push(v View) tea.Cmd {
	if v == nil {
		return nil
	}
	m.stack = append(m.stack, v)
	m.showHelp = false
	v.SetSize(m.areaSize())
	return v.Init()
}

// pop closes from if it is on top; the home screen stays.
func (m *Model) pop(from View) {
	if len(m.stack) < 2 || (from != nil && m.Top() != from) {
		return
	}
	m.stack[len(m.stack)-1] = nil
	m.stack = m.stack[:len(m.stack)-1]
	m.showHelp = false
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.stack))
	for _, v := range m.stack {
		cmds = append(cmds, v.Update(msg))
	}
	return tea.Batch(cmds...)
}

// areaSize is the size of a screen's area inside the frame.
func (m *Model) areaSize() (int, int) {
	return m.c.Width, max(0, m.c.Height-chromeLines)
}

func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "two-factor: " + m.Top().Title()
	return v
}

// Render draws the whole frame as a string.
func (m *Model) Render() string {
	w, h := m.c.Width, m.c.Height
	if w == 0 || h == 0 {
		return ""
	}
	if w < MinWidth || h < MinHeight {
		return FitBlock(strings.Join(Wrap(tooSmall(w, h), w), "\n"), w, h)
	}
	_, ah := m.areaSize()
	body := ""
	if m.showHelp {
		body = m.fullHelp()
	} else {
		body = m.Top().View()
	}
	return strings.Join([]string{
		m.header(),
		FitBlock(body, w, ah),
		m.statusLine(),
		m.footer(),
	}, "\n")
}

func tooSmall(w, h int) string {
	return "The console needs a terminal of at least " +
		itoa(MinWidth) + "×" + itoa(MinHeight) + "; this one is " + itoa(w) + "×" + itoa(h) + ".\n" +
		"Enlarge the window, or press q to quit."
}

func (m *Model) header() string {
	s := m.c.Styles
	parts := make([]string, 0, len(m.stack))
	for _, v := range m.stack {
		parts = append(parts, v.Title())
	}
	left := s.AppName.Render("two-factor") + s.Crumb.Render(" › "+strings.Join(parts, " › "))
	right := Safe(m.c.Location)
	room := m.c.Width - ansi.StringWidth(left) - 2
	if room < 12 {
		return Truncate(left, m.c.Width)
	}
	right = s.HeaderInfo.Render(TruncateLeft(right, room))
	gap := m.c.Width - ansi.StringWidth(left) - ansi.StringWidth(right)
	return left + strings.Repeat(" ", max(1, gap)) + right
}

// statusLine shows the latest result or error, with a word or symbol
// as well as a colour.
func (m *Model) statusLine() string {
	s := m.c.Styles
	if m.status.Text == "" {
		return ""
	}
	text := m.status.Text
	switch m.status.Level {
	case OK:
		return Truncate(s.StatusOK.Render("✓ "+text), m.c.Width)
	case Error:
		return Truncate(s.StatusError.Render("✗ error: "+text), m.c.Width)
	}
	return Truncate(s.StatusInfo.Render("· "+text), m.c.Width)
}

// footer is the active screen's short help, with ? and q always at the
// right where they cannot be cut off.
func (m *Model) footer() string {
	global := m.c.Keys.ShortHelp()
	if m.showHelp {
		global = []key.Binding{WithHelp(m.c.Keys.Help, "?/esc", "close help"), m.c.Keys.Quit}
	}
	right := ShortHelp(m.c.Styles, global, m.c.Width)
	left := ""
	if !m.showHelp {
		left = ShortHelp(m.c.Styles, m.Top().ShortHelp(), m.c.Width-ansi.StringWidth(right)-3)
	}
	gap := m.c.Width - ansi.StringWidth(left) - ansi.StringWidth(right)
	return left + strings.Repeat(" ", max(1, gap)) + right
}

// ShortHelp renders bindings on one line of at most width cells, ending
// with an ellipsis when some do not fit.
func ShortHelp(s *themes.Styles, bindings []key.Binding, width int) string {
	var b strings.Builder
	used := 0
	sep := s.Help.ShortSeparator.Render(" · ")
	for i, kb := range bindings {
		if !kb.Enabled() {
			continue
		}
		item := s.Help.ShortKey.Render(kb.Help().Key) + " " + s.Help.ShortDesc.Render(kb.Help().Desc)
		if used > 0 {
			item = sep + item
		}
		w := ansi.StringWidth(item)
		last := i == len(bindings)-1
		if used+w > width || (!last && used+w+2 > width) {
			if used+2 <= width {
				b.WriteString(s.Help.Ellipsis.Render(" …"))
			}
			break
		}
		b.WriteString(item)
		used += w
	}
	return b.String()
}

func (m *Model) fullHelp() string {
	s := m.c.Styles
	groups := append(m.Top().FullHelp(), m.c.Keys.FullHelp()...)
	return s.Title.Render("Keys: "+m.Top().Title()) + "\n\n" + FullHelp(s, groups, m.c.Width)
}

// FullHelp lays groups of bindings out as columns, starting a new band of
// columns below when the next one would not fit in width.
func FullHelp(s *themes.Styles, groups [][]key.Binding, width int) string {
	var bands []string
	var band []string
	used := 0
	for _, g := range groups {
		col := helpColumn(s, g)
		if col == "" {
			continue
		}
		w := lipgloss.Width(col) + 3
		if used > 0 && used+w > width {
			bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, band...))
			band, used = nil, 0
		}
		band = append(band, lipgloss.NewStyle().PaddingRight(3).Render(col))
		used += w
	}
	if len(band) > 0 {
		bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, band...))
	}
	return strings.Join(bands, "\n\n")
}

func helpColumn(s *themes.Styles, g []key.Binding) string {
	keyW := 0
	for _, b := range g {
		if b.Enabled() {
			keyW = max(keyW, ansi.StringWidth(b.Help().Key))
		}
	}
	var lines []string
	for _, b := range g {
		if !b.Enabled() {
			continue
		}
		k := b.Help().Key
		lines = append(lines, s.Help.FullKey.Render(k)+strings.Repeat(" ", keyW-ansi.StringWidth(k)+1)+s.Help.FullDesc.Render(b.Help().Desc))
	}
	return strings.Join(lines, "\n")
}

func itoa(n int) string { return Thousands(n) }
