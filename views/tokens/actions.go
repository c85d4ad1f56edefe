package tokens

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// The keys of the list and the actions on the selected token: unassign
// and retire ask first (the root's prompt, saying when the owner's 2FA
// goes off); assign opens a prompt (assign.go); o opens the owner.

func (m *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		return tui.Back(m)
	case key.Matches(msg, k.All):
		m.show = 1 - m.show
		m.list.SetView(m.inView)
		if m.show == ShowAll {
			return tui.Status(tui.Info, "showing every token in service, with its owner")
		}
		return tui.Status(tui.Info, "showing the inventory: unassigned tokens only")
	case key.Matches(msg, k.Retired):
		m.showRetired = !m.showRetired
		m.list.SetView(m.inView)
		if m.showRetired {
			return tui.Status(tui.Info, "showing retired tokens too")
		}
		return tui.Status(tui.Info, "retired tokens hidden")
	case key.Matches(msg, k.Reload):
		return m.reload()
	case key.Matches(msg, k.Import):
		return tui.Navigate(tui.Route{Screen: tui.ScreenImport})
	case m.forUser == "" && key.Matches(msg, k.Program):
		return tui.Navigate(tui.Route{Screen: tui.ScreenBurn})
	case key.Matches(msg, k.Identify):
		return m.startIdentify()
	}
	d := m.Selected()
	if d == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.Assign), m.forUser != "" && key.Matches(msg, k.Open):
		if why := notAssignable(d); why != "" {
			return tui.Status(tui.Info, "%s", why)
		}
		if m.forUser != "" {
			return m.assignTo(d.Serial, m.forUser)
		}
		return m.openAssign(d.Serial)
	case key.Matches(msg, k.Unassign):
		if devices.TokenStateOf(d) != devices.TokenAssigned {
			return tui.Status(tui.Info, "token %s is not assigned to anyone", tui.Safe(d.Serial))
		}
		return tui.AskTurningOff(m.c, d.User, d.ID, service.ActionRemove, m.unassignQuestion(d))
	case key.Matches(msg, k.Retire):
		if devices.TokenStateOf(d) == devices.TokenRetired {
			return tui.Status(tui.Info, "token %s is retired already", tui.Safe(d.Serial))
		}
		if devices.TokenStateOf(d) == devices.TokenAssigned {
			return tui.AskTurningOff(m.c, d.User, d.ID, service.ActionRemove, m.retireQuestion(d))
		}
		return tui.Ask(m.retireQuestion(d)(false))
	case key.Matches(msg, k.Owner):
		if d.User == "" {
			return tui.Status(tui.Info, "token %s is not assigned to anyone", tui.Safe(d.Serial))
		}
		return tui.Navigate(tui.Route{Screen: tui.ScreenUser, User: d.User, Device: d.ID})
	}
	return nil
}

// notAssignable says why a token cannot be given to anyone, or "".
func notAssignable(d *devices.Device) string {
	switch devices.TokenStateOf(d) {
	case devices.TokenRetired:
		return fmt.Sprintf("token %s is retired and cannot be assigned", tui.Safe(d.Serial))
	case devices.TokenAssigned:
		return fmt.Sprintf("token %s belongs to %s; press u to take it back first", tui.Safe(d.Serial), tui.Safe(d.User))
	}
	return ""
}

// Line describes a token for a confirmation, safely.
func Line(d *devices.Device) string {
	what := tui.Safe(d.KindLabel()) + " serial " + tui.Safe(d.Serial)
	if maker := strings.TrimSpace(d.Manufacturer + " " + d.Model); maker != "" {
		what += " (" + tui.Safe(maker) + ")"
	}
	return what + fmt.Sprintf(", device %d", d.ID)
}

// offLine names what taking a token away costs its owner.
func offLine(owner string) string {
	return fmt.Sprintf("It is %s's only active app or token: two-factor authentication will be off for %s.", owner, owner)
}

func (m *Model) unassignQuestion(d *devices.Device) func(turnsOff bool) tui.Confirm {
	owner := tui.Safe(d.User)
	return func(turnsOff bool) tui.Confirm {
		footer := "It goes back to the inventory with its failures and last use cleared, ready for someone else. "
		if turnsOff {
			footer += offLine(owner) + " "
		}
		return tui.Confirm{
			Title:    "Unassign token",
			Question: fmt.Sprintf("Take token %s back from %s?", tui.Safe(d.Serial), owner),
			Lines:    []string{Line(d)},
			Footer:   footer + "The audit log keeps a record.",
			Yes:      "unassign " + tui.Safe(d.Serial),
			OnYes: m.changeCmd(fmt.Sprintf("token %s is back in the inventory (taken from %s)", tui.Safe(d.Serial), owner), func(svc tui.Service) error {
				return svc.UnassignToken(m.c.Ctx, d.Serial)
			}),
		}
	}
}

func (m *Model) retireQuestion(d *devices.Device) func(turnsOff bool) tui.Confirm {
	return func(turnsOff bool) tui.Confirm {
		lines := []string{Line(d)}
		assigned := devices.TokenStateOf(d) == devices.TokenAssigned
		done := "token " + tui.Safe(d.Serial) + " retired"
		if assigned {
			lines = append(lines, fmt.Sprintf("it is taken from %s", tui.Safe(d.User)))
			done += " (taken from " + tui.Safe(d.User) + ")"
		}
		if turnsOff {
			lines = append(lines, offLine(tui.Safe(d.User)))
		}
		return tui.Confirm{
			Title:    "Retire token",
			Question: fmt.Sprintf("Retire token %s for good?", tui.Safe(d.Serial)),
			Lines:    lines,
			Footer:   "A retired token (lost, broken, flat battery) is never offered for assignment again. The audit log keeps a record.",
			Yes:      "retire " + tui.Safe(d.Serial),
			OnYes: m.changeCmd(done, func(svc tui.Service) error {
				return svc.RetireToken(m.c.Ctx, d.Serial)
			}),
		}
	}
}

// changeCmd runs a change to one token and reports done, already safe.
func (m *Model) changeCmd(done string, fn func(tui.Service) error) tea.Cmd {
	svc := m.c.Svc
	return func() tea.Msg {
		if err := fn(svc); err != nil {
			return tui.ErrorStatus(err)
		}
		return tui.ChangedMsg{Status: done}
	}
}
