package service

import (
	"context"
	"errors"
	"time"

	"github.com/two-factor/two-factor/nfc"
)

// Card is a token connected on a reader: an nfc.Transport that must be
// closed (released to the reader stack) when done.
type Card interface {
	nfc.Transport
	Close() error
}

// CardSource waits for a token on the reader and connects to it. It gives
// up with an error wrapping nfc.ErrCardTimeout after wait (zero: the
// source's own default) and with ctx.Err() when ctx ends. Front ends build
// one from their reader stack (nfc/pcsc, with the reader the admin chose)
// and set it in Service.Cards, so that the service never imports a reader
// stack and a screen waits for a token through the service like for
// anything else (a test gives a virtual card directly).
type CardSource func(ctx context.Context, wait time.Duration) (Card, error)

// errNoCards is a service that was given no way to reach a reader.
var errNoCards = errors.New("this front end has no NFC reader stack configured")

// WaitForToken waits for a token on the reader (Cards) and connects to it.
// Errors carry the advice to give the admin (an *nfc.StepError), except a
// cancelled ctx, which is the admin stopping the wait.
func (s *Service) WaitForToken(ctx context.Context) (Card, error) {
	if s.Cards == nil {
		return nil, nfc.WithAdvice(nfc.StepFind, errNoCards)
	}
	card, err := s.Cards(ctx, 0)
	return card, nfc.WithAdvice(nfc.StepFind, err)
}

// tokenPoll is how long one look for a token lasts while a batch waits
// for the next: short, so that an empty reader is noticed (and a token
// put back is taken again).
const tokenPoll = 500 * time.Millisecond

// NextToken waits for a readable token other than the one just done
// (last, which the admin may not have taken off yet) and returns it with
// its serial, for a batch. An empty reader forgets last, so a token taken
// off and put back is taken again. It gives up with an error wrapping
// nfc.ErrCardTimeout when no new token came within timeout (zero: wait
// until ctx ends). Reader-stack errors carry their advice.
func (s *Service) NextToken(ctx context.Context, last string, timeout time.Duration) (Card, string, error) {
	if s.Cards == nil {
		return nil, "", nfc.WithAdvice(nfc.StepFind, errNoCards)
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	late := func() bool { return !deadline.IsZero() && time.Now().After(deadline) }
	for {
		card, err := s.Cards(ctx, tokenPoll)
		if errors.Is(err, nfc.ErrCardTimeout) {
			last = ""
			if late() {
				return nil, "", err
			}
			continue
		}
		if err != nil {
			return nil, "", nfc.WithAdvice(nfc.StepFind, err)
		}
		// A token that cannot be read yet (one just taken off, which
		// pcscd has not noticed) is waited out like the one just done.
		serial := SerialOf(s.ReadToken(ctx, card))
		if serial != "" && serial != last {
			return card, serial, nil
		}
		card.Close()
		if late() {
			return nil, "", nfc.ErrCardTimeout
		}
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(tokenPoll):
		}
	}
}

// SerialOf is the serial a token reported, also when the reading or
// programming failed after it (an *nfc.StepError carries it).
func SerialOf(tok *TokenOnReader, err error) string {
	if tok != nil {
		return tok.Info.Serial
	}
	var se *nfc.StepError
	if errors.As(err, &se) {
		return se.Serial
	}
	return ""
}
