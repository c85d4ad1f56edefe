package tui_test

import (
	"testing"

	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

// A field follows the theme when the background colour becomes known,
// with no screen passing tea.BackgroundColorMsg on to it.
func TestInputFollowsTheTheme(t *testing.T) {
	th := themes.Choice{Name: themes.Auto, IsDark: true}
	c := &tui.Common{Theme: th, Styles: th.Styles(), Keys: tui.DefaultGlobalKeyMap()}
	in := tui.NewInput(c, "/ ", "type to filter")
	dark := in.View()
	c.SetDark(false)
	light := in.View()
	if dark == light {
		t.Fatalf("the field kept its dark styles on a light background: %q", light)
	}
	c.SetDark(true)
	if again := in.View(); again != dark {
		t.Fatalf("back on dark: %q, want %q", again, dark)
	}
}
