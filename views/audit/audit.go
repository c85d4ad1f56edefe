// Package audit shows the append-only audit log, newest first, filtered as
// you type (the store searches every text column) and optionally for one
// user.
package audit

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
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

	// The filter is the store's: each change of it loads again, and the
	// answers to earlier keystrokes are dropped when they arrive late.
	load  *tui.Loader[[]db.AuditEntry]
	list  *tui.List[db.AuditEntry]
	asked string // the filter the latest load asked for

	width, height int
}

// New returns the audit log, of one user when user is not empty.
func New(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user, load: tui.NewLoader[[]db.AuditEntry]()}
	m.list = tui.NewList(c, tui.ListOptions[db.AuditEntry]{
		Key:         func(e db.AuditEntry) string { return strconv.FormatInt(e.ID, 10) },
		Remote:      true,
		Placeholder: "text in any column (actor, action, user, device, detail)",
	})
	return m
}

func (m *Model) Title() string {
	if m.user != "" {
		return "Audit: " + tui.Safe(m.user)
	}
	return "Audit log"
}

func (m *Model) Capturing() bool { return m.list.Filtering() }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.list.SetFilterWidth(w - 30)
	m.list.SetHeight(h - 6) // room for the info line, the header and the selected entry
}

func (m *Model) Init() tea.Cmd { return m.reload() }

func (m *Model) reload() tea.Cmd {
	c := m.c
	m.asked = m.list.Query()
	f := db.AuditFilter{User: m.user, Text: m.asked, Limit: limit}
	return m.load.Load(func() ([]db.AuditEntry, error) { return c.Svc.Audit(c.Ctx, f) })
}

// Entries returns the entries shown, for tests.
func (m *Model) Entries() []db.AuditEntry { return m.list.Rows() }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.load.Accept(msg); ok {
		if r.Err == nil {
			m.list.SetRows(r.Value)
		}
		return nil
	}
	switch msg := msg.(type) {
	case tui.ChangedMsg:
		return m.reload()
	case spinner.TickMsg:
		return m.load.Update(msg)
	case tea.PasteMsg, tea.KeyPressMsg:
		cmd, ok := m.list.Update(msg)
		if m.list.Query() != m.asked {
			return tea.Batch(cmd, m.reload())
		}
		if ok {
			return cmd
		}
		if k, isKey := msg.(tea.KeyPressMsg); isKey {
			return m.key(k)
		}
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Back):
		return tui.Back(m)
	case key.Matches(msg, m.keys.Reload):
		return m.reload()
	case key.Matches(msg, m.keys.Open):
		if e, ok := m.list.Selected(); ok {
			return openUser(e)
		}
	}
	return nil
}

// openUser opens the screen of the user an entry is about, at its device.
func openUser(e db.AuditEntry) tea.Cmd {
	if e.User == "" {
		return tui.Status(tui.Info, "this entry (%s) is about no user", tui.Safe(e.Action))
	}
	return tui.Navigate(tui.Route{Screen: tui.ScreenUser, User: e.User, Device: e.DeviceID})
}

func (m *Model) View() string {
	s := m.c.Styles
	var b strings.Builder
	q, n := m.list.Query(), m.list.Len()
	if m.list.Filtering() {
		b.WriteString(m.list.FilterView())
	} else {
		b.WriteString(s.Title.Render(m.Title()))
		if q != "" {
			b.WriteString(s.Text.Render(" containing ") + s.Strong.Render(tui.Quoted(q)))
		}
	}
	info := fmt.Sprintf("  %s, newest first", tui.Plural(n, "entry", "entries"))
	if n == limit {
		info += fmt.Sprintf(" (the latest %d)", limit)
	}
	if m.load.Busy() {
		info += " " + m.load.Spinner()
	}
	b.WriteString(s.Muted.Render(info))
	if err := m.load.Err(); err != nil {
		b.WriteString("\n\n" + s.Danger.Render("✗ "+tui.Safe(err.Error())))
		return b.String()
	}
	cols := m.columns()
	b.WriteString("\n" + s.TableHeader.Render("  "+strings.Join(cols.header(), " ")))
	if n == 0 && !m.load.Busy() && m.load.State() != tui.LoadPending {
		b.WriteString("\n\n " + s.Muted.Render("No entries."))
		if q != "" {
			b.WriteString(s.Text.Render(" esc clears the filter."))
		}
		return b.String()
	}
	b.WriteString("\n" + m.list.ViewFilled(func(e db.AuditEntry, selected bool) string { return m.row(cols, &e, selected) }))
	if e, ok := m.list.Selected(); ok {
		b.WriteString("\n" + m.entryDetail(&e))
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
	if m.list.Filtering() {
		return m.list.FilterHelp()
	}
	out := []key.Binding{tui.WithHelp(k.Open, "enter", "open user"), k.Filter, k.Reload}
	if m.list.Query() != "" {
		out = append(out, m.list.Keys().Clear)
	}
	return append(out, k.Back)
}

func (m *Model) FullHelp() [][]key.Binding {
	k, lk := m.keys, m.list.Keys()
	return [][]key.Binding{k.Navigation(), {tui.WithHelp(k.Open, "enter", "open the entry's user"), k.Filter, lk.Apply, lk.Clear, k.Reload, k.Back}}
}
