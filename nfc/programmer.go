package nfc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// Transport carries one command APDU to the token and returns its answer
// (data ‖ SW1 SW2). Transports wrap ErrCardRemoved, ErrNoReader, ... so that
// errors.Is works on whatever they return.
type Transport interface {
	Transmit(apdu []byte) ([]byte, error)
}

// MaxAuthFailures is how many refused authentications a Programmer accepts
// in its lifetime: one attempt and one automatic retry. Pre-2025 firmware
// locks for good after a few failures, so a third is never tried.
const MaxAuthFailures = 2

// MinSeedLen is the shortest seed Burn writes (RFC 4226 asks for at least
// 128 bits); the protocol itself would take 1 byte.
const MinSeedLen = 16

// Programmer runs sessions with one token over one transport. It is not
// safe for concurrent use.
type Programmer struct {
	t            Transport
	authFailures int
	exchanges    int
}

// NewProgrammer returns a Programmer talking over t.
func NewProgrammer(t Transport) *Programmer { return &Programmer{t: t} }

// Exchanges is the number of APDUs sent so far.
func (p *Programmer) Exchanges() int { return p.exchanges }

// AuthFailures is the number of authentications the token refused so far.
func (p *Programmer) AuthFailures() int { return p.authFailures }

// Info is what a token says about itself.
type Info struct {
	Serial string
	Model  Model
	// Clock is the token's clock when it was read.
	Clock time.Time
	// ReadAt is this machine's clock when the answer arrived.
	ReadAt time.Time
}

// Offset is how far the token's clock runs ahead of ours (negative:
// behind), to the second.
func (i Info) Offset() time.Duration { return i.Clock.Sub(i.ReadAt.Truncate(time.Second)) }

// Info reads the serial and clock. An unknown model is an error (wrapping
// ErrUnknownModel) but the serial is still returned, so it can be shown.
func (p *Programmer) Info(ctx context.Context) (Info, error) {
	resp, err := p.exchange(ctx, InfoCommand())
	if err != nil {
		return Info{}, &StepError{Step: StepInfo, Err: err}
	}
	ti, err := ParseInfo(resp)
	if err != nil {
		return Info{}, &StepError{Step: StepInfo, Err: err}
	}
	info := Info{Serial: ti.Serial, Clock: ti.Clock, ReadAt: time.Now()}
	info.Model, err = ModelForSerial(ti.Serial)
	if err != nil {
		return info, &StepError{Step: StepInfo, Serial: ti.Serial, Err: err}
	}
	return info, nil
}

// ClockSpec is the configuration a clock sync writes. The token takes all
// fields at once, so the hash and step must be the ones the token was
// burned with.
type ClockSpec struct {
	Algorithm      otpcore.Algorithm
	Step           time.Duration
	DisplayTimeout time.Duration
	// Now gives the time to set; nil means time.Now. It is called just
	// before the command is built, so the token gets a fresh clock.
	Now func() time.Time
	// AllowSeedErase must be true to sync a restricted-sync model, whose
	// seed the sync erases: the front end sets it after warning the admin.
	AllowSeedErase bool
}

func (c ClockSpec) config() Config {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return Config{DisplayTimeout: c.DisplayTimeout, Time: now(), Algorithm: c.Algorithm, Step: c.Step}
}

// BurnSpec is what Burn writes. Seed belongs to the caller, who stores it
// and then clears it; Burn wipes every copy it makes.
type BurnSpec struct {
	Seed           []byte
	Algorithm      otpcore.Algorithm
	Step           time.Duration
	DisplayTimeout time.Duration
	Now            func() time.Time
}

// ErrSeedWouldBeErased refuses a clock sync on a restricted-sync model when
// ClockSpec.AllowSeedErase is false. Nothing was written.
var ErrSeedWouldBeErased = errors.New("a clock sync erases the seed on this model; nothing was written")

// SyncClock sets the token's clock (with the whole configuration) and
// returns the token's info as read before the change.
func (p *Programmer) SyncClock(ctx context.Context, spec ClockSpec) (Info, error) {
	if _, err := (Config{DisplayTimeout: spec.DisplayTimeout, Time: time.Unix(0, 0), Algorithm: spec.Algorithm, Step: spec.Step}).encode(); err != nil {
		return Info{}, &StepError{Step: StepCheckSpec, Err: err}
	}
	info, err := p.Info(ctx)
	if err != nil {
		return info, err
	}
	if info.Model.RestrictedSync && !spec.AllowSeedErase {
		return info, &StepError{Step: StepCheckSpec, Serial: info.Serial, Err: fmt.Errorf("%s: %w", info.Model.Name, ErrSeedWouldBeErased)}
	}
	if err := p.authenticate(ctx); err != nil {
		return info, &StepError{Step: StepAuth, Serial: info.Serial, Err: err}
	}
	if err := p.writeConfig(ctx, spec.config()); err != nil {
		return info, &StepError{Step: StepConfig, Serial: info.Serial, SeedCleared: info.Model.RestrictedSync, Err: err}
	}
	return info, nil
}

// Burn programs a token: info (and model check) → authentication →
// configuration and clock → seed, in the vendor's order and in one
// authenticated session. The token is programmed only if Burn returns nil.
func (p *Programmer) Burn(ctx context.Context, spec BurnSpec) (Info, error) {
	clock := ClockSpec{Algorithm: spec.Algorithm, Step: spec.Step, DisplayTimeout: spec.DisplayTimeout, Now: spec.Now}
	if _, err := (Config{DisplayTimeout: clock.DisplayTimeout, Time: time.Unix(0, 0), Algorithm: clock.Algorithm, Step: clock.Step}).encode(); err != nil {
		return Info{}, &StepError{Step: StepCheckSpec, Err: err}
	}
	if n := len(spec.Seed); n < MinSeedLen || n > MaxSeedLen {
		return Info{}, &StepError{Step: StepCheckSpec, Err: fmt.Errorf("a seed of %d bytes cannot be burned (%d to %d bytes)", n, MinSeedLen, MaxSeedLen)}
	}
	info, err := p.Info(ctx)
	if err != nil {
		return info, err
	}
	fail := func(step Step, seedCleared bool, err error) (Info, error) {
		return info, &StepError{Step: step, Serial: info.Serial, SeedCleared: seedCleared, Err: err}
	}
	if err := p.authenticate(ctx); err != nil {
		return fail(StepAuth, false, err)
	}
	if err := p.writeConfig(ctx, clock.config()); err != nil {
		// A config the token may have run has erased a restricted model.
		return fail(StepConfig, info.Model.RestrictedSync, err)
	}
	cmd, err := SeedCommand(spec.Seed)
	if err != nil {
		return fail(StepSeed, info.Model.RestrictedSync, err)
	}
	resp, err := p.exchange(ctx, cmd)
	clear(cmd)
	if err == nil {
		err = CheckEmpty(resp)
	}
	if err != nil {
		return fail(StepSeed, info.Model.RestrictedSync, err)
	}
	return info, nil
}

// authenticate gets a challenge and answers it; a refused answer (6983) is
// retried once with a fresh challenge, as current firmware expects, and
// never beyond MaxAuthFailures over the Programmer's life.
func (p *Programmer) authenticate(ctx context.Context) error {
	var last error
	for attempt := 0; attempt < 2; attempt++ {
		if p.authFailures >= MaxAuthFailures {
			if last != nil {
				return last
			}
			return ErrAuthCapReached
		}
		resp, err := p.exchange(ctx, ChallengeCommand())
		if err != nil {
			return err
		}
		ch, err := ParseChallenge(resp)
		if err != nil {
			return err
		}
		cmd, _ := AuthCommand(ch) // ParseChallenge guarantees the length
		resp, err = p.exchange(ctx, cmd)
		if err != nil {
			return err
		}
		err = CheckEmpty(resp)
		if err == nil || !errors.Is(err, ErrAuthFailed) {
			return err
		}
		p.authFailures++
		last = err
	}
	return last
}

func (p *Programmer) writeConfig(ctx context.Context, c Config) error {
	cmd, err := ConfigCommand(c)
	if err != nil {
		return err
	}
	resp, err := p.exchange(ctx, cmd)
	if err != nil {
		return err
	}
	return CheckEmpty(resp)
}

// exchange sends one APDU unless ctx is done (checked between commands: a
// command under way is left to finish, so the token never sees half of one
// from us).
func (p *Programmer) exchange(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.exchanges++
	return p.t.Transmit(apdu)
}
