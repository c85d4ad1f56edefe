package cli

import (
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
down, not in the auth stack). Fails closed: any error refuses the login,
with a message in the system log (authpriv) and on standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log := pamexec.Logger(pamexec.Discard{})
			// Without a syslog daemon the refusal still reaches stderr.
			if w, err := syslog.New(syslog.LOG_AUTHPRIV|syslog.LOG_NOTICE, "two-factor"); err == nil {
				defer w.Close()
				log = w
			}
			inv := pamexec.FromEnv(a.env.Getenv)
			client := verifier.Client{Socket: socket, Timeout: timeout}
			if status := pamexec.Run(cmd.Context(), inv, cmd.InOrStdin(), client, log, cmd.ErrOrStderr()); status != pamexec.ExitAccepted {
				return silentExit(status)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&socket, "socket", DefaultSocket, "the verifier's unix socket")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "refuse when the verifier has not answered by then")
	return cmd
}
