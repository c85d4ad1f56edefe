package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/nfc/pcsc"
	"github.com/two-factor/two-factor/service"
)

// batchPoll is how long one look for a token lasts in a batch: short, so
// that an empty reader is noticed (and a token put back is taken again).
const batchPoll = 500 * time.Millisecond

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
	if a.env.IsTerminal() {
		go func() { // Ctrl-D ends the batch
			for {
				if _, err := a.lines().readLine(); err != nil {
					stop()
					return
				}
			}
		}()
	}
	log := &batchLog{out: progressOut(cmd, bf.asJSON), Programmed: []map[string]any{}, Failed: []map[string]any{}}
	fmt.Fprintln(log.out, "Place the tokens on the reader one after another, each switched on; take each off when its line appears.")
	last := "" // the token just done, until it leaves the reader
	for bf.count == 0 || len(log.Programmed) < bf.count {
		card, serial, err := a.nextToken(ctx, svc, bf.readerFlags, last)
		if ctx.Err() != nil {
			fmt.Fprintln(log.out, "Stopped.")
			break
		}
		if errors.Is(err, nfc.ErrCardTimeout) {
			fmt.Fprintf(log.out, "No new token within %s: stopping.\n", bf.timeout)
			break
		}
		if err != nil {
			return withAdvice(stepReader, err)
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

// nextToken waits for a readable token other than the one just done
// (last, which the admin may not have taken off yet) and returns it with
// its serial. An empty reader forgets last, so a token
// taken off and put back is taken again.
func (a *app) nextToken(ctx context.Context, svc *service.Service, rf readerFlags, last string) (*pcsc.Card, string, error) {
	deadline := time.Now().Add(rf.timeout)
	for {
		card, err := pcsc.Connect(ctx, pcsc.Options{Socket: a.pcscSocket(), Reader: rf.reader, Timeout: batchPoll})
		if errors.Is(err, nfc.ErrCardTimeout) {
			last = ""
			if time.Now().After(deadline) {
				return nil, "", err
			}
			continue
		}
		if err != nil {
			return nil, "", err
		}
		// A token that cannot be read yet (one just taken off, which
		// pcscd has not noticed) is waited out like the one just done.
		serial := serialOf(svc.ReadToken(ctx, card))
		if serial != "" && serial != last {
			return card, serial, nil
		}
		card.Close()
		if time.Now().After(deadline) {
			return nil, "", nfc.ErrCardTimeout
		}
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(batchPoll):
		}
	}
}

// serialOf is the serial a token reported, also when the reading or
// programming failed after it (an *nfc.StepError carries it).
func serialOf(tok *service.TokenOnReader, err error) string {
	if tok != nil {
		return tok.Info.Serial
	}
	var se *nfc.StepError
	if errors.As(err, &se) {
		return se.Serial
	}
	return ""
}
