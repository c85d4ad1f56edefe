package cli

import (
	"errors"
	"log/syslog"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/pamexec"
	"github.com/two-factor/two-factor/verifier"
)

func (a *app) pamVerifyCommand() *cobra.Command {
	var (
		socket  string
		timeout time.Duration
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "pam-verify",
		Short: "Check a login's code with the running verifier, for pam_exec.so expose_authtok",
		Long: `Run by pam_exec.so in a PAM auth stack, e.g. in /etc/pam.d/sshd:

  auth required pam_exec.so expose_authtok quiet /usr/local/bin/two-factor pam-verify

Reads the code from standard input (as pam_exec passes it) and the user
from PAM_USER, and asks the verifier (two-factor serve) on its unix socket;
it never opens the store or the master key and creates no file. Needs no
HOME, PATH or configuration besides --socket. Exit status: 0 accepted;
1 rejected (wrong, replayed, throttled, locked out); 2 no answer (verifier
down or too slow), a malformed code, or not run from an auth stack. Fails
closed: anything but an acceptance refuses the login, with a message in
the system log (authpriv) and on standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			inv := pamexec.FromEnv(a.env.Getenv)
			client := verifier.Client{Socket: socket, Timeout: timeout}
			resp, err := pamexec.Ask(cmd.Context(), inv, cmd.InOrStdin(), client)
			pamexec.Log(systemLog(), inv, resp, err)
			if err != nil {
				return pamVerifyKind(err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"user": inv.User, "ok": true, "outcome": resp.Outcome, "device": resp.Device})
			}
			return nil // pam_exec may show stdout to the user (option stdout): nothing to say
		},
	}
	cmd.Flags().StringVar(&socket, "socket", verifier.DefaultSocket, "the verifier's unix socket")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "refuse when the verifier has not answered by then")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// systemLog is the authpriv system log, or nothing when it cannot be
// reached (no syslog daemon): stderr still carries every refusal.
func systemLog() pamexec.Logger {
	w, err := syslog.New(syslog.LOG_AUTHPRIV|syslog.LOG_NOTICE, "two-factor")
	if err != nil {
		return pamexec.Discard{}
	}
	return w // closed at exit: the helper runs once
}

// pamVerifyKind gives Ask's refusals their exit codes: a misplaced helper
// is a usage error (2), a code the verifier turned down is rejected (1);
// the verifier unreachable (2) and a malformed code (2) are in kindByCause.
func pamVerifyKind(err error) error {
	var no *pamexec.Rejected
	switch {
	case errors.Is(err, pamexec.ErrNotAuthStack), errors.Is(err, pamexec.ErrNoUser):
		return usage(err)
	case errors.As(err, &no), errors.Is(err, pamexec.ErrNoCode), errors.Is(err, pamexec.ErrCodeTooLong):
		return rejected(err)
	}
	return err
}
