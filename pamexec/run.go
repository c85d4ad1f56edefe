package pamexec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/verifier"
)

// Why Ask refuses before asking the verifier: the helper is set up wrong.
var (
	// ErrNotAuthStack: pam_exec passes the code (expose_authtok) only to
	// the auth stack. In any other stack there is nothing to check, and
	// exiting 0 would let a line in the wrong place look like protection
	// that is not there; so it refuses, and testing the stack shows it.
	ErrNotAuthStack = errors.New("pam-verify belongs in the auth stack only (PAM_TYPE=auth)")
	ErrNoUser       = errors.New("PAM_USER is not set; pam-verify runs from pam_exec.so")
)

// Rejected is the verifier's no: a wrong or replayed code, an unknown
// user, a throttled or locked-out device.
type Rejected struct{ Response verifier.VerifyResponse }

func (r *Rejected) Error() string {
	resp := r.Response
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

// Ask reads the code from stdin and asks the verifier about inv's login.
// It returns nil only when the verifier accepted the code; otherwise the
// error says why the login is refused, in words for the system log (never
// the code). Anything that goes wrong refuses: the helper fails closed.
func Ask(ctx context.Context, inv Invocation, stdin io.Reader, client verifier.Client) (verifier.VerifyResponse, error) {
	if inv.Type != "auth" {
		return verifier.VerifyResponse{}, fmt.Errorf("refused: called for PAM type %s; %w", LogWord(orNone(inv.Type)), ErrNotAuthStack)
	}
	if inv.User == "" {
		return verifier.VerifyResponse{}, fmt.Errorf("refused: %w", ErrNoUser)
	}
	who := inv.Who()
	code, err := ReadCode(stdin)
	if err != nil {
		return verifier.VerifyResponse{}, fmt.Errorf("refused %s: %w", who, err)
	}
	resp, err := client.VerifyVia(ctx, inv.User, code, inv.Source())
	switch {
	case errors.Is(err, devices.ErrMalformedCode):
		return resp, fmt.Errorf("rejected %s: not a one-time or backup code: %w", who, devices.ErrMalformedCode)
	case err != nil:
		return resp, fmt.Errorf("refused %s: verifier unreachable, failing closed: %w", who, err)
	case !resp.OK:
		return resp, fmt.Errorf("rejected %s: %w", who, &Rejected{resp})
	}
	return resp, nil
}

// Who names the login in messages: `alice (pam sshd from 203.0.113.9)`.
func (inv Invocation) Who() string { return LogWord(inv.User) + " (" + inv.Source() + ")" }

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func deviceText(resp verifier.VerifyResponse) string {
	if resp.Device == nil {
		return ""
	}
	return fmt.Sprintf(" (device %d %s)", resp.Device.ID, LogWord(resp.Device.Name))
}

// Logger is the system log: *syslog.Writer, opened with facility authpriv.
type Logger interface {
	Err(string) error
	Notice(string) error
	Info(string) error
}

// Log writes Ask's verdict to the system log: an acceptance at info, a
// rejected code at notice (as sshd logs a failed password), and at err
// whatever an administrator must fix (verifier down, helper misplaced).
func Log(log Logger, inv Invocation, resp verifier.VerifyResponse, err error) {
	switch {
	case err == nil:
		log.Info("accepted " + inv.Who() + deviceText(resp))
	case errors.Is(err, verifier.ErrUnavailable), errors.Is(err, ErrNotAuthStack), errors.Is(err, ErrNoUser):
		log.Err(err.Error())
	default:
		log.Notice(err.Error())
	}
}

// Discard is a Logger for when the system log cannot be opened: stderr
// still carries every refusal.
type Discard struct{}

func (Discard) Err(string) error    { return nil }
func (Discard) Notice(string) error { return nil }
func (Discard) Info(string) error   { return nil }
