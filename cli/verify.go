package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/verifier"
)

func (a *app) verifyCommand() *cobra.Command {
	var (
		device, socket string
		asJSON         bool
	)
	cmd := &cobra.Command{
		Use:   "verify USER [CODE]",
		Short: "Check a code for a user (from standard input when CODE is omitted)",
		Long: `Checks a one-time code or a backup code for USER. Exit status: 0 accepted,
1 rejected (wrong code, throttled, locked out, unknown user), 2 error (a
malformed code: not 6 to 8 digits nor a backup code). An unknown user, a
user without a confirmed device, a user whose devices are disabled and a
wrong code all print the same "rejected" and exit 1; the audit log says
which it was. Read the code from
standard input to keep it out of the process list. With --socket, a running
verifier (two-factor serve) checks the code: the store is not opened, and
a verifier that cannot be reached is an error (exit 2).`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			code := ""
			if len(args) == 2 {
				code = args[1]
			} else {
				line, err := a.lines().readLine()
				if err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				code = line
			}
			r, err := a.verifyCode(cmd, args[0], device, code, socket)
			if err != nil {
				return err
			}
			return printVerdict(cmd, asJSON, args[0], r)
		},
	}
	cmd.Flags().StringVar(&device, "device", "", "check only this device (id, name or serial)")
	cmd.Flags().StringVar(&socket, "socket", "", "ask the verifier listening on this unix socket instead of opening the store")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// verifyCode checks a code in the store, or through a running verifier
// when socket is set.
func (a *app) verifyCode(cmd *cobra.Command, user, device, code, socket string) (service.VerifyResult, error) {
	if socket != "" {
		if device != "" {
			return service.VerifyResult{}, usageErrorf("--device cannot be used with --socket: the verifier tries every device")
		}
		v, err := verifier.Client{Socket: socket}.Verify(cmd.Context(), user, code)
		return v.Result(), err
	}
	// A login check opens the store as a login does: it leaves its commit
	// in the WAL for the next command instead of checkpointing on close.
	a.loginCheck = true
	svc, err := a.service(cmd)
	if err != nil {
		return service.VerifyResult{}, err
	}
	return svc.Verify(cmd.Context(), user, device, code)
}

// printVerdict prints a verification's outcome and ends with exit 1 when
// the code was not accepted.
func printVerdict(cmd *cobra.Command, asJSON bool, user string, r service.VerifyResult) error {
	if asJSON {
		j := map[string]any{"user": user, "outcome": r.Outcome}
		if r.Device != nil {
			j["device_id"], j["device"] = r.Device.ID, r.Device.Name
		}
		if r.RetryAfter > 0 {
			j["retry_after_seconds"] = int64(retryAfter(r.RetryAfter) / time.Second)
		}
		if r.Accepted() && r.Device.Kind == devices.TOTP {
			j["offset_steps"] = r.Match.Offset
		}
		if err := printJSON(cmd.OutOrStdout(), j); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(cmd.OutOrStdout(), verifyText(user, r))
	}
	if !r.Accepted() {
		return silentExit(ExitRejected)
	}
	return nil
}

func verifyText(user string, r service.VerifyResult) string {
	dev := ""
	if r.Device != nil {
		dev = fmt.Sprintf(" (%s)", safe(r.Device.Name))
	}
	switch r.Outcome {
	case devices.Accepted:
		return fmt.Sprintf("%s: accepted%s", safe(user), dev)
	case devices.Throttled:
		return fmt.Sprintf("%s: throttled%s after failed attempts; try again in %s", safe(user), dev, retryAfter(r.RetryAfter))
	case devices.LockedOut:
		if r.Device == nil {
			// The name's run of codes no device of it takes: there is
			// no device to unlock, and the codes of its devices are
			// not refused by it.
			return fmt.Sprintf("%s: locked out after failed attempts", safe(user))
		}
		ref := fmt.Sprint(r.Device.ID) // an id needs no quoting, whatever the name
		return fmt.Sprintf("%s: locked out%s; an administrator must run: two-factor device unlock %s %s", safe(user), dev, safe(shellWord(user)), ref)
	case devices.Disabled:
		return fmt.Sprintf("%s: device disabled%s", safe(user), dev)
	}
	return fmt.Sprintf("%s: rejected", safe(user))
}

// retryAfter rounds a wait up to whole seconds, as the verifier reports it.
func retryAfter(d time.Duration) time.Duration { return verifier.RoundUp(d) }

// shellWord quotes s for a POSIX shell when it is not a plain word, so a
// command line shown to be copied runs as shown.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (a *app) resyncCommand() *cobra.Command {
	var (
		opt    service.ResyncOptions
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "resync USER CODE1 CODE2 [CODE3]",
		Short: "Resynchronise a drifted token from consecutive codes",
		Long: `Finds where a drifted TOTP token's clock (or a HOTP token's counter) has got
to, from two or three codes read off it one after another, and stores the
new drift (or counter). The TOTP search covers the resync window (setting
resync-window, default ±1 day of 30 s steps; --window up to ±1 year); HOTP
looks 1000 counters ahead. The codes used can never be replayed.`,
		Args: cobra.RangeArgs(3, 4),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			res, d, err := svc.Resync(cmd.Context(), args[0], args[1:], opt)
			if err != nil {
				return err
			}
			if asJSON {
				j := map[string]any{"user": args[0], "device_id": d.ID, "device": d.Name, "kind": d.Kind}
				if d.Kind == devices.TOTP {
					j["old_drift_steps"], j["new_drift_steps"], j["new_drift_seconds"] = res.OldDrift, res.NewDrift, res.NewDrift*d.Step
				} else {
					j["old_counter"], j["new_counter"] = res.OldCounter, res.NewCounter
				}
				return printJSON(cmd.OutOrStdout(), j)
			}
			if d.Kind == devices.TOTP {
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "%s: %s resynchronised: its clock was %s, now %s\n",
					safe(args[0]), safe(d.Name), devices.DriftSteps(res.OldDrift, d.Step), devices.DriftSteps(res.NewDrift, d.Step))
				if w := devices.DriftWarning(res.NewDrift, d.Step); w != "" {
					fmt.Fprintf(out, "warning: %s\n", w)
				}
				if n := d.ResyncFloorNote(res, a.env.Now()); n != "" {
					fmt.Fprintf(out, "note: %s\n", n)
				}
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s resynchronised: next counter %d -> %d\n",
					safe(args[0]), safe(d.Name), res.OldCounter, res.NewCounter)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&opt.Device, "device", "", "the device (id, name or serial); needed when the user has several")
	cmd.Flags().Int64Var(&opt.Window, "window", 0, "search radius in steps (TOTP) or look-ahead in counters (HOTP)")
	jsonFlag(cmd, &asJSON)
	return cmd
}
