package cli

import (
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/termsafe"
	"github.com/two-factor/two-factor/themes"
)

// completionBusyWait is how long completion waits for a store another
// process is writing: a shell's tab key must not hang for the minute a
// command waits.
const completionBusyWait = 300 * time.Millisecond

// completions are the words a shell may offer: those starting with what
// was typed, and only words that are plain text. A name holding a control
// character, newline or tab (stored by another tool) is left out rather
// than escaped: an escaped word would not name it, and a raw one could
// reach the terminal or break the completion protocol's lines.
func completions(words []string, typed string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, typed) && w != "" && termsafe.Clean(w) == w && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// completeFrom adapts a lister of words from the store into a completion
// function. It opens the store read-only and quietly offers nothing when
// there is none (or it cannot be read): completion never creates a store
// or a key file and never prints an error into the command line.
func (a *app) completeFrom(list func(cmd *cobra.Command, svc *service.Service, args []string) ([]string, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
		a.completing = true
		svc, err := a.open(cmd.Context(), false)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		words, err := list(cmd, svc, args)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completions(words, typed), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeArgs completes each position with its own completion function
// (nil: nothing to offer); positions past the end repeat the last when
// repeat is set (status USER...).
func completeArgs(repeat bool, byPosition ...cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
		i := len(args)
		if i >= len(byPosition) && repeat {
			i = len(byPosition) - 1
		}
		if i >= len(byPosition) || byPosition[i] == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return byPosition[i](cmd, args, typed)
	}
}

func fixedWords(words ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
		return completions(words, typed), cobra.ShellCompDirectiveNoFileComp
	}
}

func (a *app) completeUsers() cobra.CompletionFunc {
	return a.completeFrom(func(cmd *cobra.Command, svc *service.Service, _ []string) ([]string, error) {
		users, err := svc.AllUsers(cmd.Context())
		names := make([]string, len(users))
		for i, u := range users {
			names[i] = u.Name
		}
		return names, err
	})
}

// completeDevices offers the devices (names and serials) of the user typed
// as the first argument.
func (a *app) completeDevices() cobra.CompletionFunc {
	return a.completeFrom(func(cmd *cobra.Command, svc *service.Service, args []string) ([]string, error) {
		if len(args) == 0 {
			return nil, nil
		}
		ds, err := svc.Devices(cmd.Context(), args[0])
		var words []string
		for _, d := range ds {
			words = append(words, d.Name)
			if d.Serial != "" {
				words = append(words, d.Serial)
			}
		}
		return words, err
	})
}

// completeSerials offers the serials of tokens in service.
func (a *app) completeSerials() cobra.CompletionFunc {
	return a.completeFrom(func(cmd *cobra.Command, svc *service.Service, _ []string) ([]string, error) {
		toks, err := svc.Tokens(cmd.Context(), db.TokenFilter{})
		serials := make([]string, len(toks))
		for i, t := range toks {
			serials[i] = t.Serial
		}
		return serials, err
	})
}

func themeNames() []string {
	names := make([]string, len(themes.Names))
	for i, n := range themes.Names {
		names[i] = string(n)
	}
	return names
}

// importFormats are the --format values import takes (seedfile.ParseFormat
// accepts each, and aliases not offered here).
var importFormats = []string{"auto", "azure", "oathcsv", "pskc", "otpauth", "csv"}

// registerCompletion attaches completion to every command that takes user
// names, device names, serials, setting keys or a --format or --theme value.
func (a *app) registerCompletion(root *cobra.Command) {
	users, devs, serials := a.completeUsers(), a.completeDevices(), a.completeSerials()
	settings := fixedWords(devices.SettingKeys()...)
	byPath := map[string]cobra.CompletionFunc{
		"two-factor assign":         completeArgs(false, serials, users),
		"two-factor backup-codes":   completeArgs(false, users),
		"two-factor config get":     completeArgs(false, settings),
		"two-factor config set":     completeArgs(false, settings),
		"two-factor device disable": completeArgs(false, users, devs),
		"two-factor device enable":  completeArgs(false, users, devs),
		"two-factor device list":    completeArgs(false, users),
		"two-factor device rename":  completeArgs(false, users, devs),
		"two-factor device rm":      completeArgs(false, users, devs),
		"two-factor device show":    completeArgs(false, users, devs),
		"two-factor device unlock":  completeArgs(false, users, devs),
		"two-factor disable":        completeArgs(true, users),
		"two-factor enroll":         completeArgs(false, users),
		"two-factor resync":         completeArgs(false, users),
		"two-factor retire":         completeArgs(false, serials),
		"two-factor status":         completeArgs(true, users),
		"two-factor unassign":       completeArgs(false, serials),
		"two-factor user rm":        completeArgs(false, users),
		"two-factor verify":         completeArgs(false, users),
	}
	flags := map[string]map[string]cobra.CompletionFunc{
		"two-factor":        {"theme": fixedWords(themeNames()...)},
		"two-factor audit":  {"user": users},
		"two-factor export": {"format": fixedWords("pskc", "csv")},
		"two-factor import": {"format": fixedWords(importFormats...)},
		"two-factor resync": {"device": devs},
		"two-factor verify": {"device": devs},
	}
	for _, c := range commandTree(root) {
		if f, ok := byPath[c.CommandPath()]; ok {
			c.ValidArgsFunction = f
		}
		for flag, f := range flags[c.CommandPath()] {
			_ = c.RegisterFlagCompletionFunc(flag, f) // the flags are declared above: cannot fail
		}
	}
}

// commandTree is c and every command below it.
func commandTree(c *cobra.Command) []*cobra.Command {
	all := []*cobra.Command{c}
	for _, s := range c.Commands() {
		all = append(all, commandTree(s)...)
	}
	return all
}
