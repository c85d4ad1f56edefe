// Package userdetail shows one user's devices: kind, name, serial and
// model, whether each is confirmed and enabled, its tolerance, drift (with
// a sparkline of its history), failures and throttling, and last use. The
// selected device can be renamed, enabled or disabled, unlocked,
// resynchronised or removed.
package userdetail

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

type state int

const (
	stateLoading state = iota
	stateReady
	stateError
)

// Model is the user detail screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	user string
	spin spinner.Model

	state state
	err   error
	gen   int

	detail *service.UserDetail
	devs   []*devices.Device // detail's devices, in its order
	drift  map[int64][]devices.DriftSample
	policy devices.Policy
	cursor tui.ListCursor
	keepID int64

	width, height int
}

// New returns the detail screen of user.
func New(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	return m
}

// Select makes the device with id (when the user has it) the selection
// once the devices are loaded: a link from the drift report lands on the
// device it was about.
func (m *Model) Select(id int64) *Model {
	m.keepID = id
	return m
}

func (m *Model) Title() string    { return tui.Safe(m.user) }
func (m *Model) Capturing() bool  { return false }
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

func (m *Model) Init() tea.Cmd { return tea.Batch(m.load(), m.spin.Tick) }

func (m *Model) load() tea.Cmd {
	m.gen++
	gen, user, c := m.gen, m.user, m.c
	return func() tea.Msg {
		detail, err := c.Svc.UserDetail(c.Ctx, user)
		return loadedMsg{user: user, gen: gen, detail: detail, err: err}
	}
}

// setDetail takes a freshly read detail, indexing what rendering needs.
func (m *Model) setDetail(u *service.UserDetail) {
	m.detail, m.policy = u, u.Policy
	m.devs = make([]*devices.Device, len(u.Devices))
	m.drift = make(map[int64][]devices.DriftSample, len(u.Devices))
	for i := range u.Devices {
		m.devs[i] = u.Devices[i].Device
		m.drift[m.devs[i].ID] = u.Devices[i].History
	}
}

// Selected returns the device under the cursor, or nil.
func (m *Model) Selected() *devices.Device {
	if m.cursor.Index < 0 || m.cursor.Index >= len(m.devs) {
		return nil
	}
	return m.devs[m.cursor.Index]
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.gen != m.gen {
			return nil
		}
		if msg.err != nil {
			m.state, m.err = stateError, msg.err
			return nil
		}
		m.state = stateReady
		m.setDetail(msg.detail)
		m.reselect()
		return nil
	case tui.AnswerMsg:
		if d := m.Selected(); d != nil && msg.ID == renameID && msg.Value != d.Name {
			return m.change(d, service.ActionRename, msg.Value)
		}
		return nil
	case tui.ChangedMsg:
		if d := m.Selected(); d != nil {
			m.keepID = d.ID
		}
		return m.load()
	case spinner.TickMsg:
		if m.state != stateLoading {
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		return m.normalKey(msg)
	}
	return nil
}

func (m *Model) reselect() {
	if m.keepID != 0 {
		for i, d := range m.devs {
			if d.ID == m.keepID {
				m.cursor.Index = i
			}
		}
		m.keepID = 0
	}
	m.cursor.Clamp(len(m.devs), m.tableHeight())
}

func (m *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.cursor.Move(msg, k.GlobalKeyMap, len(m.devs), m.tableHeight()) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return tui.Back(m)
	case key.Matches(msg, k.Reload):
		return m.load()
	case key.Matches(msg, k.Enroll):
		return m.open(tui.ScreenEnroll)
	case key.Matches(msg, k.Backup):
		return m.open(tui.ScreenBackupCodes)
	case key.Matches(msg, k.Token):
		return m.open(tui.ScreenTokenPicker)
	case key.Matches(msg, k.Disable):
		return m.open(tui.ScreenDisable2FA)
	case key.Matches(msg, k.Audit):
		return m.open(tui.ScreenAudit)
	}
	d := m.Selected()
	if d == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.Rename):
		return tui.AskLine(tui.Line{
			ID: renameID, Prompt: "New name for " + tui.Quoted(d.Name) + ": ", Value: d.Name,
			CharLimit: devices.MaxNameLen,
			Check:     func(name string) error { return devices.ValidateName("device name", name) },
		})
	case key.Matches(msg, k.Toggle):
		if d.Enabled {
			return m.askIfTurnsOff(d, service.ActionDisable, "Disable device", "disable it")
		}
		return m.change(d, service.ActionEnable, "")
	case key.Matches(msg, k.Unlock):
		if !needsUnlock(d) {
			return tui.Status(tui.Info, "%s has no failures to clear", tui.Safe(d.Name))
		}
		return m.change(d, service.ActionUnlock, "")
	case key.Matches(msg, k.Resync):
		if !d.Kind.IsOTP() {
			return tui.Status(tui.Info, "backup codes cannot be resynchronised")
		}
		return tui.Navigate(tui.Route{Screen: tui.ScreenResync, User: m.user, Device: d.ID})
	case key.Matches(msg, k.Remove):
		return m.ask(d, service.ActionRemove, "Remove device", "remove it")
	}
	return nil
}

// renameID marks the answer to the rename prompt.
const renameID = "rename"

func (m *Model) open(s tui.Screen) tea.Cmd {
	return tui.Navigate(tui.Route{Screen: s, User: m.user})
}

// askIfTurnsOff applies a, asking first when it would turn the user's
// two-factor authentication off.
func (m *Model) askIfTurnsOff(d *devices.Device, a service.DeviceAction, title, yes string) tea.Cmd {
	if !m.detail.TurnsOff(d.ID, a) {
		return m.change(d, a, "")
	}
	return m.ask(d, a, title, yes)
}

// ask confirms a, saying what it costs; the rule for when 2FA goes off is
// the service's (UserDetail.TurnsOff).
func (m *Model) ask(d *devices.Device, a service.DeviceAction, title, yes string) tea.Cmd {
	who := tui.Safe(m.user)
	verb := map[service.DeviceAction]string{service.ActionDisable: "Disable", service.ActionRemove: "Remove"}[a]
	footer := "The audit log keeps a record."
	if m.detail.TurnsOff(d.ID, a) {
		footer = fmt.Sprintf("It is %s's only active app or token: two-factor authentication will be off for %s.", who, who)
	}
	return tui.Ask(tui.Confirm{
		Title:    title,
		Question: fmt.Sprintf("%s this device of %s?", verb, who),
		Lines:    []string{tui.DeviceLine(d)},
		Footer:   footer,
		Yes:      yes,
		OnYes:    m.change(d, a, ""),
	})
}

func (m *Model) change(d *devices.Device, a service.DeviceAction, arg string) tea.Cmd {
	m.keepID = d.ID
	return m.changeCmd(d, a, arg)
}

// changeCmd applies an action by device id, so a name that is not unique
// among the user's serials cannot pick the wrong device.
func (m *Model) changeCmd(d *devices.Device, a service.DeviceAction, arg string) tea.Cmd {
	c, user, id, name := m.c, m.user, strconv.FormatInt(d.ID, 10), d.Name
	return func() tea.Msg {
		_, err := c.Svc.ChangeDevice(c.Ctx, user, id, a, arg)
		if err != nil {
			return tui.ErrorStatus(err)
		}
		done := map[service.DeviceAction]string{
			service.ActionEnable:  "enabled %s",
			service.ActionDisable: "disabled %s",
			service.ActionUnlock:  "unlocked %s",
			service.ActionRemove:  "removed %s",
			service.ActionRename:  "renamed %s",
		}[a]
		text := fmt.Sprintf(done, tui.Quoted(name))
		if a == service.ActionRename {
			text += " to " + tui.Quoted(arg)
		}
		return tui.ChangedMsg{Status: text}
	}
}

func needsUnlock(d *devices.Device) bool { return d.LockedOut || d.Failures > 0 }

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	out := []key.Binding{}
	if d := m.Selected(); d != nil {
		out = append(out, k.Rename, m.toggleHelp(d))
		if needsUnlock(d) {
			out = append(out, k.Unlock)
		}
		if d.Kind.IsOTP() {
			out = append(out, k.Resync)
		}
		out = append(out, k.Remove)
	}
	if len(m.devs) == 0 {
		out = append(out, k.Enroll, tui.WithHelp(k.Token, "i", "token"))
	} else {
		out = append(out, k.Enroll)
	}
	return append(out, k.Backup, k.Disable, k.Back)
}

func (m *Model) toggleHelp(d *devices.Device) key.Binding {
	if d.Enabled {
		return tui.WithHelp(m.keys.Toggle, "e", "disable")
	}
	return tui.WithHelp(m.keys.Toggle, "e", "enable")
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom},
		{k.Rename, tui.WithHelp(k.Toggle, "e/space", "enable or disable"), k.Unlock, k.Resync, k.Remove},
		{tui.WithHelp(k.Enroll, "n", "enroll a device"), tui.WithHelp(k.Token, "i", "give a token from the inventory"), k.Backup, k.Disable, k.Audit, k.Reload, k.Back},
	}
}
