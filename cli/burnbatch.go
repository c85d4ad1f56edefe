package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/service"
)

// burnBatch programs tokens for the inventory until --count, Ctrl-C, end
// of input on a terminal, or no new token within --timeout.
func (a *app) burnBatch(cmd *cobra.Command, svc *service.Service, bf burnFlags) error {
	switch {
	case bf.count < 0:
		return usageErrorf("--count must be 0 (no limit) or more, got %d", bf.count)
	case bf.opt.Name != "" || bf.opt.CreateUser:
		return usageErrorf("--name and --create-user are for a user's token; a batch names each token by its serial")
	case bf.timeout <= 0:
		return usageErrorf("--timeout must be positive, got %s", bf.timeout)
	}
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	if a.env.IsTerminal() { // Ctrl-D ends the batch
		wait := watchEndOfInput(ctx, a.env.Stdin, stop)
		defer func() { stop(); wait() }() // the watch ends with the batch
	}
	svc.Cards = a.cardSource(bf.readerFlags)
	log := &batchLog{out: progressOut(cmd, bf.asJSON), Programmed: []map[string]any{}, Failed: []map[string]any{}}
	fmt.Fprintln(log.out, "Place the tokens on the reader one after another, each switched on; take each off when its line appears.")
	last := "" // the token just done, until it leaves the reader
	for bf.count == 0 || len(log.Programmed) < bf.count {
		card, serial, err := svc.NextToken(ctx, last, bf.timeout)
		if ctx.Err() != nil {
			fmt.Fprintln(log.out, "Stopped.")
			break
		}
		if errors.Is(err, nfc.ErrCardTimeout) {
			fmt.Fprintf(log.out, "No new token within %s: stopping.\n", bf.timeout)
			break
		}
		if err != nil {
			return err
		}
		t, err := svc.BurnForInventory(ctx, card, bf.opt)
		card.Close()
		last = serial // done, well or not: not taken again until it leaves
		switch {
		case err == nil:
			log.ok(t)
		case errors.Is(err, nfc.ErrNoDaemon) || errors.Is(err, nfc.ErrNoReader):
			return err // nothing more can be done: the reader stack is gone
		default:
			log.fail(serial, err)
		}
	}
	fmt.Fprintf(log.out, "Done: %d programmed and recorded unassigned, %d failed.\n", len(log.Programmed), len(log.Failed))
	if bf.asJSON {
		if err := printJSON(cmd.OutOrStdout(), map[string]any{"programmed": log.Programmed, "failed": log.Failed, "count": len(log.Programmed)}); err != nil {
			return err
		}
	}
	if len(log.Failed) > 0 {
		return silentExit(ExitRejected) // the log names each failed token and what to do
	}
	return nil
}
