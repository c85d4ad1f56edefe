// Package tui is the console's frame: the root model that owns the screen,
// the contract every screen in views/ implements, the context they share,
// the global keys and the messages screens use to navigate and report.
// It imports no screen; views import it.
package tui

import (
	"context"
	"time"

	"github.com/two-factor/two-factor/themes"
)

// Common is the context every screen shares. The root model owns it and
// replaces Styles when the terminal's background colour becomes known;
// screens read it when they render and never keep copies of its fields.
type Common struct {
	Ctx    context.Context
	Svc    Service
	Theme  themes.Choice
	Styles *themes.Styles
	Keys   GlobalKeyMap
	Now    func() time.Time
	// Zone is the time zone times are shown in: the machine's unless the
	// caller pins one. Passed here rather than set in time.Local, which
	// would change it for the whole process.
	Zone *time.Location
	// Location names the store in the header (its path).
	Location string
	// Routes opens what NavigateMsg names; assembled at start-up by the
	// code that builds the console (views/registry).
	Routes Routes
	// Width and Height are the terminal's size; screens get the size of
	// their own area through SetSize.
	Width, Height int
	// WatchEvery is how often the root checks whether another process
	// changed the store; zero turns the watch off (tests driven step by
	// step).
	WatchEvery time.Duration
}

// NewCommon builds the shared context for a service and theme choice.
func NewCommon(ctx context.Context, svc Service, theme themes.Choice) *Common {
	return &Common{
		Ctx:        ctx,
		Svc:        svc,
		Theme:      theme,
		Styles:     theme.Styles(),
		Keys:       DefaultGlobalKeyMap(),
		Now:        svc.Clock(),
		Zone:       time.Local,
		Location:   svc.Location(),
		WatchEvery: DefaultWatchEvery,
	}
}

// SetDark re-derives the styles for a dark or light background.
func (c *Common) SetDark(isDark bool) {
	c.Theme.IsDark = isDark
	c.Styles = c.Theme.Styles()
}
