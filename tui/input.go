package tui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/themes"
)

// Input is a one-line text field in the theme's colours. It is the one
// place text fields are built, and the one place they follow a change of
// theme: the root replaces Common.Styles when the terminal's background
// colour becomes known, and an Input restyles itself the next time it is
// drawn, so no screen handles tea.BackgroundColorMsg for its fields.
type Input struct {
	textinput.Model
	c      *Common
	styled *themes.Styles // the styles the field was last given
}

// NewInput returns a field with a prompt and a placeholder, unfocused.
func NewInput(c *Common, prompt, placeholder string) *Input {
	in := &Input{Model: textinput.New(), c: c}
	in.Prompt = prompt
	in.Placeholder = placeholder
	in.restyle()
	return in
}

func (in *Input) restyle() {
	if in.styled != in.c.Styles {
		in.styled = in.c.Styles
		in.SetStyles(in.c.Styles.Input)
	}
}

// Update feeds the field a key or a paste.
func (in *Input) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	in.Model, cmd = in.Model.Update(msg)
	return cmd
}

// View draws the field in the current theme.
func (in *Input) View() string {
	in.restyle()
	return in.Model.View()
}

// Reset empties the field and takes the focus from it.
func (in *Input) Reset() {
	in.SetValue("")
	in.Blur()
}
