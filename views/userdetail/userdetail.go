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

// Model is the user detail screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	user string

	load   *tui.Loader[*service.UserDetail]
	detail *service.UserDetail
	devs   *tui.List[*devices.Device] // detail's devices, in its order; the selection follows the id
	drift  map[int64][]devices.DriftSample
	policy devices.Policy

	width, height int
}

// New returns the detail screen of user.
func New(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user, load: tui.NewLoader[*service.UserDetail]()}
	m.devs = tui.NewList(c, tui.ListOptions[*devices.Device]{
		Key: func(d *devices.Device) string { return strconv.FormatInt(d.ID, 10) },
	})
	return m
}

// Select makes the device with id (when the user has it) the selection
// once the devices are loaded: a link from a token, an audit entry or the
// drift report lands on the device it was about.
func (m *Model) Select(id int64) *Model {
	if id != 0 {
		m.devs.Select(strconv.FormatInt(id, 10))
	}
	return m
}

func (m *Model) Title() string   { return tui.Safe(m.user) }
func (m *Model) Capturing() bool { return false }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.devs.SetHeight(m.tableHeight())
}

func (m *Model) Init() tea.Cmd { return m.reload() }

func (m *Model) reload() tea.Cmd {
	user, c := m.user, m.c
	return m.load.Load(func() (*service.UserDetail, error) { return c.Svc.UserDetail(c.Ctx, user) })
}

// setDetail takes a freshly read detail, indexing what rendering needs.
func (m *Model) setDetail(u *service.UserDetail) {
	m.detail, m.policy = u, u.Policy
	devs := make([]*devices.Device, len(u.Devices))
	m.drift = make(map[int64][]devices.DriftSample, len(u.Devices))
	for i := range u.Devices {
		devs[i] = u.Devices[i].Device
		m.drift[devs[i].ID] = u.Devices[i].History
	}
	m.devs.SetRows(devs)
}

// Selected returns the device under the cursor, or nil.
func (m *Model) Selected() *devices.Device {
	d, _ := m.devs.Selected()
	return d
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.load.Accept(msg); ok {
		switch {
		case r.Err == nil:
			m.setDetail(r.Value)
		case m.load.State() == tui.LoadReady: // a reload failed: keep what is shown
			return tui.Fail(r.Err)
		}
		return nil
	}
	switch msg := msg.(type) {
	case tui.ChangedMsg:
		return m.reload()
	case spinner.TickMsg:
		return m.load.Update(msg)
	case tui.AnswerMsg:
		if d := m.Selected(); d != nil && msg.ID == renameID && msg.Value != d.Name {
			return m.changeCmd(d, service.ActionRename, msg.Value)
		}
		return nil
	case tea.KeyPressMsg:
		if cmd, ok := m.devs.Update(msg); ok {
			return cmd
		}
		return m.normalKey(msg)
	}
	return nil
}

func (m *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		return tui.Back(m)
	case key.Matches(msg, k.Reload):
		return m.reload()
	case key.Matches(msg, k.Enroll):
		return m.open(tui.ScreenEnroll)
	case key.Matches(msg, k.Backup):
		return m.open(tui.ScreenBackupCodes)
	case key.Matches(msg, k.Token):
		return m.open(tui.ScreenTokenPicker)
	case key.Matches(msg, k.Program):
		return m.open(tui.ScreenBurn)
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
		if err := m.detail.Supports(service.OpSwitchDevice); err != nil {
			return func() tea.Msg { return tui.ErrorStatus(err) } // said before asking anything
		}
		if !d.Enabled {
			return m.changeCmd(d, service.ActionEnable, "")
		}
		if m.detail.TurnsOff(d.ID, service.ActionDisable) {
			return m.ask(d, service.ActionDisable, "Disable device", "disable it")
		}
		return m.changeCmd(d, service.ActionDisable, "")
	case key.Matches(msg, k.Unlock):
		if !needsUnlock(d) {
			return tui.Status(tui.Info, "%s has no failures to clear", tui.Safe(d.Name))
		}
		return m.changeCmd(d, service.ActionUnlock, "")
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

// ask confirms a, saying what it costs; when 2FA goes off is the
// service's rule (UserDetail.TurnsOff), not this screen's.
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
		OnYes:    m.changeCmd(d, a, ""),
	})
}

// changeCmd applies an action by device id, so a name that is not unique
// among the user's serials cannot pick the wrong device; the device stays
// selected across the reload that follows (the list follows its id).
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
		out = append(out, k.Rename)
		if m.detail.Supports(service.OpSwitchDevice) == nil {
			out = append(out, m.toggleHelp(d))
		}
		if needsUnlock(d) {
			out = append(out, k.Unlock)
		}
		if d.Kind.IsOTP() {
			out = append(out, k.Resync)
		}
		out = append(out, k.Remove)
	}
	if m.devs.Len() == 0 {
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

// deviceHelp is the full help's row of device actions: switching a device
// off or on only where the store can (not on a Django site).
func (m *Model) deviceHelp() []key.Binding {
	k := m.keys
	row := []key.Binding{k.Rename}
	if m.detail == nil || m.detail.Supports(service.OpSwitchDevice) == nil {
		row = append(row, tui.WithHelp(k.Toggle, "e/space", "enable or disable"))
	}
	return append(row, k.Unlock, k.Resync, k.Remove)
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom},
		m.deviceHelp(),
		{tui.WithHelp(k.Enroll, "n", "enroll a device"), tui.WithHelp(k.Token, "i", "give a token from the inventory"), tui.WithHelp(k.Program, "p", "program an NFC token"), k.Backup, k.Disable, k.Audit, k.Reload, k.Back},
	}
}
