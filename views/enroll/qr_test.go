package enroll_test

import (
	"testing"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/qrtext/qrtest"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/enroll"
	"github.com/two-factor/two-factor/views/users"
)

// TestQRScans decodes the QR code in the rendered screen, escapes and all,
// as a dark and a light terminal would show it: with colour it scans on
// both whatever background the console believes in (detection can fail);
// under NO_COLOR it scans on the background it was drawn for, and i
// inverts it for the other one, because without colour nothing can make
// one drawing scan on both.
func TestQRScans(t *testing.T) {
	zbar := qrtest.Zbarimg(t)
	dark, light := qrtest.Dark, qrtest.Light
	for _, c := range []struct {
		name   string
		theme  themes.Choice
		invert bool
		scans  []qrtest.Terminal
	}{
		{"colour, believed dark", themes.Choice{Name: themes.Auto, IsDark: true}, false, qrtest.Both},
		{"colour, believed light", themes.Choice{Name: themes.Auto, IsDark: false}, false, qrtest.Both},
		{"no colour, dark", themes.Choice{Name: themes.Auto, IsDark: true, NoColor: true}, false, []qrtest.Terminal{dark}},
		{"no colour, light", themes.Choice{Name: themes.Light, NoColor: true}, false, []qrtest.Terminal{light}},
		{"no colour, wrongly believed dark, inverted", themes.Choice{Name: themes.Auto, IsDark: true, NoColor: true}, true, []qrtest.Terminal{light}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := tuitest.NewEnv(t)
			e.AddUser(t, "carol")
			cm := e.Common(120, 40, c.theme)
			a := tuitest.NewApp(cm, users.New(cm))
			m := enroll.New(cm, "carol")
			a.Send(tui.PushMsg{View: m})
			a.Run(m.Start(fixed(t, e, "carol", devices.TOTP)))
			if c.invert {
				a.Keys("i")
			}
			lines := qrtest.Lines(a.Root.Render())
			for _, term := range c.scans {
				got, err := qrtest.Decode(t, zbar, t.TempDir(), lines, term)
				if err != nil || got != m.URI() {
					t.Errorf("on a %s terminal: %q %v\n%s", term.Name, got, err, a.Frame())
				}
			}
		})
	}
}
