// Package burn programs Token2 NFC tokens from the console: one for a
// user (options, wait for the token on the reader, programming, then the
// code the token shows confirms and records it), or box after box for the
// inventory (each recorded unassigned under its serial). The reader is
// reached through the service (tui.BurnOps), never from here.
package burn

import (
	"context"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

type step int

const (
	stepOptions     step = iota // name, hash, step
	stepWaiting                 // for a token on the reader (spinner; esc stops)
	stepProgramming             // writing it (spinner; not interruptible)
	stepCode                    // the code the token shows
	stepConfirming              // checking that code
	stepFault                   // what went wrong and what to do
)

// found is a token on the reader, with the plan it is burned for (a
// user's) or its serial (a batch's).
type found struct {
	plan   *service.BurnPlan
	card   service.Card
	serial string
}

// programmed is the result of a write: a user's pending burn or a
// batch's recorded token.
type programmed struct {
	pb     *service.PendingBurn
	burned *service.BurnedToken
}

// Model is the burn screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	user string // "" for a batch for the inventory

	step  step
	opts  *options
	stop  context.CancelFunc // ends the wait for a token
	wait  *tui.Loader[found]
	write *tui.Loader[programmed]

	pb    *service.PendingBurn // programmed, not recorded yet
	first *tui.FirstCode       // the code the token shows, and its check
	note  string               // the verdict on the last code, or why the wait stopped
	bad   bool
	err   error // the fault shown

	batch batchLog

	width, height int
}

// New returns the screen that programs a token for user.
func New(c *tui.Common, user string) *Model { return newModel(c, user) }

// NewBatch returns the screen that programs tokens for the inventory.
func NewBatch(c *tui.Common) *Model { return newModel(c, "") }

func newModel(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user, opts: newOptions(c, user != ""),
		wait: tui.NewLoader[found](), write: tui.NewLoader[programmed]()}
	// A token connected after the admin stopped waiting is released at
	// once: pcscd holds it exclusively for whoever connected.
	m.wait.OnDiscard(func(f found) {
		if f.card != nil {
			f.card.Close()
		}
	})
	// A token written after the screen moved on is never confirmed: its
	// seed is wiped.
	m.write.OnDiscard(func(p programmed) {
		if p.pb != nil {
			p.pb.Discard()
		}
	})
	m.first = tui.NewFirstCode(c, "token", "the 6 digits the token shows",
		"That code is not right. Switch the token off and on and type the new code it shows.")
	return m
}

func (m *Model) Title() string {
	if m.user == "" {
		return "Program tokens"
	}
	return "Program a token"
}

// Capturing is true everywhere but on a fault: q must not quit the
// console while a token is being written, and names and codes are typed.
func (m *Model) Capturing() bool { return m.step != stepFault }

func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

func (m *Model) Init() tea.Cmd { return m.opts.focusCmd() }

// Pending returns the token programmed and not yet recorded, for tests.
func (m *Model) Pending() *service.PendingBurn { return m.pb }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.wait.Accept(msg); ok {
		if m.step == stepWaiting {
			return m.arrived(r.Value, r.Err)
		}
		if r.Value.card != nil { // unused: release the token
			r.Value.card.Close()
		}
	}
	if r, ok := m.write.Accept(msg); ok {
		if m.step == stepProgramming {
			return m.written(r.Value, r.Err)
		}
		if r.Value.pb != nil { // unused: wipe its seed
			r.Value.pb.Discard()
		}
	}
	if r, ok := m.first.Check.Accept(msg); ok && m.step == stepConfirming {
		return m.verified(r.Value, r.Err)
	}
	switch msg := msg.(type) {
	case spinner.TickMsg:
		return tea.Batch(m.wait.Update(msg), m.write.Update(msg), m.first.Check.Update(msg))
	case tea.PasteMsg:
		return m.input(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Cancel) {
		return m.cancel()
	}
	switch m.step {
	case stepOptions:
		switch {
		case key.Matches(msg, k.Start):
			return m.start()
		case key.Matches(msg, k.Next):
			return m.opts.move(1)
		case key.Matches(msg, k.Prev):
			return m.opts.move(-1)
		case !m.opts.typing() && key.Matches(msg, k.Toggle):
			m.opts.toggle()
			return nil
		}
		return m.opts.update(msg)
	case stepCode:
		if key.Matches(msg, k.Confirm) {
			return m.confirm()
		}
		return m.first.Input.Update(msg)
	case stepFault:
		if key.Matches(msg, k.Retry) {
			return m.start()
		}
	}
	return nil
}

func (m *Model) input(msg tea.Msg) tea.Cmd {
	switch m.step {
	case stepOptions:
		return m.opts.update(msg)
	case stepCode:
		return m.first.Input.Update(msg)
	}
	return nil
}

// cancel is esc: it stops a wait (back to the options), gives up a token
// programmed but not confirmed (its seed is wiped: it must be burned
// again), and otherwise leaves the screen. A write in progress is never
// interrupted: a half-written token is worse than a wait.
func (m *Model) cancel() tea.Cmd {
	switch m.step {
	case stepWaiting:
		m.stopWaiting()
		if m.user == "" && m.batch.total() > 0 {
			return m.batchDone()
		}
		m.step, m.note, m.bad = stepOptions, "Stopped waiting; nothing was written.", false
		return m.opts.focusCmd()
	case stepProgramming, stepConfirming:
		if m.user == "" {
			m.batch.stopping = true // after this token
		}
		return nil
	case stepCode:
		serial := m.pb.Serial
		m.forget()
		return tui.BackWith(m, tui.Error, "token %s was programmed but not recorded: burn it again before handing it out", tui.Safe(serial))
	}
	if m.user == "" && m.batch.total() > 0 {
		return m.batchDone()
	}
	return tui.Back(m)
}

// stopWaiting cancels the wait for a token; a token connected meanwhile
// is released (OnDiscard).
func (m *Model) stopWaiting() {
	if m.stop != nil {
		m.stop()
		m.stop = nil
	}
	m.wait.Cancel()
}

// Drop is the screen closing, however it closes: the wait for a token
// stops, and a token programmed but not confirmed has its seed wiped (a
// write still under way is wiped when it ends, by the write's OnDiscard).
func (m *Model) Drop() {
	m.stopWaiting()
	m.forget()
}

// forget wipes the pending burn's seed.
func (m *Model) forget() {
	if m.pb != nil {
		m.pb.Discard()
		m.pb = nil
	}
	m.first.Input.Reset()
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.step {
	case stepOptions:
		if m.user == "" && m.batch.total() > 0 {
			return []key.Binding{k.Next, k.Toggle, tui.WithHelp(k.Start, "enter", "go on"), tui.WithHelp(k.Cancel, "esc", "finish")}
		}
		return []key.Binding{k.Next, k.Toggle, k.Start, tui.WithHelp(k.Cancel, "esc", "back")}
	case stepWaiting:
		return []key.Binding{tui.WithHelp(k.Cancel, "esc", "stop waiting")}
	case stepCode:
		return []key.Binding{k.Confirm, tui.WithHelp(k.Cancel, "esc", "give up (burn it again later)")}
	case stepFault:
		return []key.Binding{k.Retry, tui.WithHelp(k.Cancel, "esc", "back")}
	}
	return nil
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Next, k.Prev, k.Toggle, k.Start}, {k.Confirm, k.Retry, k.Cancel}}
}
