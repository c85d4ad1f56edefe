package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/themes"
)

// The frame: a header line, the screen's area, a status line and a help
// line. Below the minimum size the console says how large it must be.
const (
	chromeLines = 3
	MinWidth    = 50
	MinHeight   = 10
)

// Model is the root model: it owns the terminal, keeps the stack of open
// screens, opens routes, owns the prompt and delivers each screen's
// results to that screen.
type Model struct {
	c        *Common
	stack    []*entry
	lastID   int
	prompt   *prompt
	showHelp bool
	watch    watch
}

// entry is an open screen: its address and its status line. Stale marks
// a screen under the top that missed a change made by another process:
// it reloads when it is revealed.
type entry struct {
	id     int
	view   View
	status StatusMsg
	stale  bool
}

// New returns the root model with home as its first screen.
func New(c *Common, home View) *Model {
	m := &Model{c: c}
	m.stack = []*entry{m.newEntry(home)}
	return m
}

func (m *Model) newEntry(v View) *entry {
	m.lastID++
	return &entry{id: m.lastID, view: v}
}

// Common returns the shared context, for tests.
func (m *Model) Common() *Common { return m.c }

// Top returns the screen on top.
func (m *Model) Top() View { return m.top().view }

func (m *Model) top() *entry { return m.stack[len(m.stack)-1] }

// Depth is how many screens are open.
func (m *Model) Depth() int { return len(m.stack) }

// Prompting reports whether a prompt is waiting for an answer, for tests.
func (m *Model) Prompting() bool { return m.prompt != nil }

// find returns the open screen with address id, or nil.
func (m *Model) find(id int) *entry {
	for _, e := range m.stack {
		if e.id == id {
			return e
		}
	}
	return nil
}

func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.call(m.top(), m.top().view.Init), m.startWatch()}
	if m.c.Theme.Name == themes.Auto || m.c.Theme.Name == themes.HighContrast {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// call runs f on screen e and addresses the command it returns to e.
func (m *Model) call(e *entry, f func() tea.Cmd) tea.Cmd { return address(e.id, f()) }

// deliver gives msg to screen e only.
func (m *Model) deliver(e *entry, msg tea.Msg) tea.Cmd {
	return address(e.id, e.view.Update(msg))
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if a, ok := msg.(addressed); ok {
		return m, m.fromScreen(m.find(a.to), a.to, a.msg, true)
	}
	top := m.top()
	return m, m.fromScreen(top, top.id, msg, false)
}

// fromScreen handles msg produced by a command of the screen with address
// id (fromCmd; e is nil when that screen has been closed). Messages from
// outside any screen (keys, the terminal) are taken as from the screen on
// top.
func (m *Model) fromScreen(e *entry, id int, msg tea.Msg, fromCmd bool) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		for _, e := range m.stack {
			e.view.SetSize(m.areaSize())
		}
		return nil
	case tea.BackgroundColorMsg:
		// The styles change; text fields (tui.Input) restyle themselves
		// when next drawn, and screens still hear of it.
		m.c.SetDark(msg.IsDark())
		return m.broadcast(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg:
		if m.prompt != nil {
			return m.answer(msg)
		}
		return m.deliver(m.top(), msg)
	case PushMsg:
		if fromCmd && e == nil { // asked by a screen closed since
			return nil
		}
		return m.push(msg.View)
	case NavigateMsg:
		if fromCmd && e == nil {
			return nil
		}
		var reveal tea.Cmd
		if msg.Replace && e != nil && m.pop(e.view) {
			// The screen revealed asks in the closed one's place.
			id = m.top().id
			reveal = m.revealed() // the route may open no screen
		}
		return tea.Batch(reveal, address(id, m.c.Routes.open(m.c, msg.Route)))
	case BackMsg:
		if !m.pop(msg.From) {
			return nil
		}
		if msg.Status.Text != "" {
			m.setStatus(m.top(), msg.Status)
		}
		return m.revealed()
	case StatusMsg:
		m.setStatus(e, msg)
		return nil
	case WatchTickMsg:
		return m.readVersion()
	case storeVersionMsg:
		return m.versionRead(msg)
	case ChangedMsg:
		if msg.External { // another process: every status stays as it was
			return m.changedElsewhere()
		}
		owner := e
		if msg.Close != nil && m.pop(msg.Close) {
			owner = m.top()
		}
		m.setStatus(owner, StatusMsg{Text: msg.Status, Level: OK})
		return m.broadcast(msg)
	case askMsg:
		if e == nil { // the screen that asked has closed: no one to answer
			return nil
		}
		m.prompt = newPrompt(m.c, id, msg)
		m.showHelp = false
		return m.prompt.focus()
	}
	if !fromCmd {
		// Not a screen's result (a test's message, a future event
		// source): every screen may want it.
		return m.broadcast(msg)
	}
	if e == nil { // a result for a screen already closed
		if late, ok := msg.(lateAnswer); ok {
			late.discardLate()
		}
		return nil
	}
	return m.deliver(e, msg)
}

// key routes a key press: ctrl+c always quits; an open prompt takes every
// other key; while the screen takes text everything else is its own;
// otherwise ? and q are global.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.ForceQuit):
		return m.quit()
	case m.prompt != nil:
		return m.answer(msg)
	case m.showHelp:
		switch {
		case key.Matches(msg, k.Quit):
			return m.quit()
		case key.Matches(msg, k.Help, k.Back):
			m.showHelp = false
		}
		return nil
	case m.Top().Capturing():
		return m.deliver(m.top(), msg)
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.Quit):
		return m.quit()
	}
	return m.deliver(m.top(), msg)
}

// answer gives msg to the prompt and, once it is answered, gives the
// answer to the screen that asked.
func (m *Model) answer(msg tea.Msg) tea.Cmd {
	p := m.prompt
	out, cmd := p.update(msg)
	if out == pending {
		return cmd
	}
	m.prompt = nil
	asker := m.find(p.asker)
	if asker == nil {
		return nil
	}
	switch out {
	case answeredYes:
		return address(asker.id, p.confirm.OnYes)
	case answeredNo:
		m.setStatus(asker, StatusMsg{Text: "cancelled: nothing changed", Level: Info})
	case answeredLine:
		return m.deliver(asker, AnswerMsg{ID: p.line.ID, Value: p.value()})
	}
	return nil
}

func (m *Model) push(v View) tea.Cmd {
	if v == nil {
		return nil
	}
	m.top().status = StatusMsg{} // leaving a screen ends its status
	e := m.newEntry(v)
	m.stack = append(m.stack, e)
	m.showHelp = false
	v.SetSize(m.areaSize())
	return m.call(e, v.Init)
}

// pop closes from if it is on top (nil: the top) and reports whether it
// did; the home screen stays. A prompt asked by the closed screen goes
// with it.
func (m *Model) pop(from View) bool {
	if len(m.stack) < 2 || (from != nil && m.Top() != from) {
		return false
	}
	if m.prompt != nil && m.prompt.asker == m.top().id {
		m.prompt = nil
	}
	drop(m.Top())
	m.stack[len(m.stack)-1] = nil
	m.stack = m.stack[:len(m.stack)-1]
	m.showHelp = false
	return true
}

// quit closes every screen, top first, as the console ends.
func (m *Model) quit() tea.Cmd {
	for i := len(m.stack) - 1; i >= 0; i-- {
		drop(m.stack[i].view)
	}
	return tea.Quit
}

// drop tells a screen that closes, if it wants to know (Dropper).
func drop(v View) {
	if d, ok := v.(Dropper); ok {
		d.Drop()
	}
}

// changedElsewhere reloads the screen on top for a change another process
// made; the screens under it reload when they are revealed, not all at
// every commit.
func (m *Model) changedElsewhere() tea.Cmd {
	for _, e := range m.stack {
		e.stale = true
	}
	return m.revealed()
}

// revealed reloads the screen on top if it missed a change made
// elsewhere while it was covered.
func (m *Model) revealed() tea.Cmd {
	top := m.top()
	if !top.stale {
		return nil
	}
	top.stale = false
	return m.deliver(top, ChangedMsg{External: true})
}

// broadcast gives msg to every open screen: for what concerns them all
// (the store changed, the colours changed), never for a screen's results.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(ChangedMsg); ok { // every screen reloads now
		for _, e := range m.stack {
			e.stale = false
		}
	}
	cmds := make([]tea.Cmd, 0, len(m.stack))
	for _, e := range m.stack {
		cmds = append(cmds, m.deliver(e, msg))
	}
	return tea.Batch(cmds...)
}

// areaSize is the size of a screen's area inside the frame.
func (m *Model) areaSize() (int, int) {
	return m.c.Width, max(0, m.c.Height-chromeLines)
}
