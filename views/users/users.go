// Package users is the console's home screen: every user with the state of
// their second factor, filtered as you type and sorted by name, status or
// last use; from here users are added, removed, opened, enrolled and
// disabled.
package users

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// pageSize is how many users the first, fast query returns: more than any
// terminal shows.
const pageSize = 200

// SortKey orders the list.
type SortKey int

const (
	ByName SortKey = iota
	ByStatus
	ByLastUsed
	sortKeys
)

func (k SortKey) String() string {
	return [...]string{"name", "status", "last used"}[k]
}

// row is a user as the list holds it: the summary from the store and its
// status, worked out once per load.
type row struct {
	*db.UserSummary
	status service.UserStatus
}

// Model is the user list.
type Model struct {
	c    *tui.Common
	keys KeyMap

	// The first page and the whole list load together (one generation of
	// two requests); complete is set when the whole list is in.
	load     *tui.Loader[page]
	complete bool
	list     *tui.List[row]
	sortKey  SortKey

	adding bool
	input  *tui.Input // the new user's name

	width, height int
}

// New returns the user list.
func New(c *tui.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), load: tui.NewLoader[page]()}
	m.list = tui.NewList(c, tui.ListOptions[row]{
		Key:         func(r row) string { return r.Name },
		Text:        func(r row) string { return r.Name },
		Placeholder: "type to filter users",
	})
	m.input = tui.NewInput(c, "New user: ", "sign-in name, e.g. alice")
	m.input.CharLimit = devices.MaxNameLen
	return m
}

func (m *Model) Title() string { return "Users" }

func (m *Model) Capturing() bool { return m.adding || m.list.Filtering() }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.list.SetFilterWidth(w - 52)
	m.input.SetWidth(max(10, w-14))
	m.list.SetHeight(h - 2) // less the info line and the column header
}

func (m *Model) Init() tea.Cmd {
	svc, ctx := m.c.Svc, m.c.Ctx
	first := func() (page, error) {
		p, err := policy(ctx, svc)
		if err != nil {
			return page{}, err
		}
		us, n, err := svc.FirstUsers(ctx, pageSize)
		return page{users: us, total: n, policy: p}, err
	}
	return m.load.Load(first, m.fetchAll)
}

// fetchAll fetches the whole list, in the background.
func (m *Model) fetchAll() (page, error) {
	svc, ctx := m.c.Svc, m.c.Ctx
	p, err := policy(ctx, svc)
	if err != nil {
		return page{}, err
	}
	us, err := svc.AllUsers(ctx)
	return page{users: us, policy: p, all: true}, err
}

func policy(ctx context.Context, svc tui.Service) (devices.Policy, error) {
	s, err := svc.Settings(ctx)
	return s.Policy(), err
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.load.Accept(msg); ok {
		return m.loaded(r)
	}
	switch msg := msg.(type) {
	case addedMsg:
		if msg.err != nil {
			return tui.Fail(msg.err)
		}
		m.list.Select(msg.name) // once the reload brings them
		return tui.Changed(nil, "added %s; press n to enroll a device for them", tui.Safe(msg.name))
	case tui.ChangedMsg:
		return m.load.Load(m.fetchAll)
	case spinner.TickMsg:
		return m.load.Update(msg)
	case tea.PasteMsg, tea.KeyPressMsg:
		if m.adding {
			return m.addKey(msg)
		}
		if cmd, ok := m.list.Update(msg); ok {
			return cmd
		}
		if k, ok := msg.(tea.KeyPressMsg); ok {
			return m.normalKey(k)
		}
	}
	return nil
}

// loaded takes a page: the first one (unless the whole list beat it) or
// the whole list.
func (m *Model) loaded(r tui.Loaded[page]) tea.Cmd {
	if r.Err != nil {
		if m.load.State() == tui.LoadFailed {
			return nil // the screen says so
		}
		return tui.Fail(fmt.Errorf("loading users: %w", r.Err))
	}
	p := r.Value
	if !p.all && m.complete {
		return nil
	}
	m.complete = p.all
	now := m.c.Now()
	rows := make([]row, len(p.users))
	for i := range p.users {
		rows[i] = row{&p.users[i], service.UserStatusOf(&p.users[i], p.policy, now)}
	}
	m.list.SetRows(rows)
	if !p.all {
		m.list.SetTotal(p.total)
	}
	return nil
}

func (m *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	name := m.Selected()
	switch {
	case key.Matches(msg, k.Add):
		m.adding = true
		m.input.SetValue("")
		return m.input.Focus()
	case key.Matches(msg, k.Sort):
		m.sortKey = (m.sortKey + 1) % sortKeys
		m.list.SetSort(m.sortKey.compare())
		return tui.Status(tui.Info, "sorted by %s", m.sortKey)
	case key.Matches(msg, k.Reload):
		return m.load.Load(m.fetchAll)
	case key.Matches(msg, k.Drift):
		return open(tui.ScreenDrift, "")
	case key.Matches(msg, k.Audit):
		return open(tui.ScreenAudit, "")
	case key.Matches(msg, k.Tokens):
		return open(tui.ScreenTokens, "")
	case name == "":
		return nil
	case key.Matches(msg, k.Open):
		return open(tui.ScreenUser, name)
	case key.Matches(msg, k.Enroll):
		return open(tui.ScreenEnroll, name)
	case key.Matches(msg, k.Backup):
		return open(tui.ScreenBackupCodes, name)
	case key.Matches(msg, k.Disable):
		return open(tui.ScreenDisable2FA, name)
	case key.Matches(msg, k.Remove):
		return open(tui.ScreenRemoveUser, name)
	}
	return nil
}

// open navigates to screen, about user when it is not "".
func open(screen tui.Screen, user string) tea.Cmd {
	return tui.Navigate(tui.Route{Screen: screen, User: user})
}

// compare orders rows by the key; nil keeps the store's order, by name.
func (k SortKey) compare() func(a, b *row) int {
	switch k {
	case ByStatus:
		return func(a, b *row) int { return int(a.status) - int(b.status) }
	case ByLastUsed:
		return func(a, b *row) int { return b.LastUsed.Compare(a.LastUsed) }
	}
	return nil
}

func (m *Model) addKey(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.keys.CancelAdd):
			m.adding = false
			m.input.Blur()
			return nil
		case key.Matches(k, m.keys.Submit):
			return m.add(strings.TrimSpace(m.input.Value()))
		}
	}
	return m.input.Update(msg)
}

func (m *Model) add(name string) tea.Cmd {
	if err := devices.ValidateName("user name", name); err != nil {
		return tui.Fail(err)
	}
	m.adding = false
	m.input.Blur()
	svc, ctx := m.c.Svc, m.c.Ctx
	return func() tea.Msg {
		_, err := svc.AddUser(ctx, name)
		return addedMsg{name: name, err: err}
	}
}

// Selected returns the name of the user under the cursor, or "".
func (m *Model) Selected() string { return m.list.SelectedKey() }

// Visible is how many users the filter lets through.
func (m *Model) Visible() int { return m.list.Len() }

// Loaded reports whether the whole list is in.
func (m *Model) Loaded() bool { return m.complete && !m.load.Busy() }

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.list.Filtering():
		return m.list.FilterHelp()
	case m.adding:
		return []key.Binding{k.Submit, k.CancelAdd}
	case m.load.State() == tui.LoadReady && m.list.Total() == 0:
		return []key.Binding{k.Add, k.Tokens, k.Audit, k.Drift}
	}
	short := []key.Binding{tui.WithHelp(k.Open, "enter", "open"), k.Filter, k.Sort,
		tui.WithHelp(k.Add, "a", "add"), tui.WithHelp(k.Enroll, "n", "enroll"), tui.WithHelp(k.Remove, "x", "remove")}
	if m.list.Query() != "" {
		short = append(short, m.list.Keys().Clear)
	}
	return short
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		k.Navigation(),
		{tui.WithHelp(k.Open, "enter", "open user"), k.Filter, m.list.Keys().Clear, k.Sort, k.Reload},
		{k.Add, k.Remove, k.Enroll, k.Backup, k.Disable},
		{k.Audit, k.Drift, k.Tokens},
	}
}
