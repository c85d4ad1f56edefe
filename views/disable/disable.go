// Package disable asks before the two destructive actions on a whole
// user: turning their two-factor authentication off (every device goes)
// and removing the user. The question (the root's prompt) lists exactly
// what will be removed. Screens reach these through their routes
// (tui.ScreenDisable2FA, tui.ScreenRemoveUser).
package disable

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// Start loads the devices disabling would remove (all of them; on a Django
// site the confirmed ones) and asks whether to remove them.
func Start(c *tui.Common, user string) tea.Cmd {
	return func() tea.Msg {
		ds, err := c.Svc.DisableRemoves(c.Ctx, user)
		if err != nil {
			return tui.ErrorStatus(err)
		}
		name := tui.Safe(user)
		if len(ds) == 0 {
			return tui.StatusMsg{Text: name + " has no devices: two-factor authentication is already off", Level: tui.Info}
		}
		lines := make([]string, len(ds))
		for i, d := range ds {
			lines[i] = tui.DeviceLine(d)
		}
		return tui.Ask(tui.Confirm{
			Title:    "Disable 2FA",
			Question: fmt.Sprintf("Disable two-factor authentication for %s? This removes:", name),
			Lines:    lines,
			Footer: fmt.Sprintf("%s will then sign in without a second factor until a new device is enrolled. "+
				"Their backup codes stop working too. The audit log keeps a record.", name),
			Yes:   "disable 2FA and remove " + tui.Plural(len(ds), "device", "devices"),
			OnYes: disableCmd(c, user),
		})()
	}
}

func disableCmd(c *tui.Common, user string) tea.Cmd {
	return func() tea.Msg {
		counts, err := c.Svc.Disable(c.Ctx, []string{user})
		if err != nil {
			return tui.ErrorStatus(err)
		}
		return tui.ChangedMsg{Status: fmt.Sprintf("%s: two-factor authentication disabled, %s removed",
			tui.Safe(user), tui.Plural(counts[0], "device", "devices"))}
	}
}

// StartRemoveUser loads the user's devices and asks whether to remove the
// user with all of them.
func StartRemoveUser(c *tui.Common, user string) tea.Cmd {
	return func() tea.Msg {
		if err := c.Svc.Supports(c.Ctx, service.OpRemoveUser); err != nil {
			return tui.ErrorStatus(err) // a Django site's users are the site's own
		}
		ds, err := c.Svc.Devices(c.Ctx, user)
		if err != nil {
			return tui.ErrorStatus(err)
		}
		name := tui.Safe(user)
		lines := []string{fmt.Sprintf("the user %s", name)}
		for _, d := range ds {
			lines = append(lines, tui.DeviceLine(d))
		}
		return tui.Ask(tui.Confirm{
			Title:    "Remove user",
			Question: fmt.Sprintf("Remove %s and all their devices? This removes:", name),
			Lines:    lines,
			Footer:   "The audit log keeps a record. To keep the user but turn their second factor off, use D (disable 2FA) instead.",
			Yes:      "remove " + name,
			OnYes:    removeCmd(c, user, len(ds)),
		})()
	}
}

func removeCmd(c *tui.Common, user string, n int) tea.Cmd {
	return func() tea.Msg {
		err := c.Svc.RemoveUser(c.Ctx, user)
		if err != nil {
			return tui.ErrorStatus(err)
		}
		return tui.ChangedMsg{Status: fmt.Sprintf("removed %s and %s", tui.Safe(user), tui.Plural(n, "device", "devices"))}
	}
}
