package themes_test

import (
	"reflect"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui/tuitest"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]themes.Name{"": themes.Auto, "auto": themes.Auto, "Dark": themes.Dark, " light ": themes.Light, "high-contrast": themes.HighContrast} {
		got, err := themes.Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := themes.Parse("solarized"); err == nil {
		t.Error("an unknown theme is accepted")
	}
}

func TestChoice(t *testing.T) {
	cases := []struct {
		c    themes.Choice
		want string
		dark bool
	}{
		{themes.Choice{Name: themes.Auto, IsDark: true}, "dark", true},
		{themes.Choice{Name: themes.Auto, IsDark: false}, "light", false},
		{themes.Choice{Name: themes.Dark, IsDark: false}, "dark", true},
		{themes.Choice{Name: themes.Light, IsDark: true}, "light", false},
		{themes.Choice{Name: themes.HighContrast, IsDark: true}, "high-contrast", true},
		{themes.Choice{Name: themes.Dark, NoColor: true}, "no-color", true},
	}
	for _, tc := range cases {
		if got := tc.c.Palette().Name; got != tc.want {
			t.Errorf("%+v: palette %s, want %s", tc.c, got, tc.want)
		}
		if got := tc.c.Styles().DarkBackground; got != tc.dark {
			t.Errorf("%+v: dark background %v", tc.c, got)
		}
	}
}

// styles returns every lipgloss.Style in s, by field name.
func styles(s *themes.Styles) map[string]lipgloss.Style {
	out := map[string]lipgloss.Style{}
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			name := prefix + v.Type().Field(i).Name
			switch x := f.Interface().(type) {
			case lipgloss.Style:
				out[name] = x
			default:
				if f.Kind() == reflect.Struct {
					walk(name+".", f)
				}
			}
		}
	}
	walk("", reflect.ValueOf(s).Elem())
	return out
}

func TestNoColourStylesEmitNoColour(t *testing.T) {
	s := themes.Choice{Name: themes.HighContrast, NoColor: true}.Styles()
	all := styles(s)
	if len(all) < 30 {
		t.Fatalf("found only %d styles", len(all))
	}
	for name, st := range all {
		if out := st.Render("x"); tuitest.HasColour(out) {
			t.Errorf("%s renders colour: %q", name, out)
		}
	}
	if !s.Colourless {
		t.Error("not marked colourless")
	}
}

func TestColourThemesUseColour(t *testing.T) {
	for _, c := range []themes.Choice{{Name: themes.Dark}, {Name: themes.Light}, {Name: themes.HighContrast, IsDark: true}, {Name: themes.HighContrast}} {
		s := c.Styles()
		for _, name := range []string{"OK", "Warn", "Danger", "Title"} {
			if out := styles(s)[name].Render("x"); !tuitest.HasColour(out) {
				t.Errorf("%s %s: no colour in %q", c.Palette().Name, name, out)
			}
		}
	}
}

func TestHighContrastDimsNothing(t *testing.T) {
	for _, dark := range []bool{true, false} {
		p := themes.HighContrastPalette(dark)
		if p.Muted != p.FG {
			t.Errorf("dark=%v: muted text differs from body text", dark)
		}
	}
}

func TestHasColour(t *testing.T) {
	for s, want := range map[string]bool{
		"plain": false, "\x1b[1mbold\x1b[m": false, "\x1b[7mrev\x1b[0m": false,
		"\x1b[31mred": true, "\x1b[1;38;5;203mx": true, "\x1b[48;2;1;2;3mx": true, "\x1b[97mx": true,
	} {
		if got := tuitest.HasColour(s); got != want {
			t.Errorf("HasColour(%q) = %v", s, got)
		}
	}
}
