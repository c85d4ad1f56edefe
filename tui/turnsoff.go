package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/service"
)

// AskTurningOff asks the question build returns, telling it whether the
// change (action on user's device id) would turn the user's two-factor
// authentication off. The answer comes from a fresh read and from the
// service's one rule (UserDetail.TurnsOff), never from what a screen
// happens to have loaded, so every screen warns alike.
func AskTurningOff(c *Common, user string, id int64, action service.DeviceAction, build func(turnsOff bool) Confirm) tea.Cmd {
	return func() tea.Msg {
		u, err := c.Svc.UserDetail(c.Ctx, user)
		if err != nil {
			return ErrorStatus(err)
		}
		return Ask(build(u.TurnsOff(id, action)))()
	}
}
