package tokens

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/confirm"
	"github.com/two-factor/two-factor/views/importer"
)

// The keys of the list and the actions on the selected token: unassign
// and retire ask first (views/confirm); assign opens a prompt (assign.go).

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
		return tui.Push(importer.New(m.c))
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
		return tui.Push(m.unassignQuestion(d))
	case key.Matches(msg, k.Retire):
		if devices.TokenStateOf(d) == devices.TokenRetired {
			return tui.Status(tui.Info, "token %s is retired already", tui.Safe(d.Serial))
		}
		return tui.Push(m.retireQuestion(d))
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

func (m *Model) unassignQuestion(d *devices.Device) *confirm.Model {
	owner := tui.Safe(d.User)
	return confirm.New(m.c, confirm.Options{
		Title:    "Unassign token",
		Question: fmt.Sprintf("Take token %s back from %s?", tui.Safe(d.Serial), owner),
		Lines:    []string{Line(d)},
		Footer: fmt.Sprintf("It goes back to the inventory with its failures and last use cleared, ready for someone else. "+
			"If it is %s's only app or token, two-factor authentication will be off for them. The audit log keeps a record.", owner),
		Yes: "unassign " + tui.Safe(d.Serial),
		OnYes: m.changeCmd(fmt.Sprintf("token %s is back in the inventory (taken from %s)", tui.Safe(d.Serial), owner), func(svc tui.Service) error {
			return svc.UnassignToken(m.c.Ctx, d.Serial)
		}),
	})
}

func (m *Model) retireQuestion(d *devices.Device) *confirm.Model {
	lines := []string{Line(d)}
	assigned := devices.TokenStateOf(d) == devices.TokenAssigned
	if assigned {
		lines = append(lines, fmt.Sprintf("it is taken from %s, whose two-factor authentication may then be off", tui.Safe(d.User)))
	}
	done := "token " + tui.Safe(d.Serial) + " retired"
	if assigned {
		done += " (taken from " + tui.Safe(d.User) + ")"
	}
	return confirm.New(m.c, confirm.Options{
		Title:    "Retire token",
		Question: fmt.Sprintf("Retire token %s for good?", tui.Safe(d.Serial)),
		Lines:    lines,
		Footer:   "A retired token (lost, broken, flat battery) is never offered for assignment again. The audit log keeps a record.",
		Yes:      "retire " + tui.Safe(d.Serial),
		OnYes: m.changeCmd(done, func(svc tui.Service) error {
			return svc.RetireToken(m.c.Ctx, d.Serial)
		}),
	})
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
