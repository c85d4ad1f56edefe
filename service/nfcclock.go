package service

import (
	"context"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/nfc"
)

// TokenOnReader is what a token on the reader says, and what the store
// knows about it.
type TokenOnReader struct {
	Info nfc.Info
	// Offset is the token's clock against the service's: positive when
	// the token runs ahead.
	Offset time.Duration
	// Recorded is the stored token with this serial (without its secret),
	// or nil.
	Recorded *devices.Device
}

// ReadToken reads the token on card: serial, model, clock. An unknown
// model is an error that still carries the serial (an *nfc.StepError).
func (s *Service) ReadToken(ctx context.Context, card nfc.Transport) (*TokenOnReader, error) {
	info, err := nfc.NewProgrammer(card).Info(ctx)
	if err != nil {
		return nil, err
	}
	return s.describe(ctx, info)
}

func (s *Service) describe(ctx context.Context, info nfc.Info) (*TokenOnReader, error) {
	t := &TokenOnReader{Info: info, Offset: info.Clock.Sub(s.now().Truncate(time.Second))}
	toks, err := s.store.Tokens(ctx, db.TokenFilter{Retired: true})
	if err != nil {
		return nil, err
	}
	for _, d := range toks {
		if d.Serial == info.Serial {
			t.Recorded = d
		}
	}
	return t, nil
}

// SyncOptions steer a clock sync.
type SyncOptions struct {
	// SHA256, Step and DisplayTimeout are the settings written with the
	// clock (the token takes them all at once). For a recorded token its
	// stored hash and step are used instead, so its codes stay the same.
	SHA256         bool
	Step           time.Duration
	DisplayTimeout time.Duration
	// AllowSeedErase must be set, after warning the admin, to sync a
	// restricted-sync model: the sync erases its seed, and the token must
	// be burned again.
	AllowSeedErase bool
}

// SyncTokenClock sets the clock of the token on card to the service's
// clock and returns the token as read before the change. On a
// restricted-sync model without AllowSeedErase it refuses (an error
// wrapping nfc.ErrSeedWouldBeErased) and writes nothing.
func (s *Service) SyncTokenClock(ctx context.Context, card nfc.Transport, opt SyncOptions) (*TokenOnReader, error) {
	p := nfc.NewProgrammer(card)
	info, err := p.Info(ctx)
	if err != nil {
		return nil, err
	}
	before, err := s.describe(ctx, info)
	if err != nil {
		return nil, err
	}
	bo, alg, err := BurnOptions{SHA256: opt.SHA256, Step: opt.Step, DisplayTimeout: opt.DisplayTimeout}.withDefaults()
	if err != nil {
		return nil, err
	}
	if d := before.Recorded; d != nil && d.Kind == devices.TOTP {
		alg, bo.Step = d.Algorithm, time.Duration(d.Step)*time.Second
	}
	_, err = p.SyncClock(ctx, nfc.ClockSpec{Algorithm: alg, Step: bo.Step, DisplayTimeout: bo.DisplayTimeout, Now: s.now, AllowSeedErase: opt.AllowSeedErase})
	return before, err
}
