package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/registry"
	"github.com/two-factor/two-factor/views/users"
)

// wantsConsole reports whether bare two-factor should open the console:
// only when both standard input and output are terminals, so pipes and
// scripts keep getting the help text.
func (a *app) wantsConsole() bool {
	out, ok := a.env.Stdout.(*os.File)
	return ok && a.env.IsTerminal() && term.IsTerminal(int(out.Fd()))
}

// runConsole opens the interactive console on the store (the default one,
// created on first use, or --db).
func (a *app) runConsole(cmd *cobra.Command) error {
	theme, err := a.consoleTheme(cmd)
	if err != nil {
		return err
	}
	svc, err := a.service(cmd)
	if err != nil {
		return err
	}
	choice := themes.Choice{
		Name:    theme,
		IsDark:  true, // until the terminal answers the background query
		NoColor: a.env.Getenv("NO_COLOR") != "",
	}
	// The burn screen waits for tokens through the service: on the first
	// reader a token is placed on, a minute at a time (r tries again).
	svc.Cards = a.cardSource(readerFlags{timeout: time.Minute})
	c := tui.NewCommon(cmd.Context(), svc, choice)
	// The registry is assembled here, once: screens name routes, and only
	// this start-up code knows every screen.
	c.Routes = registry.Routes()
	err = tui.Run(cmd.Context(), c, tui.RunOptions{
		Input:  a.env.Stdin,
		Output: a.env.Stdout,
		Home:   func(c *tui.Common) tui.View { return users.New(c) },
	})
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && cmd.Context().Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// consoleTheme is --theme when given, else $TWO_FACTOR_THEME, else auto:
// the flag wins so one run can differ from a user's usual setting.
func (a *app) consoleTheme(cmd *cobra.Command) (themes.Name, error) {
	if f := cmd.Flag("theme"); f == nil || !f.Changed {
		if v := a.env.Getenv("TWO_FACTOR_THEME"); v != "" {
			name, err := themes.Parse(v)
			if err != nil {
				return "", usageErrorf("$TWO_FACTOR_THEME: %w", err)
			}
			return name, nil
		}
	}
	name, err := themes.Parse(a.theme)
	if err != nil {
		return "", usage(err)
	}
	return name, nil
}

// themeFlagHelp describes --theme.
const themeFlagHelp = "console colours: auto (from the terminal's background), dark, light or high-contrast (default $TWO_FACTOR_THEME, else auto); NO_COLOR turns colour off"
