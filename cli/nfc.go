package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/nfc/pcsc"
	"github.com/two-factor/two-factor/service"
)

// readerFlags are the flags of every command that talks to a token.
type readerFlags struct {
	reader  string
	timeout time.Duration
}

func (r *readerFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.reader, "reader", "", "NFC reader to use: its name or a part of it (default: the first reader a token is placed on)")
	cmd.Flags().DurationVar(&r.timeout, "timeout", time.Minute, "how long to wait for a token on the reader")
}

// pcscSocket is pcscd's socket: $PCSCLITE_CSOCK_NAME, as libpcsclite
// honours it, else the system default.
func (a *app) pcscSocket() string { return a.env.Getenv("PCSCLITE_CSOCK_NAME") }

// cardSource reaches tokens through pcscd on the reader rf names, for the
// service's batch and the console.
func (a *app) cardSource(rf readerFlags) service.CardSource {
	socket := a.pcscSocket()
	return func(ctx context.Context, wait time.Duration) (service.Card, error) {
		if wait == 0 {
			wait = rf.timeout
		}
		card, err := pcsc.Connect(ctx, pcsc.Options{Socket: socket, Reader: rf.reader, Timeout: wait})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return card, nil
	}
}

// waitForToken asks for a token on the reader (on out) and connects to it.
func (a *app) waitForToken(cmd *cobra.Command, out io.Writer, rf readerFlags) (*pcsc.Card, error) {
	if rf.timeout <= 0 {
		return nil, usageErrorf("--timeout must be positive, got %s", rf.timeout)
	}
	// pcscd first: an admin asked to hold a token on the reader must not
	// find out only then that nothing listens. (No reader yet is fine:
	// one plugged in while we wait is used.)
	if _, err := pcsc.Readers(a.pcscSocket()); errors.Is(err, nfc.ErrNoDaemon) {
		return nil, nfc.WithAdvice(nfc.StepFind, err)
	}
	fmt.Fprintf(out, "Switch the token on and hold it on the reader (waiting up to %s; Ctrl-C to stop)...\n", rf.timeout)
	card, err := pcsc.Connect(cmd.Context(), pcsc.Options{Socket: a.pcscSocket(), Reader: rf.reader, Timeout: rf.timeout})
	return card, nfc.WithAdvice(nfc.StepFind, err)
}

// progressOut is where a command talks to the admin: stdout, or stderr
// when stdout carries --json.
func progressOut(cmd *cobra.Command, asJSON bool) io.Writer {
	if asJSON {
		return cmd.ErrOrStderr()
	}
	return cmd.OutOrStdout()
}

func (a *app) nfcCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nfc",
		Short: "Talk to Token2 programmable tokens through an NFC reader (pcscd)",
		Long: `Commands for the NFC reader and the token on it. two-factor reaches readers
through pcscd, the PC/SC daemon; it must be running. Program a token with
"two-factor burn".`,
	}
	cmd.AddCommand(a.nfcReadersCommand(), a.nfcInfoCommand(), a.nfcSyncClockCommand())
	return cmd
}

func (a *app) nfcReadersCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "readers",
		Short: "List the NFC readers pcscd sees",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names, err := pcsc.Readers(a.pcscSocket())
			if err != nil {
				return nfc.WithAdvice("listing the readers", err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"readers": names})
			}
			if len(names) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No reader attached: plug in a PC/SC NFC reader.")
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), safe(n)) // names come from pcscd and the reader's driver
			}
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) nfcInfoCommand() *cobra.Command {
	var (
		rf     readerFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show the serial, model and clock offset of the token on the reader",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			card, err := a.waitForToken(cmd, progressOut(cmd, asJSON), rf)
			if err != nil {
				return err
			}
			defer card.Close()
			tok, err := svc.ReadToken(cmd.Context(), card)
			if err != nil {
				return err
			}
			return printTokenOnReader(cmd, asJSON, card.Reader, tok)
		}),
	}
	rf.add(cmd)
	jsonFlag(cmd, &asJSON)
	return cmd
}

// printTokenOnReader shows a token read off the reader.
func printTokenOnReader(cmd *cobra.Command, asJSON bool, reader string, tok *service.TokenOnReader) error {
	recorded := "not recorded"
	if d := tok.Recorded; d != nil {
		recorded = "in the inventory"
		switch {
		case !d.Retired.IsZero():
			recorded = "retired"
		case d.User != "":
			recorded = "assigned to " + d.User
		}
	}
	m := tok.Info.Model
	if asJSON {
		return printJSON(cmd.OutOrStdout(), map[string]any{
			"reader": reader, "serial": tok.Info.Serial, "model": m.Name, "restricted_sync": m.RestrictedSync,
			"token_clock": tok.Info.Clock.UTC().Format(time.RFC3339), "offset_seconds": int64(tok.Offset / time.Second),
			"recorded": tok.Recorded != nil, "status": recorded,
		})
	}
	sync := "keeps its seed"
	if m.RestrictedSync {
		sync = "ERASES its seed (restricted model)"
	}
	_, err := fmt.Fprintf(cmd.OutOrStdout(), "Reader:     %s\nSerial:     %s\nModel:      %s (a clock sync %s)\nClock:      %s (%s against this machine)\nRecorded:   %s\n",
		safe(reader), safe(tok.Info.Serial), safe(m.Name), sync, tok.Info.Clock.UTC().Format(time.RFC3339), offsetText(tok.Offset), safe(recorded))
	return err
}

func offsetText(d time.Duration) string {
	switch {
	case d > 0:
		return d.String() + " ahead"
	case d < 0:
		return (-d).String() + " behind"
	}
	return "in step"
}

func (a *app) nfcSyncClockCommand() *cobra.Command {
	var (
		rf          readerFlags
		opt         service.SyncOptions
		step, disp  int
		yes, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "sync-clock",
		Short: "Set the clock of the token on the reader to this machine's",
		Long: `Sets the token's clock to this machine's. The token takes its settings with
the clock, so a recorded token keeps the hash and step it was burned with;
for another token give --sha256 and --step as it was burned.

WARNING: on restricted models (OTPC-P2-i, miniOTP-3-i, C301-i and their -NB
variants) a clock sync ERASES the seed: the token shows no valid code until
it is burned again. On those it asks first (or needs --yes).`,
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			opt.Step, opt.DisplayTimeout = time.Duration(step)*time.Second, time.Duration(disp)*time.Second
			opt.AllowSeedErase = yes
			card, err := a.waitForToken(cmd, progressOut(cmd, asJSON), rf)
			if err != nil {
				return err
			}
			defer card.Close()
			tok, err := svc.SyncTokenClock(cmd.Context(), card, opt)
			if errors.Is(err, nfc.ErrSeedWouldBeErased) && !yes {
				q := fmt.Sprintf("Token %s is a %s: a clock sync ERASES its seed, and it must be burned again. Sync anyway?", safe(tok.Info.Serial), tok.Info.Model.Name)
				if cerr := a.confirm(q); cerr != nil {
					return cerr
				}
				opt.AllowSeedErase = true
				tok, err = svc.SyncTokenClock(cmd.Context(), card, opt)
			}
			if err != nil {
				return err
			}
			erased := tok.Info.Model.RestrictedSync
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"serial": tok.Info.Serial, "model": tok.Info.Model.Name,
					"offset_before_seconds": int64(tok.Offset / time.Second), "seed_erased": erased})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Token %s (%s): clock set; it was %s.\n", safe(tok.Info.Serial), tok.Info.Model.Name, offsetText(tok.Offset))
			if erased {
				fmt.Fprintln(out, "Its seed is erased: burn it again (two-factor burn) before handing it out.")
			}
			return nil
		}),
	}
	rf.add(cmd)
	f := cmd.Flags()
	f.BoolVar(&opt.SHA256, "sha256", false, "the token was burned with HMAC-SHA256 (for a token not recorded here)")
	f.IntVar(&step, "step", 30, "the token's time step in seconds, 30 or 60 (for a token not recorded here)")
	f.IntVar(&disp, "display-timeout", 30, "seconds the display stays on: 15, 30, 60 or 120")
	f.BoolVar(&yes, "yes", false, "sync a restricted model without asking, erasing its seed")
	jsonFlag(cmd, &asJSON)
	return cmd
}
