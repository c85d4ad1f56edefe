// Package resync brings a drifted token back: the administrator types two
// consecutive codes from it, a search (over a window as wide as a year, in
// the background with a spinner) finds where the token is, and the screen
// shows the offset in steps and seconds and the old drift before anything
// is saved.
package resync

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

type state int

const (
	stateInput     state = iota // typing the codes
	stateSearching              // the search runs
	stateFound                  // showing what it found; enter saves
	stateSaving
)

// Windows are the search radii offered, in TOTP steps (0: the store's
// setting). HOTP devices search ahead by a counter look-ahead instead.
var Windows = []struct {
	Label string
	Steps int64
}{
	{"as configured", 0},
	{"±1 week", 7 * 24 * 120},
	{"±1 year", otpcore.MaxResyncRadius},
}

var hotpWindows = []struct {
	Label string
	Steps int64
}{
	{"1,000 ahead", 1000},
	{"10,000 ahead", 10000},
	{"100,000 ahead", 100000},
}

// Model is the resync screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	user string
	dev  *devices.Device

	state  state
	search *tui.Loader[*service.ResyncPlan] // the search for where the token is
	saving *tui.Loader[*devices.Device]
	codes  [2]*tui.Input
	focus  int
	window int
	plan   *service.ResyncPlan
	note   string // the last error or outcome, shown under the form
	// noMatch says the note is "no matching position": the view then
	// suggests what to try next.
	noMatch bool

	width, height int
}

// New returns the resync screen for one of user's OTP devices.
func New(c *tui.Common, user string, d *devices.Device) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), user: user, dev: d,
		search: tui.NewLoader[*service.ResyncPlan](), saving: tui.NewLoader[*devices.Device]()}
	m.search.SetSpinner(spinner.Dot)
	m.saving.SetSpinner(spinner.Dot)
	for i := range m.codes {
		ti := tui.NewInput(c, fmt.Sprintf("Code %d: ", i+1), strings.Repeat("0", max(6, d.Digits)))
		ti.CharLimit = 10
		ti.SetWidth(12)
		m.codes[i] = ti
	}
	return m
}

func (m *Model) Title() string    { return "Resync" }
func (m *Model) Capturing() bool  { return true }
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }
func (m *Model) Init() tea.Cmd    { return m.codes[0].Focus() }

// Plan returns what the search found, for tests.
func (m *Model) Plan() *service.ResyncPlan { return m.plan }

func (m *Model) windows() []struct {
	Label string
	Steps int64
} {
	if m.dev.Kind == devices.HOTP {
		return hotpWindows
	}
	return Windows
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.search.Accept(msg); ok && m.state == stateSearching {
		if r.Err != nil {
			m.state, m.note, m.noMatch = stateInput, tui.Safe(r.Err.Error()), errors.Is(r.Err, otpcore.ErrNoMatch)
			return m.focusCmd()
		}
		m.state, m.plan, m.note, m.noMatch = stateFound, r.Value, "", false
		return nil
	}
	if r, ok := m.saving.Accept(msg); ok && m.state == stateSaving {
		if r.Err != nil {
			m.state, m.note = stateInput, tui.Safe(r.Err.Error())
			m.plan = nil
			return m.focusCmd()
		}
		r := m.planResult()
		if n := m.floorNote(); n != "" {
			r += "; " + n
		}
		return tui.Changed(m, "resynchronised %s of %s: %s", tui.Quoted(m.dev.Name), tui.Safe(m.user), r)
	}
	switch msg := msg.(type) {
	case spinner.TickMsg:
		return tea.Batch(m.search.Update(msg), m.saving.Update(msg))
	case tea.PasteMsg:
		if m.state == stateInput {
			return m.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

// paste takes "123456 654321" (two codes at once) or one code.
func (m *Model) paste(text string) tea.Cmd {
	f := strings.Fields(text)
	if len(f) == 2 {
		m.codes[0].SetValue(f[0])
		m.codes[1].SetValue(f[1])
		return nil
	}
	return m.codes[m.focus].Update(tea.PasteMsg{Content: text})
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch m.state {
	case stateSearching:
		if key.Matches(msg, k.Cancel) {
			m.search.Cancel() // the search finishes unheard
			m.state, m.note = stateInput, "search cancelled"
			return m.focusCmd()
		}
	case stateSaving:
	case stateFound:
		switch {
		case key.Matches(msg, k.Save):
			return m.save()
		case key.Matches(msg, k.Cancel), msg.String() == "n":
			m.state, m.plan, m.note = stateInput, nil, "discarded: nothing was saved"
			return m.focusCmd()
		}
	case stateInput:
		switch {
		case key.Matches(msg, k.Cancel):
			return tui.Back(m)
		case key.Matches(msg, k.Next):
			m.focus = 1 - m.focus
			return m.focusCmd()
		case key.Matches(msg, k.Window):
			d := 1
			if msg.String() == "left" {
				d = len(m.windows()) - 1
			}
			m.window = (m.window + d) % len(m.windows())
			return nil
		case key.Matches(msg, k.Search):
			if m.focus == 0 && strings.TrimSpace(m.codes[1].Value()) == "" {
				m.focus = 1
				return m.focusCmd()
			}
			return m.find()
		}
		if t := msg.Text; t != "" && (t[0] < '0' || t[0] > '9') && t != " " {
			return nil // codes are digits
		}
		return m.codes[m.focus].Update(msg)
	}
	return nil
}

func (m *Model) focusCmd() tea.Cmd {
	m.codes[1-m.focus].Blur()
	return m.codes[m.focus].Focus()
}

func (m *Model) find() tea.Cmd {
	codes := []string{strings.TrimSpace(m.codes[0].Value()), strings.TrimSpace(m.codes[1].Value())}
	if codes[0] == "" || codes[1] == "" {
		m.note = "type two codes the token shows one after the other"
		return nil
	}
	m.state, m.note, m.noMatch = stateSearching, "", false
	c, user := m.c, m.user
	opt := service.ResyncOptions{Device: strconv.FormatInt(m.dev.ID, 10), Window: m.windows()[m.window].Steps}
	return m.search.Load(func() (*service.ResyncPlan, error) { return c.Svc.ResyncPreview(c.Ctx, user, codes, opt) })
}

func (m *Model) save() tea.Cmd {
	m.state = stateSaving
	c, p := m.c, m.plan
	return m.saving.Load(func() (*devices.Device, error) { return c.Svc.ApplyResync(c.Ctx, p) })
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.state {
	case stateFound:
		return []key.Binding{k.Save, tui.WithHelp(k.Cancel, "esc", "discard")}
	case stateSearching:
		return []key.Binding{tui.WithHelp(k.Cancel, "esc", "stop search")}
	case stateSaving:
		return nil
	}
	return []key.Binding{k.Search, k.Next, k.Window, k.Cancel}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Search, k.Next, k.Window}, {k.Save, k.Cancel}}
}
