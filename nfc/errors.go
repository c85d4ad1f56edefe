package nfc

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors. Transports wrap the first four so that a front end can
// tell the admin what to do whichever reader stack is in use.
var (
	// ErrNoDaemon: the PC/SC service (pcscd) is not running or not reachable.
	ErrNoDaemon = errors.New("the smart-card service pcscd is not running")
	// ErrNoReader: no NFC reader is attached (or the one named is absent).
	ErrNoReader = errors.New("no NFC reader found")
	// ErrCardTimeout: no token was presented before the wait ended.
	ErrCardTimeout = errors.New("timed out waiting for a token on the reader")
	// ErrCardRemoved: the token left the reader's field during a command.
	ErrCardRemoved = errors.New("the token was removed from the reader")

	// ErrUnknownModel: the serial prefix names no supported model.
	ErrUnknownModel = errors.New("unsupported token model")
	// ErrAuthFailed: the token refused authentication or a secured command
	// (status 6983: wrong key, bad MAC, session lost, or key locked).
	ErrAuthFailed = errors.New("the token refused authentication (6983)")
	// ErrAuthCapReached: this session already had MaxAuthFailures failed
	// authentications; more could lock the token for good.
	ErrAuthCapReached = errors.New("authentication already failed twice on this token; not trying again")
	// ErrWrongLength, ErrBadData, ErrNotSupported: status words 6700, 6A80,
	// 6D00/6E00.
	ErrWrongLength  = errors.New("the token rejected the command length (6700)")
	ErrBadData      = errors.New("the token rejected the data (6A80)")
	ErrNotSupported = errors.New("the token does not support this command (6D00/6E00)")
	// ErrMalformed: the token's answer does not have the expected layout.
	ErrMalformed = errors.New("malformed answer from the token")
)

// StatusError is a status word other than 9000. errors.Is matches the
// sentinel for the known words (ErrAuthFailed for 6983, ...).
type StatusError struct{ SW uint16 }

func (e *StatusError) Error() string {
	if s := e.sentinel(); s != nil {
		return s.Error()
	}
	return fmt.Sprintf("the token answered with unexpected status %04X", e.SW)
}

func (e *StatusError) sentinel() error {
	switch e.SW {
	case 0x6983:
		return ErrAuthFailed
	case 0x6700:
		return ErrWrongLength
	case 0x6A80:
		return ErrBadData
	case 0x6D00, 0x6E00:
		return ErrNotSupported
	}
	return nil
}

func (e *StatusError) Is(target error) bool {
	s := e.sentinel()
	return s != nil && s == target
}

// Step names a stage of a session, for errors and progress.
type Step string

const (
	StepInfo      Step = "reading the token"
	StepAuth      Step = "authenticating"
	StepConfig    Step = "writing the configuration and clock"
	StepSeed      Step = "writing the seed"
	StepCheckSpec Step = "checking the request"
	// StepFind is finding the reader and the token on it, before any
	// command reaches the token.
	StepFind Step = "finding the token"
)

// StepError says which step failed and what the admin can do. It never
// carries seed material.
type StepError struct {
	Step Step
	// Serial is the token's serial when it was read before the failure.
	Serial string
	// SeedCleared is true when the token's old seed may be gone (a
	// restricted-sync model whose configuration was written), so it must
	// be burned again before it is handed out.
	SeedCleared bool
	Err         error
}

func (e *StepError) Unwrap() error { return e.Err }

func (e *StepError) Error() string {
	msg := e.Step.String() + ": " + e.Err.Error()
	if e.Serial != "" {
		msg = "token " + e.Serial + ": " + msg
	}
	if a := e.Advice(); a != "" {
		msg += "; " + a
	}
	return msg
}

func (s Step) String() string { return string(s) }

// WithAdvice gives a reader-stack error (pcscd down, no reader, no token
// in time) the advice a token error carries, so every front end tells the
// admin the same next step. Cancellation and errors that already are
// StepErrors pass through.
func WithAdvice(step Step, err error) error {
	var se *StepError
	if err == nil || errors.As(err, &se) || errors.Is(err, context.Canceled) {
		return err
	}
	return &StepError{Step: step, Err: err}
}

// Advice is the next thing the admin should do.
func (e *StepError) Advice() string {
	var adv string
	switch {
	case errors.Is(e.Err, ErrNoDaemon):
		adv = "start it (systemctl start pcscd) and try again"
	case errors.Is(e.Err, ErrNoReader):
		adv = "plug in the NFC reader (or name one of the attached readers) and try again"
	case errors.Is(e.Err, ErrCardTimeout):
		adv = "switch the token on, hold it flat on the reader and try again"
	case errors.Is(e.Err, ErrCardRemoved):
		adv = "hold the token on the reader until programming ends, then try again"
	case errors.Is(e.Err, ErrUnknownModel):
		adv = "use a supported model (" + modelNames() + ")"
	case errors.Is(e.Err, ErrAuthCapReached):
		adv = "power-cycle the token and start again later; repeated failures can lock it for good"
	case errors.Is(e.Err, ErrAuthFailed) && e.Step == StepAuth:
		adv = "it was tried twice and left alone: repeated failures can lock the token for good; power-cycle it and try once more, and check it is a supported model"
	case errors.Is(e.Err, ErrAuthFailed):
		adv = "the token dropped the session or refused the MAC; power-cycle it and try again"
	default:
		adv = "power-cycle the token (switch it off and on), place it on the reader and try again"
	}
	if e.SeedCleared {
		adv += "; its seed may already be erased, so burn it again before handing it out"
	}
	return adv
}

func modelNames() string {
	s := ""
	for i, m := range models {
		if i > 0 {
			s += ", "
		}
		s += m.Name
	}
	return s
}
