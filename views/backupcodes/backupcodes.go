// Package backupcodes generates (or regenerates) a user's ten single-use
// backup codes and shows them once, with a clear warning: they are stored
// only as hashes and cannot be shown again.
package backupcodes

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
)

type state int

const (
	stateLoading    state = iota // counting the codes the user has
	stateAsk                     // explaining what g will do
	stateGenerating              // making the codes
	stateShown                   // the codes, once
	stateError
)

// Model is the backup codes screen.
type Model struct {
	c     *tui.Common
	keys  KeyMap
	user  string
	state state
	err   error

	counting   *tui.Loader[stock]    // the user's unused codes and how they are kept
	generating *tui.Loader[[]string] // the new codes

	unused int  // -1 when the user has no backup codes yet
	plain  bool // stored as shown (a Django site's static tokens), not hashed
	codes  []string

	width, height int
}

// New returns the backup codes screen for user.
func New(c *tui.Common, user string) *Model {
	return &Model{c: c, keys: DefaultKeyMap(), user: user, unused: -1,
		counting: tui.NewLoader[stock](), generating: tui.NewLoader[[]string]()}
}

func (m *Model) Title() string    { return "Backup codes" }
func (m *Model) Capturing() bool  { return false }
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

func (m *Model) Init() tea.Cmd {
	c, user := m.c, m.user
	return m.counting.Load(func() (stock, error) {
		plain, err := c.Svc.BackupCodesKeptPlain(c.Ctx)
		if err != nil {
			return stock{}, err
		}
		ds, err := c.Svc.Devices(c.Ctx, user)
		st := stock{unused: -1, plain: plain}
		for _, d := range ds {
			if d.Kind == devices.Backup {
				st.unused = len(d.Codes)
			}
		}
		return st, err
	})
}

// stock is what the screen loads first: how many unused codes the user
// has (-1: none yet) and whether codes are kept plain.
type stock struct {
	unused int
	plain  bool
}

// storage says how the codes are kept, truthfully for the store.
func (m *Model) storage(shown bool) string {
	switch {
	case m.plain && shown:
		return "two-factor shows them only now; the Django site keeps them as typed (django-otp's static tokens). Each code works once."
	case m.plain:
		return "The codes are shown once, here; the Django site keeps them as typed (django-otp's static tokens)."
	case shown:
		return "They cannot be shown again: only their hashes are kept. Each code works once."
	}
	return "The codes are shown once, here, and stored only as hashes."
}

// generate makes the codes, replacing any earlier ones.
func (m *Model) generate() tea.Cmd {
	m.state = stateGenerating
	c, user := m.c, m.user
	return m.generating.Load(func() ([]string, error) { return c.Svc.BackupCodes(c.Ctx, user) })
}

// Codes returns the codes on screen, for tests.
func (m *Model) Codes() []string { return m.codes }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.counting.Accept(msg); ok && m.state == stateLoading {
		if r.Err != nil {
			m.state, m.err = stateError, r.Err
			return nil
		}
		m.state, m.unused, m.plain = stateAsk, r.Value.unused, r.Value.plain
		return nil
	}
	if r, ok := m.generating.Accept(msg); ok && m.state == stateGenerating {
		if r.Err != nil {
			m.state, m.err = stateError, r.Err
			return nil
		}
		m.state, m.codes = stateShown, r.Value
		verb := "generated"
		if m.unused >= 0 {
			verb = "regenerated"
		}
		return tui.Changed(nil, "%s 10 backup codes for %s; the earlier ones no longer work", verb, tui.Safe(m.user))
	}
	switch msg := msg.(type) {
	case spinner.TickMsg:
		return m.generating.Update(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch m.state {
	case stateShown:
		if key.Matches(msg, m.keys.Done) {
			clear(m.codes)
			m.codes = nil
			return tui.Back(m)
		}
	case stateAsk:
		if key.Matches(msg, m.keys.Generate) {
			return m.generate()
		}
		fallthrough
	default:
		if key.Matches(msg, m.keys.Back) && m.state != stateGenerating {
			return tui.Back(m)
		}
	}
	return nil
}

func (m *Model) View() string {
	s := m.c.Styles
	who := tui.Safe(m.user)
	switch m.state {
	case stateLoading:
		return ""
	case stateError:
		return "\n" + s.Danger.Render("✗ "+tui.Safe(m.err.Error())) + "\n\n" + s.Text.Render("Press esc to go back.")
	case stateGenerating:
		return "\n " + m.generating.Spinner() + s.Muted.Render(" generating…")
	case stateAsk:
		lines := []string{
			s.Title.Render("Backup codes for " + who),
			"",
			s.Text.Render("Ten single-use codes " + who + " can sign in with when their app or token is lost."),
		}
		if m.unused >= 0 {
			lines = append(lines, "",
				s.Warn.Render(fmt.Sprintf("! %s has %s. New codes replace them:", who, tui.Plural(m.unused, "unused backup code", "unused backup codes"))),
				s.Warn.Render("  the old ones stop working at once."))
		}
		lines = append(lines, "",
			s.Text.Render(m.storage(false)),
			"",
			s.Key.Render("enter")+s.Text.Render(" generate now    ")+s.Key.Render("esc")+s.Text.Render(" back, changing nothing"))
		return strings.Join(lines, "\n")
	}
	// stateShown
	var b strings.Builder
	for i := 0; i < len(m.codes); i += 2 {
		b.WriteString(fmt.Sprintf("  %2d.  %s", i+1, s.Code.Render(m.codes[i])))
		if i+1 < len(m.codes) {
			b.WriteString(fmt.Sprintf("      %2d.  %s", i+2, s.Code.Render(m.codes[i+1])))
		}
		b.WriteString("\n")
	}
	boxW := min(m.width, 78)
	inner := max(20, boxW-4)
	text := []string{"Write them down or print them, and hand them to " + who + ".",
		m.storage(true)}
	if m.unused >= 0 {
		text = append(text, "The earlier codes no longer work.")
	}
	warnLines := []string{s.Warn.Render("! Shown only now.")}
	for _, t := range text {
		for _, l := range tui.Wrap(t, inner) {
			warnLines = append(warnLines, s.Text.Render(l))
		}
	}
	warn := strings.Join(warnLines, "\n")
	return s.Title.Render("New backup codes for "+who) + "\n\n" + b.String() + "\n" +
		s.WarnBox.Width(boxW).Render(warn) + "\n\n" +
		s.Key.Render("enter") + s.Text.Render(" done, I have saved them (they are then cleared from the screen)")
}

func (m *Model) ShortHelp() []key.Binding {
	switch m.state {
	case stateShown:
		return []key.Binding{m.keys.Done}
	case stateAsk:
		return []key.Binding{m.keys.Generate, m.keys.Back}
	}
	return []key.Binding{m.keys.Back}
}

func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.keys.Generate, m.keys.Done, m.keys.Back}}
}
