// Package users is the console's home screen: every user with the state of
// their second factor, filtered as you type and sorted by name, status or
// last use; from here users are added, removed, opened, enrolled and
// disabled.
package users

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/audit"
	"github.com/two-factor/two-factor/views/backupcodes"
	"github.com/two-factor/two-factor/views/disable"
	"github.com/two-factor/two-factor/views/drift"
	"github.com/two-factor/two-factor/views/enroll"
	"github.com/two-factor/two-factor/views/tokens"
	"github.com/two-factor/two-factor/views/userdetail"
)

// pageSize is how many users the first, fast query returns: more than any
// terminal shows.
const pageSize = 200

type state int

const (
	stateLoading state = iota // nothing yet
	statePartial              // the first page; the full list is on its way
	stateReady                // the full list
	stateError                // the first load failed
)

type mode int

const (
	modeNormal mode = iota
	modeFilter      // typing a filter
	modeAdd         // typing a new user's name
)

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

// Model is the user list.
type Model struct {
	c    *tui.Common
	keys KeyMap
	spin spinner.Model

	state state
	mode  mode
	err   error
	gen   int

	// The data, by name: rows, their lowercased names (what the filter
	// searches) and their statuses, all computed once per load.
	rows     []db.UserSummary
	lower    []string
	statuses []service.UserStatus
	total    int
	policy   devices.Policy

	sortKey SortKey
	order   []int32 // rows in sort order
	visible []int32 // order, filtered
	query   string  // the applied filter, lowercased
	cursor  tui.ListCursor
	keep    string // the user to keep selected across a reload

	filter textinput.Model
	input  textinput.Model

	width, height int
}

// New returns the user list.
func New(c *tui.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys)}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.filter = newInput(c, "/ ", "type to filter users")
	m.input = newInput(c, "New user: ", "sign-in name, e.g. alice")
	m.input.CharLimit = devices.MaxNameLen
	return m
}

func newInput(c *tui.Common, prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	ti.SetStyles(c.Styles.Input)
	return ti
}

func (m *Model) Title() string { return "Users" }

func (m *Model) Capturing() bool { return m.mode != modeNormal }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.SetWidth(max(10, w-52))
	m.input.SetWidth(max(10, w-14))
	m.cursor.Clamp(len(m.visible), m.listHeight())
}

// listHeight is the number of rows on screen: the area less the info line
// and the column header.
func (m *Model) listHeight() int { return max(1, m.height-2) }

func (m *Model) Init() tea.Cmd {
	m.gen++
	gen := m.gen
	svc, ctx := m.c.Svc, m.c.Ctx
	first := func() tea.Msg {
		p, err := policy(ctx, svc)
		if err != nil {
			return firstPageMsg{gen: gen, err: err}
		}
		us, n, err := svc.FirstUsers(ctx, pageSize)
		return firstPageMsg{gen: gen, users: us, total: n, policy: p, err: err}
	}
	return tea.Batch(first, m.loadAll(), m.spin.Tick)
}

// loadAll fetches the whole list in the background.
func (m *Model) loadAll() tea.Cmd {
	gen := m.gen
	svc, ctx := m.c.Svc, m.c.Ctx
	return func() tea.Msg {
		p, err := policy(ctx, svc)
		if err != nil {
			return allUsersMsg{gen: gen, err: err}
		}
		us, err := svc.AllUsers(ctx)
		return allUsersMsg{gen: gen, users: us, policy: p, err: err}
	}
}

func policy(ctx context.Context, svc tui.Service) (devices.Policy, error) {
	s, err := svc.Settings(ctx)
	return s.Policy(), err
}

// reload fetches the list again after a change, keeping what is shown
// until the new list arrives.
func (m *Model) reload() tea.Cmd {
	m.gen++
	if m.state == stateError {
		m.state = stateLoading
	}
	m.keep = m.Selected()
	return tea.Batch(m.loadAll(), m.spin.Tick)
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case firstPageMsg:
		if msg.gen != m.gen || m.state == stateReady {
			return nil
		}
		if msg.err != nil {
			m.state, m.err = stateError, msg.err
			return nil
		}
		m.state, m.total = statePartial, msg.total
		m.setRows(msg.users, msg.policy)
		return nil
	case allUsersMsg:
		if msg.gen != m.gen {
			return nil
		}
		if msg.err != nil {
			if m.state == stateLoading || m.state == statePartial && len(m.rows) == 0 {
				m.state, m.err = stateError, msg.err
			}
			return func() tea.Msg { return tui.ErrorStatus(fmt.Errorf("loading users: %w", msg.err)) }
		}
		m.state, m.total = stateReady, len(msg.users)
		m.setRows(msg.users, msg.policy)
		return nil
	case addedMsg:
		if msg.err != nil {
			return func() tea.Msg { return tui.ErrorStatus(msg.err) }
		}
		m.keep = msg.name
		return tui.Changed(nil, "added %s; press n to enroll a device for them", tui.Safe(msg.name))
	case tea.BackgroundColorMsg:
		m.filter.SetStyles(m.c.Styles.Input)
		m.input.SetStyles(m.c.Styles.Input)
		return nil
	case tui.ChangedMsg:
		return m.reload()
	case spinner.TickMsg:
		if m.state == stateReady || m.state == stateError {
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case tea.PasteMsg:
		return m.updateInput(msg)
	case tea.KeyPressMsg:
		switch m.mode {
		case modeFilter:
			return m.filterKey(msg)
		case modeAdd:
			return m.addKey(msg)
		}
		return m.normalKey(msg)
	}
	return nil
}

func (m *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.cursor.Move(msg, k.GlobalKeyMap, len(m.visible), m.listHeight()) {
		return nil
	}
	name := m.Selected()
	switch {
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.filter.SetValue(m.filter.Value())
		m.filter.CursorEnd()
		return m.filter.Focus()
	case key.Matches(msg, k.Back):
		if m.query != "" {
			m.filter.SetValue("")
			m.applyFilter("")
		}
		return nil
	case key.Matches(msg, k.Add):
		m.mode = modeAdd
		m.input.SetValue("")
		return m.input.Focus()
	case key.Matches(msg, k.Sort):
		m.sortKey = (m.sortKey + 1) % sortKeys
		m.keep = name
		m.resort()
		return tui.Status(tui.Info, "sorted by %s", m.sortKey)
	case key.Matches(msg, k.Reload):
		return m.reload()
	case key.Matches(msg, k.Drift):
		return tui.Push(drift.New(m.c))
	case key.Matches(msg, k.Audit):
		return tui.Push(audit.New(m.c, ""))
	case key.Matches(msg, k.Tokens):
		return tui.Push(tokens.New(m.c))
	case name == "":
		return nil
	case key.Matches(msg, k.Open):
		return tui.Push(userdetail.New(m.c, name))
	case key.Matches(msg, k.Enroll):
		return tui.Push(enroll.New(m.c, name))
	case key.Matches(msg, k.Backup):
		return tui.Push(backupcodes.New(m.c, name))
	case key.Matches(msg, k.Disable):
		return disable.Start(m.c, name)
	case key.Matches(msg, k.Remove):
		return disable.StartRemoveUser(m.c, name)
	}
	return nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Clear):
		m.mode = modeNormal
		m.filter.Blur()
		m.filter.SetValue("")
		m.applyFilter("")
		return nil
	case key.Matches(msg, m.keys.Apply):
		m.mode = modeNormal
		m.filter.Blur()
		return nil
	}
	return m.updateInput(msg)
}

func (m *Model) addKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.CancelAdd):
		m.mode = modeNormal
		m.input.Blur()
		return nil
	case key.Matches(msg, m.keys.Submit):
		name := strings.TrimSpace(m.input.Value())
		if err := devices.ValidateName("user name", name); err != nil {
			return func() tea.Msg { return tui.ErrorStatus(err) }
		}
		m.mode = modeNormal
		m.input.Blur()
		svc, ctx := m.c.Svc, m.c.Ctx
		return func() tea.Msg {
			_, err := svc.AddUser(ctx, name)
			return addedMsg{name: name, err: err}
		}
	}
	return m.updateInput(msg)
}

// updateInput feeds the focused text field and re-filters as the filter
// changes.
func (m *Model) updateInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.mode {
	case modeFilter:
		m.filter, cmd = m.filter.Update(msg)
		m.applyFilter(m.filter.Value())
	case modeAdd:
		m.input, cmd = m.input.Update(msg)
	}
	return cmd
}

// setRows takes a new list, precomputes what filtering and sorting need,
// and puts the selection back on the user it was on.
func (m *Model) setRows(rows []db.UserSummary, p devices.Policy) {
	keep := m.keep
	if keep == "" {
		keep = m.Selected()
	}
	m.keep = ""
	m.rows, m.policy = rows, p
	now := m.c.Now()
	m.lower = make([]string, len(rows))
	m.statuses = make([]service.UserStatus, len(rows))
	for i := range rows {
		m.lower[i] = strings.ToLower(rows[i].Name)
		m.statuses[i] = service.UserStatusOf(&rows[i], p, now)
	}
	m.keep = keep
	m.resort()
}

// resort rebuilds the order and the filtered list from scratch.
func (m *Model) resort() {
	keep := m.keep
	if keep == "" {
		keep = m.Selected()
	}
	m.keep = ""
	m.order = m.order[:0]
	for i := range m.rows {
		m.order = append(m.order, int32(i))
	}
	switch m.sortKey {
	case ByStatus:
		slices.SortStableFunc(m.order, func(a, b int32) int { return int(m.statuses[a]) - int(m.statuses[b]) })
	case ByLastUsed:
		slices.SortStableFunc(m.order, func(a, b int32) int {
			return m.rows[b].LastUsed.Compare(m.rows[a].LastUsed)
		})
	}
	m.visible = m.filterFrom(m.order, m.query, nil)
	m.selectName(keep)
}

// applyFilter narrows the list to names containing q. When q extends the
// previous filter only the rows still shown are searched again.
func (m *Model) applyFilter(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == m.query {
		return
	}
	keep := m.Selected()
	if m.query != "" && strings.Contains(q, m.query) {
		m.visible = m.filterFrom(m.visible, q, m.visible[:0])
	} else {
		m.visible = m.filterFrom(m.order, q, nil)
	}
	m.query = q
	m.cursor = tui.ListCursor{}
	m.selectName(keep)
}

// filterFrom appends to dst the rows of src whose name contains q.
func (m *Model) filterFrom(src []int32, q string, dst []int32) []int32 {
	if q == "" {
		return append(dst[:0:0], src...)
	}
	if dst == nil {
		dst = make([]int32, 0, 64)
	}
	for _, i := range src {
		if strings.Contains(m.lower[i], q) {
			dst = append(dst, i)
		}
	}
	return dst
}

// selectName moves the cursor to the named user when shown.
func (m *Model) selectName(name string) {
	if name != "" {
		for pos, i := range m.visible {
			if m.rows[i].Name == name {
				m.cursor.Index = pos
				m.cursor.Offset = pos - m.listHeight()/2
				break
			}
		}
	}
	m.cursor.Clamp(len(m.visible), m.listHeight())
}

// Selected returns the name of the user under the cursor, or "".
func (m *Model) Selected() string {
	if m.cursor.Index < 0 || m.cursor.Index >= len(m.visible) {
		return ""
	}
	return m.rows[m.visible[m.cursor.Index]].Name
}

// Visible is how many users the filter lets through.
func (m *Model) Visible() int { return len(m.visible) }

// Loaded reports whether the whole list is in.
func (m *Model) Loaded() bool { return m.state == stateReady }

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.mode {
	case modeFilter:
		return []key.Binding{k.Apply, k.Clear}
	case modeAdd:
		return []key.Binding{k.Submit, k.CancelAdd}
	}
	if m.state == stateReady && m.total == 0 {
		return []key.Binding{k.Add, k.Tokens, k.Audit, k.Drift}
	}
	short := []key.Binding{tui.WithHelp(k.Open, "enter", "open"), k.Filter, k.Sort,
		tui.WithHelp(k.Add, "a", "add"), tui.WithHelp(k.Enroll, "n", "enroll"), tui.WithHelp(k.Remove, "x", "remove")}
	if m.query != "" {
		short = append(short, k.Clear)
	}
	return short
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		k.Navigation(),
		{tui.WithHelp(k.Open, "enter", "open user"), k.Filter, k.Clear, k.Sort, k.Reload},
		{k.Add, k.Remove, k.Enroll, k.Backup, k.Disable},
		{k.Audit, k.Drift, k.Tokens},
	}
}
