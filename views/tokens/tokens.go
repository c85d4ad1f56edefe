// Package tokens is the hardware-token inventory: the tokens imported from
// vendors' seed files, with serial, kind, model, manufacturer, hash, step
// and import date, filtered as you type. From here a token is given to a
// user, taken back, retired, or identified from two codes it shows, and
// seed files are imported (views/importer).
//
// The screen is in parts: the list and its views (this file), the
// actions on the selected token (actions.go), the assign prompt
// (assign.go), identify (identify.go), drawing (render.go) and help
// (help.go).
package tokens

import (
	"fmt"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
)

type mode int

const (
	modeNormal    mode = iota
	modeAssign         // typing the user to give the selected token to
	modeIdentify       // typing codes from a token in hand
	modeSearching      // the identify search runs
)

// Show selects which tokens in service the list holds.
type Show int

const (
	ShowStock Show = iota // unassigned tokens: the inventory proper
	ShowAll               // every token in service, with its owner
)

// Model is the inventory screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	mode mode

	// forUser, when set, makes the screen a picker: a (or enter) gives the
	// selected token to this user and closes the screen.
	forUser string

	// Every hardware token, retired ones included, by serial, and how
	// many are in stock, assigned and retired. The views (stock, all,
	// retired) are the list's view over them.
	load                     *tui.Loader[[]*devices.Device]
	list                     *tui.List[*devices.Device]
	stock, assigned, retired int
	show                     Show
	showRetired              bool

	assign assignPrompt
	ident  identify

	width, height int
}

// New returns the inventory screen.
func New(c *tui.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), load: tui.NewLoader[[]*devices.Device]()}
	m.list = tui.NewList(c, tui.ListOptions[*devices.Device]{
		Key: func(d *devices.Device) string { return d.Serial },
		Text: func(d *devices.Device) string {
			return d.Serial + "\x00" + d.Model + "\x00" + d.Manufacturer + "\x00" + d.User
		},
		Placeholder: "serial, model, manufacturer or user",
	})
	m.assign = newAssignPrompt(c)
	m.ident = newIdentify(c)
	m.list.SetView(m.inView)
	return m
}

// NewPicker returns the inventory as a picker for user: a or enter gives
// them the selected token, active at once, and closes the screen.
func NewPicker(c *tui.Common, user string) *Model {
	m := New(c)
	m.forUser = user
	return m
}

func (m *Model) Title() string {
	if m.forUser != "" {
		return "Tokens for " + tui.Safe(m.forUser)
	}
	return "Tokens"
}

func (m *Model) Capturing() bool { return m.mode != modeNormal || m.list.Filtering() }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.list.SetFilterWidth(w - 50)
	m.assign.input.SetWidth(max(10, w-40))
	m.list.SetHeight(h - 2) // less the info line and the column header
}

func (m *Model) Init() tea.Cmd { return m.reload() }

// reload fetches every hardware token (no secrets), keeping what is shown
// until the list arrives.
func (m *Model) reload() tea.Cmd {
	c := m.c
	return m.load.Load(func() ([]*devices.Device, error) {
		return c.Svc.Tokens(c.Ctx, db.TokenFilter{Retired: true})
	})
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.load.Accept(msg); ok {
		if r.Err != nil {
			if m.load.State() == tui.LoadFailed {
				return nil // the screen says so
			}
			return tui.Fail(fmt.Errorf("loading tokens: %w", r.Err))
		}
		m.setRows(r.Value)
		return nil
	}
	if cmd, ok := m.assignResult(msg); ok {
		return cmd
	}
	if cmd, ok := m.identifyResult(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case tui.ChangedMsg:
		return m.reload()
	case spinner.TickMsg:
		return tea.Batch(m.load.Update(msg), m.assign.Update(msg), m.ident.search.Update(msg))
	case tea.PasteMsg, tea.KeyPressMsg:
		switch m.mode {
		case modeAssign:
			return m.assignKey(msg)
		case modeIdentify, modeSearching:
			return m.identifyKey(msg)
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

// setRows takes a new list and counts the tokens in each state.
func (m *Model) setRows(toks []*devices.Device) {
	m.stock, m.assigned, m.retired = 0, 0, 0
	for _, d := range toks {
		switch devices.TokenStateOf(d) {
		case devices.TokenRetired:
			m.retired++
		case devices.TokenAssigned:
			m.assigned++
		default:
			m.stock++
		}
	}
	m.list.SetRows(toks)
}

// inView reports whether a token belongs to the current view.
func (m *Model) inView(d *devices.Device) bool {
	switch devices.TokenStateOf(d) {
	case devices.TokenRetired:
		return m.showRetired
	case devices.TokenAssigned:
		return m.show == ShowAll
	}
	return true
}

// Selected returns the token under the cursor, or nil.
func (m *Model) Selected() *devices.Device {
	d, _ := m.list.Selected()
	return d
}

// Visible is how many tokens the view and the filter let through.
func (m *Model) Visible() int { return m.list.Len() }

// Loaded reports whether the list is in.
func (m *Model) Loaded() bool { return m.load.State() == tui.LoadReady }

// Showing returns the view.
func (m *Model) Showing() Show { return m.show }
