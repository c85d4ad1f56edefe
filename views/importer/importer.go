// Package importer imports a vendor's seed file from the console: the
// administrator types the file's path (tab completes it), keeps the
// detected format or picks one, and chooses the options of `two-factor
// import`. A dry run always comes first and shows its plan (how many
// tokens are added, replaced and skipped, the first rows and why any are
// skipped); only enter on that plan imports, in one transaction, from the
// very bytes that were planned. An encrypted PSKC file asks for its
// password in a masked field that is wiped once the import is over.
package importer

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/seedfile"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

type state int

const (
	stateForm      state = iota // path, format and options
	statePassword               // the file is encrypted: its password
	stateChecking               // the dry run runs
	statePlan                   // the dry run's plan; enter imports
	stateImporting              // the import runs
)

// Fields of the form, top to bottom.
const (
	fPath = iota
	fFormat
	fAssign
	fCreateUsers
	fReplace
	nFields
)

// Formats are the choices of the format field, auto first.
var Formats = []seedfile.Format{
	seedfile.FormatAuto, seedfile.FormatAzure, seedfile.FormatOATHCSV,
	seedfile.FormatPSKC, seedfile.FormatURIList, seedfile.FormatCSV,
}

// Model is the import screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	runs *tui.Loader[ran] // the dry run or the import running

	state state

	path        *tui.Input
	focus       int
	format      int // index into Formats
	assign      bool
	createUsers bool
	replace     bool
	password    secret
	note        string // the last problem or hint, safe to draw
	bad         bool   // note is a problem

	// What the dry run read and planned. data belongs to the screen
	// between runs and to the running command while one runs.
	file     string
	data     []byte
	detected seedfile.Format
	plan     []db.ImportResult

	width, height int
}

// New returns the import screen.
func New(c *tui.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), assign: true, password: newSecret(), runs: tui.NewLoader[ran]()}
	m.runs.SetSpinner(spinner.Dot)
	m.runs.OnDiscard(func(r ran) { clear(r.data) }) // a run given up on: its bytes are no one's now
	m.path = tui.NewInput(c, "", "path of the seed file, e.g. ~/tokens.csv")
	m.path.CharLimit = 4096
	return m
}

func (m *Model) Title() string { return "Import" }

// Capturing: the form and the password take text, and a running import
// is not left by q.
func (m *Model) Capturing() bool { return m.state != statePlan }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.path.SetWidth(max(20, w-18))
}

func (m *Model) Init() tea.Cmd { return m.path.Focus() }

// Plan returns the dry run's plan, for tests.
func (m *Model) Plan() []db.ImportResult { return m.plan }

// Options returns the import options the form describes.
func (m *Model) Options(dry bool) service.ImportOptions {
	return service.ImportOptions{
		Parse:         seedfile.Options{Format: Formats[m.format]},
		ImportOptions: db.ImportOptions{DryRun: dry, Replace: m.replace, Assign: m.assign, CreateUsers: m.createUsers},
	}
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.runs.Accept(msg); ok {
		return m.ran(r)
	}
	switch msg := msg.(type) {
	case spinner.TickMsg:
		return m.runs.Update(msg)
	case tea.PasteMsg:
		switch {
		case m.state == statePassword:
			m.password.insert(msg.Content)
		case m.state == stateForm && m.focus == fPath:
			return m.path.Update(msg)
		}
	case tea.KeyPressMsg:
		switch m.state {
		case stateForm:
			return m.formKey(msg)
		case statePassword:
			return m.passwordKey(msg)
		case statePlan:
			return m.planKey(msg)
		case stateChecking:
			if key.Matches(msg, m.keys.Cancel) {
				m.runs.Cancel() // the dry run finishes unheard (and changed nothing)
				m.state = stateForm
				m.setNote(false, "dry run stopped")
				return m.focusCmd()
			}
		}
	}
	return nil
}

func (m *Model) setNote(bad bool, format string, a ...any) {
	m.bad, m.note = bad, fmt.Sprintf(format, a...)
}

func (m *Model) focusCmd() tea.Cmd {
	if m.focus == fPath {
		return m.path.Focus()
	}
	m.path.Blur()
	return nil
}

func (m *Model) formKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.wipe()
		return tui.Back(m)
	case key.Matches(msg, k.Run):
		return m.dryRun(nil)
	case m.focus == fPath && key.Matches(msg, k.Complete):
		return m.completePath()
	case key.Matches(msg, k.Next):
		m.focus = (m.focus + 1) % nFields
		return m.focusCmd()
	case key.Matches(msg, k.Prev):
		m.focus = (m.focus + nFields - 1) % nFields
		return m.focusCmd()
	}
	if m.focus == fPath {
		return m.path.Update(msg)
	}
	if !key.Matches(msg, k.Toggle) {
		return nil
	}
	switch m.focus {
	case fFormat:
		d := 1
		if msg.String() == "left" {
			d = len(Formats) - 1
		}
		m.format = (m.format + d) % len(Formats)
	case fAssign:
		m.assign = !m.assign
	case fCreateUsers:
		m.createUsers = !m.createUsers
	case fReplace:
		m.replace = !m.replace
	}
	return nil
}

func (m *Model) completePath() tea.Cmd {
	typed := m.path.Value()
	done, names := complete(typed)
	switch {
	case len(names) == 0:
		m.setNote(true, "nothing here starts with %s", tui.Quoted(typed))
	case done != typed:
		m.path.SetValue(done)
		m.path.CursorEnd()
		m.note = ""
	case len(names) > 1:
		shown := names[:min(len(names), 8)]
		for i := range shown {
			shown[i] = tui.Safe(shown[i])
		}
		more := ""
		if len(names) > len(shown) {
			more = fmt.Sprintf(" … (%d in all)", len(names))
		}
		m.setNote(false, "%s%s", strings.Join(shown, "  "), more)
	default:
		m.note = ""
	}
	return nil
}

func (m *Model) passwordKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.password.wipe()
		m.wipeData()
		m.state, m.note = stateForm, ""
		return m.focusCmd()
	case key.Matches(msg, m.keys.Unlock):
		if m.password.Len() == 0 {
			m.setNote(true, "type the password of %s", tui.Safe(m.file))
			return nil
		}
		data := m.data
		m.data = nil
		return m.dryRun(data)
	}
	m.password.key(msg)
	return nil
}

func (m *Model) planKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Edit):
		m.wipeData()
		m.password.wipe()
		m.plan, m.state, m.note = nil, stateForm, ""
		return m.focusCmd()
	case key.Matches(msg, m.keys.Import):
		if n := m.changes(); n == 0 {
			return tui.Status(tui.Info, "nothing to import: every token in the file is skipped")
		}
		return m.run(false, m.file, m.data)
	}
	return nil
}

// changes is how many tokens the plan adds or replaces.
func (m *Model) changes() int {
	n := 0
	for _, r := range m.plan {
		if r.Action != db.ImportSkipped {
			n++
		}
	}
	return n
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.state {
	case statePassword:
		return []key.Binding{k.Unlock, k.Cancel}
	case statePlan:
		if m.changes() == 0 {
			return []key.Binding{k.Edit}
		}
		return []key.Binding{tui.WithHelp(k.Import, "enter", "import "+tui.Plural(m.changes(), "token", "tokens")), k.Edit}
	case stateChecking:
		return []key.Binding{tui.WithHelp(k.Cancel, "esc", "stop")}
	case stateImporting:
		return nil
	}
	if m.focus == fPath {
		return []key.Binding{k.Run, k.Complete, tui.WithHelp(k.Next, "↓", "options"), k.Cancel}
	}
	return []key.Binding{k.Run, k.Toggle, k.Next, k.Cancel}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Run, k.Complete, k.Next, k.Prev, tui.WithHelp(k.Toggle, "space/←/→", "change the choice"), k.Cancel},
		{k.Import, k.Edit, k.Unlock},
	}
}
