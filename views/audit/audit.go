// Package audit shows the append-only audit log, newest first, filtered as
// you type (the store searches every text column) and optionally for one
// user.
package audit

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/tui"
)

// limit is how many entries one query returns.
const limit = 1000

// Model is the audit log screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	user string // only this user's entries, when set
	spin spinner.Model

	loading   bool
	err       error
	gen       int
	entries   []db.AuditEntry
	filtering bool
	filter    textinput.Model
	query     string
	cursor    tui.ListCursor

	width, height int
}

// New returns the audit log, of one user when user is not empty.
func New(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user, loading: true}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.filter = textinput.New()
	m.filter.Prompt = "/ "
	m.filter.Placeholder = "text in any column (actor, action, user, device, detail)"
	m.filter.SetStyles(c.Styles.Input)
	return m
}

func (m *Model) Title() string {
	if m.user != "" {
		return "Audit: " + tui.Safe(m.user)
	}
	return "Audit log"
}

func (m *Model) Capturing() bool { return m.filtering }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.SetWidth(max(10, w-30))
	m.cursor.Clamp(len(m.entries), m.listHeight())
}

// listHeight leaves room for the info line, the header and the selected
// entry below the list.
func (m *Model) listHeight() int { return max(1, m.height-6) }

func (m *Model) Init() tea.Cmd { return tea.Batch(m.load(), m.spin.Tick) }

func (m *Model) load() tea.Cmd {
	m.gen++
	m.loading = true
	gen, c := m.gen, m.c
	f := db.AuditFilter{User: m.user, Text: m.query, Limit: limit}
	return func() tea.Msg {
		es, err := c.Svc.Audit(c.Ctx, f)
		return loadedMsg{gen: gen, entries: es, err: err}
	}
}

// Entries returns the entries shown, for tests.
func (m *Model) Entries() []db.AuditEntry { return m.entries }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.gen != m.gen {
			return nil // a later keystroke asked again
		}
		m.loading, m.err = false, msg.err
		if msg.err == nil {
			m.entries = msg.entries
			m.cursor = tui.ListCursor{}
		}
		return nil
	case tea.BackgroundColorMsg:
		m.filter.SetStyles(m.c.Styles.Input)
		return nil
	case tui.ChangedMsg:
		return m.load()
	case spinner.TickMsg:
		if !m.loading {
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case tea.PasteMsg:
		if m.filtering {
			return m.typed(msg)
		}
	case tea.KeyPressMsg:
		if m.filtering {
			switch {
			case key.Matches(msg, m.keys.Clear):
				m.filtering = false
				m.filter.Blur()
				m.filter.SetValue("")
				return m.setQuery("")
			case key.Matches(msg, m.keys.Apply):
				m.filtering = false
				m.filter.Blur()
				return nil
			}
			return m.typed(msg)
		}
		return m.key(msg)
	}
	return nil
}

func (m *Model) typed(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	return tea.Batch(cmd, m.setQuery(m.filter.Value()))
}

// setQuery asks the store again when the filter changed; results of
// earlier keystrokes are dropped when they arrive late.
func (m *Model) setQuery(q string) tea.Cmd {
	q = strings.TrimSpace(q)
	if q == m.query {
		return nil
	}
	m.query = q
	return tea.Batch(m.load(), m.spin.Tick)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.cursor.Move(msg, k.GlobalKeyMap, len(m.entries), m.listHeight()) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.filtering = true
		m.filter.CursorEnd()
		return m.filter.Focus()
	case key.Matches(msg, k.Back):
		if m.query != "" {
			m.filter.SetValue("")
			return m.setQuery("")
		}
		return tui.Back(m)
	case key.Matches(msg, k.Reload):
		return tea.Batch(m.load(), m.spin.Tick)
	}
	return nil
}

func (m *Model) View() string {
	s := m.c.Styles
	var b strings.Builder
	if m.filtering {
		b.WriteString(m.filter.View())
	} else {
		b.WriteString(s.Title.Render(m.Title()))
		if m.query != "" {
			b.WriteString(s.Text.Render(" containing ") + s.Strong.Render(tui.Quoted(m.query)))
		}
	}
	info := fmt.Sprintf("  %s, newest first", tui.Plural(len(m.entries), "entry", "entries"))
	if len(m.entries) == limit {
		info += fmt.Sprintf(" (the latest %d)", limit)
	}
	if m.loading {
		info += " " + m.spin.View()
	}
	b.WriteString(s.Muted.Render(info))
	if m.err != nil {
		b.WriteString("\n\n" + s.Danger.Render("✗ "+tui.Safe(m.err.Error())))
		return b.String()
	}
	cols := m.columns()
	b.WriteString("\n" + s.TableHeader.Render("  "+strings.Join(cols.header(), " ")))
	if len(m.entries) == 0 && !m.loading {
		b.WriteString("\n\n " + s.Muted.Render("No entries."))
		if m.query != "" {
			b.WriteString(s.Text.Render(" esc clears the filter."))
		}
		return b.String()
	}
	h := m.listHeight()
	for i := m.cursor.Offset; i < m.cursor.End(len(m.entries), h); i++ {
		b.WriteString("\n" + m.row(cols, &m.entries[i], i == m.cursor.Index))
	}
	for i := m.cursor.End(len(m.entries), h) - m.cursor.Offset; i < h; i++ {
		b.WriteString("\n")
	}
	if m.cursor.Index < len(m.entries) {
		b.WriteString("\n" + m.entryDetail(&m.entries[m.cursor.Index]))
	}
	return b.String()
}

func (m *Model) entryDetail(e *db.AuditEntry) string {
	s := m.c.Styles
	head := fmt.Sprintf("%s  by %s  %s", m.c.InZone(e.At).Format("2006-01-02 15:04:05"), tui.Safe(e.Actor), tui.Safe(e.Action))
	if e.User != "" {
		head += "  user " + tui.Safe(e.User)
	}
	if e.Device != "" || e.DeviceID != 0 {
		head += fmt.Sprintf("  device %s (%d)", tui.Quoted(e.Device), e.DeviceID)
	}
	lines := []string{s.Muted.Render("── entry " + fmt.Sprint(e.ID) + " " + strings.Repeat("─", max(0, m.width-12)))}
	lines = append(lines, s.Text.Render(tui.Truncate(head, m.width)))
	detail := outcomeOf(e.Outcome).label
	if e.Detail != "" {
		detail += ": " + tui.Safe(e.Detail)
	}
	lines = append(lines, s.Text.Render(tui.Truncate(detail, m.width)))
	return strings.Join(lines, "\n")
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	if m.filtering {
		return []key.Binding{k.Apply, k.Clear}
	}
	out := []key.Binding{k.Up, k.Down, k.Filter, k.Reload}
	if m.query != "" {
		out = append(out, k.Clear)
	}
	return append(out, k.Back)
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{k.Navigation(), {k.Filter, k.Apply, k.Clear, k.Reload, k.Back}}
}
