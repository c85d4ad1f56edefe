package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/two-factor/two-factor/themes"
)

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
	switch {
	case m.showHelp:
		body = m.fullHelp()
	case m.prompt != nil && m.prompt.confirm != nil:
		body = m.prompt.confirmBox(m.c, w)
	case m.prompt != nil:
		// The line being typed takes the bottom of the screen's area,
		// under the screen it is about.
		in := m.prompt.inputLines(m.c)
		n := strings.Count(in, "\n") + 1
		body = FitBlock(m.Top().View(), w, max(0, ah-n)) + "\n" + in
	default:
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
	for _, e := range m.stack {
		parts = append(parts, e.view.Title())
	}
	if m.prompt != nil && m.prompt.confirm != nil && m.prompt.confirm.Title != "" {
		parts = append(parts, m.prompt.confirm.Title)
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
// as well as a colour. Every screen's words pass here, so the text is
// made safe here too, whatever a screen forgot (Safe keeps clean text
// as it is).
func (m *Model) statusLine() string {
	s := m.c.Styles
	status := m.top().status
	if status.Text == "" {
		return ""
	}
	text := Safe(status.Text)
	switch status.Level {
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
	switch {
	case m.prompt != nil:
		left = ShortHelp(m.c.Styles, m.prompt.shortHelp(), m.c.Width-ansi.StringWidth(right)-3)
	case !m.showHelp:
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
