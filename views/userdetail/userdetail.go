// Package userdetail shows one user's devices: kind, name, serial and
// model, whether each is confirmed and enabled, its tolerance, drift (with
// a sparkline of its history), failures and throttling, and last use. The
// selected device can be renamed, enabled or disabled, unlocked,
// resynchronised or removed.
package userdetail

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/audit"
	"github.com/two-factor/two-factor/views/backupcodes"
	"github.com/two-factor/two-factor/views/confirm"
	"github.com/two-factor/two-factor/views/disable"
	"github.com/two-factor/two-factor/views/enroll"
	"github.com/two-factor/two-factor/views/resync"
	"github.com/two-factor/two-factor/views/tokens"
)

type mode int

const (
	modeNormal mode = iota
	modeRename
)

// Model is the user detail screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	user string
	mode mode

	load   *tui.Loader[*service.UserDetail]
	detail *service.UserDetail
	devs   *tui.List[*devices.Device] // detail's devices, in its order; the selection follows the id
	drift  map[int64][]devices.DriftSample
	policy devices.Policy

	rename        *tui.Input
	width, height int
}

// New returns the detail screen of user.
func New(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user, load: tui.NewLoader[*service.UserDetail]()}
	m.devs = tui.NewList(c, tui.ListOptions[*devices.Device]{
		Key: func(d *devices.Device) string { return strconv.FormatInt(d.ID, 10) },
	})
	m.rename = tui.NewInput(c, "New name: ", "")
	m.rename.CharLimit = devices.MaxNameLen
	return m
}

func (m *Model) Title() string   { return tui.Safe(m.user) }
func (m *Model) Capturing() bool { return m.mode == modeRename }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.rename.SetWidth(max(10, w-14))
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
			return func() tea.Msg { return tui.ErrorStatus(r.Err) }
		}
		return nil
	}
	switch msg := msg.(type) {
	case tui.ChangedMsg:
		return m.reload()
	case spinner.TickMsg:
		return m.load.Update(msg)
	case tea.PasteMsg:
		if m.mode == modeRename {
			return m.rename.Update(msg)
		}
	case tea.KeyPressMsg:
		if m.mode == modeRename {
			return m.renameKey(msg)
		}
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
		return tui.Push(enroll.New(m.c, m.user))
	case key.Matches(msg, k.Backup):
		return tui.Push(backupcodes.New(m.c, m.user))
	case key.Matches(msg, k.Token):
		return tui.Push(tokens.NewPicker(m.c, m.user))
	case key.Matches(msg, k.Disable):
		return disable.Start(m.c, m.user)
	case key.Matches(msg, k.Audit):
		return tui.Push(audit.New(m.c, m.user))
	}
	d := m.Selected()
	if d == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.Rename):
		m.mode = modeRename
		m.rename.SetValue(d.Name)
		m.rename.CursorEnd()
		return m.rename.Focus()
	case key.Matches(msg, k.Toggle):
		if d.Enabled {
			return m.changeCmd(d, service.ActionDisable, "")
		}
		return m.changeCmd(d, service.ActionEnable, "")
	case key.Matches(msg, k.Unlock):
		if !needsUnlock(d) {
			return tui.Status(tui.Info, "%s has no failures to clear", tui.Safe(d.Name))
		}
		return m.changeCmd(d, service.ActionUnlock, "")
	case key.Matches(msg, k.Resync):
		if !d.Kind.IsOTP() {
			return tui.Status(tui.Info, "backup codes cannot be resynchronised")
		}
		return tui.Push(resync.New(m.c, m.user, d))
	case key.Matches(msg, k.Remove):
		return tui.Push(confirm.New(m.c, confirm.Options{
			Title:    "Remove device",
			Question: fmt.Sprintf("Remove this device of %s?", tui.Safe(m.user)),
			Lines:    []string{disable.DeviceLine(d)},
			Footer:   m.removeConsequence(d),
			Yes:      "remove it",
			OnYes:    m.changeCmd(d, service.ActionRemove, ""),
		}))
	}
	return nil
}

// removeConsequence warns when removing the device turns 2FA off.
func (m *Model) removeConsequence(d *devices.Device) string {
	active := 0
	for _, o := range m.devs.Rows() {
		if o.Kind.IsOTP() && o.Confirmed && o.Enabled {
			active++
		}
	}
	if d.Kind.IsOTP() && d.Confirmed && d.Enabled && active == 1 {
		return fmt.Sprintf("It is %s's only active app or token: two-factor authentication will be off for them.", tui.Safe(m.user))
	}
	return "The audit log keeps a record."
}

func (m *Model) renameKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeNormal
		m.rename.Blur()
		return nil
	case key.Matches(msg, m.keys.Save):
		d := m.Selected()
		name := strings.TrimSpace(m.rename.Value())
		if err := devices.ValidateName("device name", name); err != nil {
			return func() tea.Msg { return tui.ErrorStatus(err) }
		}
		m.mode = modeNormal
		m.rename.Blur()
		if d == nil || name == d.Name {
			return nil
		}
		return m.changeCmd(d, service.ActionRename, name)
	}
	return m.rename.Update(msg)
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
	if m.mode == modeRename {
		return []key.Binding{k.Save, k.Cancel}
	}
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

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom},
		{k.Rename, tui.WithHelp(k.Toggle, "e/space", "enable or disable"), k.Unlock, k.Resync, k.Remove},
		{tui.WithHelp(k.Enroll, "n", "enroll a device"), tui.WithHelp(k.Token, "i", "give a token from the inventory"), k.Backup, k.Disable, k.Audit, k.Reload, k.Back},
	}
}
