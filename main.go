// Command two-factor administers two-factor authentication for an
// organisation: users, authenticator apps, hardware tokens and backup codes
// in an embedded encrypted store. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"

	"golang.org/x/term"

	"github.com/two-factor/two-factor/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Execute(ctx, os.Args[1:], cli.Env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		IsTerminal: func() bool { return term.IsTerminal(int(os.Stdin.Fd())) },
	})
	stop()
	os.Exit(code)
}
