// Package themes turns a small semantic palette into the styles the
// console draws with. A theme is chosen by name (auto, dark, light,
// high-contrast); auto follows the terminal's background colour, which the
// console asks the terminal for, so it also works over SSH. With NO_COLOR
// every style is colourless and the console tells status by words and
// symbols alone.
package themes

import (
	"fmt"
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// Name selects a theme.
type Name string

const (
	Auto         Name = "auto"          // dark or light from the terminal's background
	Dark         Name = "dark"          // for dark backgrounds
	Light        Name = "light"         // for light backgrounds
	HighContrast Name = "high-contrast" // maximum contrast, no dim text
)

// Names lists the accepted theme names, for flag help.
var Names = []Name{Auto, Dark, Light, HighContrast}

// Parse checks a theme name; the empty string means Auto.
func Parse(s string) (Name, error) {
	n := Name(strings.ToLower(strings.TrimSpace(s)))
	if n == "" {
		return Auto, nil
	}
	for _, k := range Names {
		if n == k {
			return n, nil
		}
	}
	return "", fmt.Errorf("unknown theme %q (choose auto, dark, light or high-contrast)", s)
}

// Palette is the handful of semantic colours a theme is made of. A nil
// colour means "the terminal's own".
type Palette struct {
	Name    string
	Primary color.Color // titles, keys, the selected row
	Muted   color.Color // secondary text: column headers, help descriptions
	OK      color.Color // enabled, accepted, saved
	Warn    color.Color // throttled, drifting, shown once
	Danger  color.Color // locked out, errors, destructive prompts
	FG      color.Color // body text
	BG      color.Color // background of the selected row
	// Bold makes titles, keys and status words bold: the high-contrast
	// and colourless themes lean on weight instead of hue.
	Bold bool
}

// DarkPalette suits dark backgrounds; the colours sit in the 256-colour
// cube so they look the same when downsampled.
func DarkPalette() Palette {
	return Palette{
		Name:    string(Dark),
		Primary: lipgloss.Color("#87afff"),
		Muted:   lipgloss.Color("#8a8a8a"),
		OK:      lipgloss.Color("#87d787"),
		Warn:    lipgloss.Color("#ffd75f"),
		Danger:  lipgloss.Color("#ff5f5f"),
		FG:      lipgloss.Color("#e4e4e4"),
		BG:      lipgloss.Color("#303a4e"),
	}
}

// LightPalette suits light backgrounds.
func LightPalette() Palette {
	return Palette{
		Name:    string(Light),
		Primary: lipgloss.Color("#005fd7"),
		Muted:   lipgloss.Color("#626262"),
		OK:      lipgloss.Color("#007f00"),
		Warn:    lipgloss.Color("#875f00"),
		Danger:  lipgloss.Color("#d70000"),
		FG:      lipgloss.Color("#1c1c1c"),
		BG:      lipgloss.Color("#d7e3ff"),
	}
}

// HighContrastPalette uses pure black or white text and the brightest
// hues, with nothing dimmed.
func HighContrastPalette(isDark bool) Palette {
	if isDark {
		return Palette{
			Name:    string(HighContrast),
			Primary: lipgloss.Color("#00ffff"),
			Muted:   lipgloss.Color("#ffffff"),
			OK:      lipgloss.Color("#00ff00"),
			Warn:    lipgloss.Color("#ffff00"),
			Danger:  lipgloss.Color("#ff5555"),
			FG:      lipgloss.Color("#ffffff"),
			BG:      lipgloss.Color("#0000aa"),
			Bold:    true,
		}
	}
	return Palette{
		Name:    string(HighContrast),
		Primary: lipgloss.Color("#0000af"),
		Muted:   lipgloss.Color("#000000"),
		OK:      lipgloss.Color("#005f00"),
		Warn:    lipgloss.Color("#5f0087"),
		Danger:  lipgloss.Color("#af0000"),
		FG:      lipgloss.Color("#000000"),
		BG:      lipgloss.Color("#ffff5f"),
		Bold:    true,
	}
}

// PlainPalette has no colour at all, for NO_COLOR.
func PlainPalette() Palette { return Palette{Name: "no-color", Bold: true} }

// Choice is everything that decides the styles.
type Choice struct {
	Name    Name
	IsDark  bool // the terminal's background, for Auto and HighContrast
	NoColor bool // NO_COLOR was set (to any non-empty value)
}

// Palette returns the palette the choice stands for.
func (c Choice) Palette() Palette {
	switch {
	case c.NoColor:
		return PlainPalette()
	case c.Name == Dark:
		return DarkPalette()
	case c.Name == Light:
		return LightPalette()
	case c.Name == HighContrast:
		return HighContrastPalette(c.IsDark)
	case c.IsDark:
		return DarkPalette()
	}
	return LightPalette()
}

// DarkBackground reports whether the chosen theme draws for a dark
// background (what the QR code's orientation depends on).
func (c Choice) DarkBackground() bool {
	switch c.Name {
	case Dark:
		return true
	case Light:
		return false
	}
	return c.IsDark
}

// Styles builds the styles for the choice.
func (c Choice) Styles() *Styles {
	s := New(c.Palette())
	s.DarkBackground = c.DarkBackground()
	return s
}
