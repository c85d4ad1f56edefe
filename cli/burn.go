package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/service"
)

// burnFlags are burn's flags, single or batch.
type burnFlags struct {
	readerFlags
	opt        service.BurnOptions
	step, disp int
	batch      bool
	count      int
	asJSON     bool
}

func (a *app) burnCommand() *cobra.Command {
	var bf burnFlags
	cmd := &cobra.Command{
		Use:   "burn USER | burn --batch",
		Short: "Program a Token2 token over NFC with a fresh seed, for a user or (--batch) for the inventory",
		Long: `Generates a fresh random seed (20 bytes for SHA-1, 32 for SHA-256), writes
it with the clock and settings into the Token2 programmable token on the NFC
reader, and records the token. The seed never leaves this machine and is
never shown.

For USER it then asks for the code the token shows (switch the token off and
on to show a fresh one): the token is recorded for USER only when that code
verifies. If it does not, nothing is stored and the token's serial is shown:
burn it again.

With --batch it programs token after token for the inventory, one per token
placed on the reader, each recorded unassigned under its serial, with a
running log; no code is typed (the token's 9000 on the seed write and its
clock read back are the proof; its first login checks the rest). It stops
after --count tokens, on Ctrl-C, on end of input (Ctrl-D on a terminal), or
when no new token comes within --timeout. A token already recorded is never
rewritten.

Models: ` + modelList() + `. pcscd must be running.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if bf.batch {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			bf.opt.Step, bf.opt.DisplayTimeout = time.Duration(bf.step)*time.Second, time.Duration(bf.disp)*time.Second
			if bf.batch {
				return a.burnBatch(cmd, svc, bf)
			}
			if bf.count != 0 {
				return usageErrorf("--count needs --batch")
			}
			return a.burnForUser(cmd, svc, args[0], bf)
		}),
	}
	bf.readerFlags.add(cmd)
	f := cmd.Flags()
	f.StringVar(&bf.opt.Name, "name", "", "device name (default: token)")
	f.BoolVar(&bf.opt.CreateUser, "create-user", false, "add the user if they do not exist")
	f.BoolVar(&bf.opt.SHA256, "sha256", false, "HMAC-SHA256 with a 32-byte seed (default SHA-1, 20 bytes)")
	f.IntVar(&bf.step, "step", 30, "time step in seconds: 30 or 60")
	f.IntVar(&bf.disp, "display-timeout", 30, "seconds the display stays on: 15, 30, 60 or 120")
	f.BoolVar(&bf.batch, "batch", false, "program tokens one after another for the inventory")
	f.IntVar(&bf.count, "count", 0, "with --batch: stop after this many tokens (0: no limit)")
	jsonFlag(cmd, &bf.asJSON)
	return cmd
}

func modelList() string {
	s := ""
	for i, m := range nfc.Models() {
		if i > 0 {
			s += ", "
		}
		s += m.Name
	}
	return s
}

// burnForUser programs one token for user and records it once a code read
// off it verifies.
func (a *app) burnForUser(cmd *cobra.Command, svc *service.Service, user string, bf burnFlags) error {
	ctx := cmd.Context()
	plan, err := svc.PlanBurn(ctx, user, bf.opt) // refuse a wrong user before the token is fetched
	if err != nil {
		return err
	}
	out := progressOut(cmd, bf.asJSON)
	card, err := a.waitForToken(cmd, out, bf.readerFlags)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Programming; keep the token on the reader...")
	pb, err := svc.Burn(ctx, plan, card)
	card.Close() // the code is read off the token's display, not the reader
	if err != nil {
		return err
	}
	defer pb.Discard()
	fmt.Fprintf(out, "Token %s (%s) programmed. Switch it off and on, then type the code it shows.\n", safe(pb.Serial), pb.Model.Name)
	r, err := a.askFirstCode(out, "Code shown on the token: ", func(code string) (service.VerifyResult, error) {
		return svc.ConfirmBurn(ctx, pb, code)
	})
	if err != nil {
		return notConfirmed(pb, user, err)
	}
	d := r.Device
	if bf.asJSON {
		return printJSON(cmd.OutOrStdout(), map[string]any{"user": pb.User, "serial": pb.Serial, "model": pb.Model.Name,
			"device": d.Name, "device_id": d.ID, "algorithm": d.Algorithm.String(), "step": d.Step, "confirmed": true})
	}
	fmt.Fprintf(out, "Confirmed: %s now has token %s %q (device %d).\n", safe(pb.User), safe(pb.Serial), safe(d.Name), d.ID)
	return nil
}

// notConfirmed says what a burn without a good code leaves: a programmed
// token whose seed nobody keeps. It names the serial, for the retry.
func notConfirmed(pb *service.PendingBurn, user string, err error) error {
	why := "no code was typed"
	switch {
	case errors.Is(err, errWrongCodes):
		why = fmt.Sprintf("%d codes were wrong", confirmAttempts)
	case !errors.Is(err, errNoCode):
		return fmt.Errorf("token %s was programmed but not recorded (%w); burn it again", pb.Serial, err)
	}
	return rejected(fmt.Errorf("token %s was programmed but not recorded: %s; nothing was stored. Burn it again: two-factor burn %s", pb.Serial, why, user))
}

// batchLog is the running log of a batch: the admin's lines on out, the
// results for --json.
type batchLog struct {
	out        io.Writer
	Programmed []map[string]any `json:"programmed"`
	Failed     []map[string]any `json:"failed"`
}

func (l *batchLog) ok(t *service.BurnedToken) {
	l.Programmed = append(l.Programmed, map[string]any{"serial": t.Serial, "model": t.Model.Name, "offset_seconds": int64(t.Offset / time.Second)})
	fmt.Fprintf(l.out, "%3d. %s  %s  recorded unassigned (%d programmed, %d failed)\n", len(l.Programmed)+len(l.Failed), safe(t.Serial), t.Model.Name, len(l.Programmed), len(l.Failed))
}

func (l *batchLog) fail(serial string, err error) {
	l.Failed = append(l.Failed, map[string]any{"serial": serial, "error": err.Error()})
	fmt.Fprintf(l.out, "%3d. FAILED: %s (%d programmed, %d failed)\n", len(l.Programmed)+len(l.Failed), safe(err.Error()), len(l.Programmed), len(l.Failed))
}
