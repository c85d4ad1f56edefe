// Package confirm is the yes/no screen in front of every destructive
// action. It names exactly what will happen and takes only y to go ahead.
package confirm

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/tui"
)

// Options describe the question. Lines must already be safe to draw
// (built with tui.Safe from store text).
type Options struct {
	Title    string   // the breadcrumb, e.g. "Disable 2FA"
	Question string   // "Disable two-factor authentication for alice?"
	Lines    []string // exactly what will be removed or changed
	Footer   string   // the consequence, e.g. "alice will sign in with a password alone."
	Yes      string   // what y does: "disable", "remove"
	OnYes    tea.Cmd  // run after the screen closes
}

// Model is the confirmation screen.
type Model struct {
	c      *tui.Common
	opt    Options
	keys   KeyMap
	width  int
	height int
}

// New returns a confirmation screen.
func New(c *tui.Common, opt Options) *Model {
	if opt.Yes == "" {
		opt.Yes = "yes"
	}
	return &Model{c: c, opt: opt, keys: keys(opt.Yes)}
}

func (m *Model) Init() tea.Cmd            { return nil }
func (m *Model) Title() string            { return m.opt.Title }
func (m *Model) Capturing() bool          { return false }
func (m *Model) SetSize(w, h int)         { m.width, m.height = w, h }
func (m *Model) ShortHelp() []key.Binding { return []key.Binding{m.keys.Yes, m.keys.No} }
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.keys.Yes, m.keys.No}}
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, m.keys.Yes):
		return tea.Sequence(tui.Back(m), m.opt.OnYes)
	case key.Matches(k, m.keys.No):
		return tea.Sequence(tui.Back(m), tui.Status(tui.Info, "cancelled: nothing changed"))
	}
	return nil
}

func (m *Model) View() string {
	s := m.c.Styles
	boxW := min(m.width, 78)
	inner := max(20, boxW-4) // border and padding
	var lines []string
	add := func(style func(...string) string, text, first, rest string) {
		for i, l := range tui.Wrap(text, inner-len([]rune(first))) {
			prefix := first
			if i > 0 {
				prefix = rest
			}
			lines = append(lines, prefix+style(l))
		}
	}
	add(s.Danger.Render, "! "+m.opt.Question, "", "  ")
	lines = append(lines, "")
	for _, l := range m.opt.Lines {
		add(s.Text.Render, l, "  • ", "    ")
	}
	if m.opt.Footer != "" {
		lines = append(lines, "")
		add(s.Text.Render, m.opt.Footer, "", "")
	}
	lines = append(lines, "",
		s.Key.Render("y")+s.Text.Render(" "+tui.Truncate(m.opt.Yes, inner-2)),
		s.Key.Render("n")+s.Text.Render(" or ")+s.Key.Render("esc")+s.Text.Render(" keep everything as it is"))
	return "\n" + s.DangerBox.Width(boxW).Render(strings.Join(lines, "\n"))
}
