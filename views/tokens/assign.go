package tokens

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
)

// maxSuggestions bounds the user names offered under the assign prompt.
const maxSuggestions = 50

// assignPrompt asks whom to give a token to, offering the names of the
// users that start with what is typed.
type assignPrompt struct {
	input  *tui.Input
	serial string   // the token the prompt is for
	names  []string // sorted user names, for suggestions; nil until loaded
	lookup *tui.Loader[[]string]
	run    *tui.Loader[assignment] // an assignment on its way to the store
}

// assignment is a token given to a user; close (when not nil) is the
// screen to close once it is done.
type assignment struct {
	serial, user string
	close        tui.View
}

func newAssignPrompt(c *tui.Common) assignPrompt {
	in := tui.NewInput(c, "", "user name")
	in.CharLimit = devices.MaxNameLen
	in.ShowSuggestions = true
	return assignPrompt{input: in, lookup: tui.NewLoader[[]string](), run: tui.NewLoader[assignment]()}
}

// Update turns the spinner of a running assignment.
func (p *assignPrompt) Update(msg tea.Msg) tea.Cmd { return p.run.Update(msg) }

// pending: an assignment is on its way to the store.
func (p *assignPrompt) pending() bool { return p.run.Busy() }

// openAssign opens the prompt for serial and fetches the names it offers.
func (m *Model) openAssign(serial string) tea.Cmd {
	a := &m.assign
	m.mode, a.serial = modeAssign, serial
	a.input.Prompt = "Assign " + tui.Safe(serial) + " to: "
	a.input.SetValue("")
	m.suggest()
	svc, ctx := m.c.Svc, m.c.Ctx
	return tea.Batch(a.input.Focus(), a.lookup.Load(func() ([]string, error) {
		us, err := svc.AllUsers(ctx)
		names := make([]string, len(us))
		for i := range us {
			names[i] = us[i].Name
		}
		slices.Sort(names)
		return names, err
	}))
}

// assignTo gives the token to user; the picker closes once it is done.
func (m *Model) assignTo(serial, user string) tea.Cmd {
	a := assignment{serial: serial, user: user}
	if m.forUser != "" {
		a.close = m
	}
	c := m.c
	return m.assign.run.Load(func() (assignment, error) {
		return a, c.Svc.AssignToken(c.Ctx, serial, user)
	})
}

// assignResult takes the names for suggestions and the outcome of an
// assignment; ok is false for any other message.
func (m *Model) assignResult(msg tea.Msg) (tea.Cmd, bool) {
	a := &m.assign
	if r, ok := a.lookup.Accept(msg); ok {
		if r.Err == nil { // otherwise no suggestions; the store still checks the name
			a.names = r.Value
			m.suggest()
		}
		return nil, true
	}
	r, ok := a.run.Accept(msg)
	if !ok {
		return nil, false
	}
	if r.Err != nil { // the prompt stays open so the name can be corrected
		return tui.Fail(assignError(r.Value.serial, r.Err)), true
	}
	if m.mode == modeAssign {
		m.closePrompt()
	}
	m.list.Select(r.Value.serial)
	return tui.Changed(r.Value.close, "token %s assigned to %s: active at once", tui.Safe(r.Value.serial), tui.Safe(r.Value.user)), true
}

// assignError explains a refused assignment; an unknown user is the
// common case and gets its own advice.
func assignError(serial string, err error) error {
	var nf *db.NotFoundError
	if errors.As(err, &nf) && nf.What == "user" {
		return unknownUser(nf.Name)
	}
	return fmt.Errorf("token %s: %w", serial, err)
}

func unknownUser(name string) error {
	return fmt.Errorf("no user named %s: check the spelling, or add them on the users screen (esc, then a) and assign again", tui.Quoted(name))
}

func (m *Model) closePrompt() {
	m.mode = modeNormal
	m.assign.input.Blur()
}

func (m *Model) assignKey(msg tea.Msg) tea.Cmd {
	a := &m.assign
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.keys.Cancel):
			m.closePrompt() // an assignment on its way still lands and is reported

			return nil
		case key.Matches(k, m.keys.Submit):
			return m.submitAssign()
		}
	}
	if a.pending() {
		return nil
	}
	cmd := a.input.Update(msg)
	m.suggest()
	return cmd
}

func (m *Model) submitAssign() tea.Cmd {
	a := &m.assign
	if a.pending() {
		return nil
	}
	name := strings.TrimSpace(a.input.Value())
	if name == "" {
		return tui.Status(tui.Error, "type the name of the user to give token %s to", tui.Safe(a.serial))
	}
	if a.names != nil {
		if _, ok := slices.BinarySearch(a.names, name); !ok {
			return tui.Fail(unknownUser(name))
		}
	}
	return m.assignTo(a.serial, name)
}

// suggest offers the user names that start with what is typed.
func (m *Model) suggest() {
	a := &m.assign
	typed := a.input.Value()
	if a.names == nil || typed == "" {
		a.input.SetSuggestions(nil)
		return
	}
	i, _ := slices.BinarySearch(a.names, typed)
	j := i
	for j < len(a.names) && j-i < maxSuggestions && strings.HasPrefix(a.names[j], typed) {
		j++
	}
	a.input.SetSuggestions(a.names[i:j])
}
