package themes

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Styles is every style the console uses, derived from one palette by New.
// Views never build colours of their own.
type Styles struct {
	Palette Palette
	// Colourless is true for the NO_COLOR theme: views must then say
	// everything with words and symbols (they always do; this is for
	// tests and the QR code).
	Colourless bool
	// DarkBackground says which way round the terminal is, for drawing
	// the QR code light-on-dark or dark-on-light when colour is off.
	DarkBackground bool

	Header     lipgloss.Style // the top line
	AppName    lipgloss.Style // "two-factor" in the header
	Crumb      lipgloss.Style // the breadcrumb of open screens
	HeaderInfo lipgloss.Style // the store path on the right

	Title   lipgloss.Style // a heading inside a screen
	Text    lipgloss.Style // body text
	Muted   lipgloss.Style // secondary text
	Key     lipgloss.Style // a key named in prose ("press a to add")
	Strong  lipgloss.Style // emphasis
	OK      lipgloss.Style // good news and "enabled"
	Warn    lipgloss.Style // caution and "throttled"
	Danger  lipgloss.Style // errors and "locked out"
	Code    lipgloss.Style // secrets, URIs, codes to copy
	Spinner lipgloss.Style

	TableHeader lipgloss.Style // column names
	Selected    lipgloss.Style // the row under the cursor (with a "›" marker as well)

	StatusInfo  lipgloss.Style
	StatusOK    lipgloss.Style
	StatusError lipgloss.Style

	WarnBox   lipgloss.Style // a framed caution (backup codes shown once)
	DangerBox lipgloss.Style // a framed destructive question
	Panel     lipgloss.Style // a framed detail panel

	// QR is applied to each line of a QR code: light modules white and
	// dark ones black whatever the terminal's colours, when colour is on.
	QR lipgloss.Style

	Help  help.Styles
	Input textinput.Styles
}

func fg(s lipgloss.Style, c color.Color) lipgloss.Style {
	if c == nil {
		return s
	}
	return s.Foreground(c)
}

func bg(s lipgloss.Style, c color.Color) lipgloss.Style {
	if c == nil {
		return s
	}
	return s.Background(c)
}

// New derives the styles from a palette. A palette without colours gives
// styles that emit no colour sequences at all, only bold and reverse.
func New(p Palette) *Styles {
	plain := lipgloss.NewStyle()
	bold := plain.Bold(p.Bold)
	colourless := p.Primary == nil
	s := &Styles{Palette: p, Colourless: colourless, DarkBackground: true}

	s.Header = plain
	s.AppName = fg(plain.Bold(true), p.Primary)
	s.Crumb = fg(plain, p.FG)
	s.HeaderInfo = fg(plain, p.Muted)

	s.Title = fg(plain.Bold(true), p.Primary)
	s.Text = fg(plain, p.FG)
	s.Muted = fg(plain, p.Muted)
	s.Key = fg(plain.Bold(true), p.Primary)
	s.Strong = fg(plain.Bold(true), p.FG)
	s.OK = fg(bold, p.OK)
	s.Warn = fg(bold, p.Warn)
	s.Danger = fg(plain.Bold(true), p.Danger)
	s.Code = fg(plain, p.FG)
	s.Spinner = fg(plain, p.Primary)

	s.TableHeader = fg(plain.Bold(true), p.Muted)
	if colourless {
		s.Selected = plain.Reverse(true)
	} else {
		s.Selected = bg(fg(plain.Bold(true), p.FG), p.BG)
	}

	s.StatusInfo = fg(plain, p.FG)
	s.StatusOK = fg(plain.Bold(true), p.OK)
	s.StatusError = fg(plain.Bold(true), p.Danger)

	box := plain.Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.WarnBox = box.BorderForeground(orDefault(p.Warn))
	s.DangerBox = box.BorderForeground(orDefault(p.Danger))
	s.Panel = box.BorderForeground(orDefault(p.Muted))
	if colourless {
		s.WarnBox, s.DangerBox, s.Panel = box, box.Border(lipgloss.ThickBorder()), box
	}

	if !colourless {
		s.QR = plain.Foreground(lipgloss.Color("#ffffff")).Background(lipgloss.Color("#000000"))
	}

	s.Help = help.Styles{
		ShortKey:       fg(plain.Bold(true), p.Primary),
		ShortDesc:      fg(plain, p.Muted),
		ShortSeparator: fg(plain, p.Muted),
		Ellipsis:       fg(plain, p.Muted),
		FullKey:        fg(plain.Bold(true), p.Primary),
		FullDesc:       fg(plain, p.FG),
		FullSeparator:  fg(plain, p.Muted),
	}
	if p.Muted == p.FG || colourless {
		s.Help.ShortDesc = plain
	}

	s.Input = textinput.Styles{
		Focused: textinput.StyleState{
			Prompt:      fg(plain.Bold(true), p.Primary),
			Text:        fg(plain, p.FG),
			Placeholder: fg(plain, p.Muted),
			Suggestion:  fg(plain, p.Muted),
		},
		Blurred: textinput.StyleState{
			Prompt:      fg(plain, p.Muted),
			Text:        fg(plain, p.Muted),
			Placeholder: fg(plain, p.Muted),
			Suggestion:  fg(plain, p.Muted),
		},
		Cursor: textinput.CursorStyle{Color: p.Primary, Shape: tea.CursorBlock, Blink: false},
	}
	return s
}

// orDefault keeps a nil colour from reaching BorderForeground.
func orDefault(c color.Color) color.Color {
	if c == nil {
		return lipgloss.NoColor{}
	}
	return c
}
