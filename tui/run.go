package tui

import (
	"context"
	"io"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// RunOptions are what Run needs besides the shared context.
type RunOptions struct {
	Input  io.Reader // nil: the terminal
	Output io.Writer // nil: the terminal
	// Home builds the first screen.
	Home func(*Common) View
}

// Run shows the console until the user quits. With NO_COLOR the program
// is pinned to the colourless profile as well as the colourless theme, so
// nothing (not even a library's default style) can emit a colour.
func Run(ctx context.Context, c *Common, opt RunOptions) error {
	m := New(c, opt.Home(c))
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opt.Input != nil {
		opts = append(opts, tea.WithInput(opt.Input))
	}
	if opt.Output != nil {
		opts = append(opts, tea.WithOutput(opt.Output))
	}
	if c.Theme.NoColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, opts...).Run()
	return err
}
