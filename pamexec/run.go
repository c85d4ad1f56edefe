package pamexec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/verifier"
)

// Exit statuses. pam_exec fails the login on any status but 0; the two
// refusals differ only for a person running the helper by hand.
const (
	ExitAccepted = 0
	ExitRejected = 1 // the verifier said no: wrong, replayed, throttled, locked out
	ExitError    = 2 // no answer (verifier down, misconfiguration): refused all the same
)

// Logger is the system log: *syslog.Writer, opened with facility authpriv.
type Logger interface {
	Err(string) error
	Notice(string) error
	Info(string) error
}

// Run asks the verifier about inv's login with the code on stdin and
// returns the exit status. Every refusal is written to the system log and
// to stderr (which pam_exec sends to its log= file, or discards); the code
// never is.
func Run(ctx context.Context, inv Invocation, stdin io.Reader, client verifier.Client, log Logger, stderr io.Writer) int {
	r := reporter{log: log, stderr: stderr, who: LogWord(inv.User) + " (" + inv.Source() + ")"}
	// pam_exec passes the code (expose_authtok) only to the auth stack. In
	// any other stack there is nothing to check, and exiting 0 would let a
	// line in the wrong place look like protection that is not there; so
	// refuse, and testing the stack (pamtester) shows the mistake.
	if inv.Type != "auth" {
		return r.fail(ExitError, fmt.Sprintf("refused: called for PAM type %s; pam-verify belongs in the auth stack only (PAM_TYPE=auth)", LogWord(orNone(inv.Type))))
	}
	if inv.User == "" {
		return r.fail(ExitError, "refused: PAM_USER is not set; pam-verify runs from pam_exec.so")
	}
	code, err := ReadCode(stdin)
	if err != nil {
		return r.fail(ExitRejected, "refused "+r.who+": "+err.Error())
	}
	resp, err := client.VerifyVia(ctx, inv.User, code, inv.Source())
	switch {
	case errors.Is(err, devices.ErrMalformedCode):
		return r.fail(ExitRejected, "rejected "+r.who+": not a one-time or backup code")
	case err != nil:
		return r.fail(ExitError, fmt.Sprintf("refused %s: verifier unreachable, failing closed: %v", r.who, err))
	case !resp.OK:
		return r.fail(ExitRejected, "rejected "+r.who+": "+outcomeText(resp))
	}
	r.log.Info("accepted " + r.who + deviceText(resp))
	return ExitAccepted
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

type reporter struct {
	log    Logger
	stderr io.Writer
	who    string
}

// fail reports a refusal: an error (no answer) at LOG_ERR, a rejected code
// at LOG_NOTICE, as sshd logs a failed password.
func (r reporter) fail(status int, msg string) int {
	if status == ExitError {
		r.log.Err(msg)
	} else {
		r.log.Notice(msg)
	}
	fmt.Fprintln(r.stderr, "two-factor pam-verify: "+msg)
	return status
}

func outcomeText(resp verifier.VerifyResponse) string {
	switch resp.Outcome {
	case devices.Throttled:
		return fmt.Sprintf("throttled after failed attempts, retry in %ds%s", resp.RetryAfter, deviceText(resp))
	case devices.LockedOut:
		return "locked out" + deviceText(resp) + "; an administrator must unlock the device"
	case devices.Disabled:
		return "device disabled" + deviceText(resp)
	}
	return "wrong code, replayed code, or no such user or device"
}

func deviceText(resp verifier.VerifyResponse) string {
	if resp.Device == nil {
		return ""
	}
	return fmt.Sprintf(" (device %d %s)", resp.Device.ID, LogWord(resp.Device.Name))
}

// Discard is a Logger for when the system log cannot be opened: stderr
// still carries every refusal.
type Discard struct{}

func (Discard) Err(string) error    { return nil }
func (Discard) Notice(string) error { return nil }
func (Discard) Info(string) error   { return nil }
