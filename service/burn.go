package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/otpcore"
)

// The service programs Token2 tokens over any nfc.Transport: the card a
// front end connected to (nfc/pcsc through pcscd, or a virtual card in
// tests), so the service itself never imports a reader stack.

// token2 is the manufacturer of every token nfc can program.
const token2 = "Token2"

// tokenDigits is what single-profile Token2 tokens show: they have no
// digits setting.
const tokenDigits = 6

// BurnOptions choose what a burn writes.
type BurnOptions struct {
	Name           string        // device name for a user's token; default "token"
	SHA256         bool          // HMAC-SHA256 and a 32-byte seed (default SHA-1, 20 bytes)
	Step           time.Duration // 30 s (default) or 60 s
	DisplayTimeout time.Duration // 15, 30 (default), 60 or 120 s
	CreateUser     bool          // add the user if missing
}

// withDefaults fills in defaults and checks the values against what the
// token offers, before anything is written.
func (o BurnOptions) withDefaults() (BurnOptions, otpcore.Algorithm, error) {
	if o.Step == 0 {
		o.Step = 30 * time.Second
	}
	if o.DisplayTimeout == 0 {
		o.DisplayTimeout = 30 * time.Second
	}
	alg := otpcore.SHA1
	if o.SHA256 {
		alg = otpcore.SHA256
	}
	_, err := nfc.ConfigCommand(nfc.Config{DisplayTimeout: o.DisplayTimeout, Time: time.Unix(0, 0), Algorithm: alg, Step: o.Step})
	return o, alg, err
}

// tokenSpec is the device a burn records, with its fresh seed.
func (o BurnOptions) tokenSpec(info nfc.Info, alg otpcore.Algorithm, seed []byte) devices.TokenSpec {
	return devices.TokenSpec{
		Kind: devices.TOTP, Serial: info.Serial, Model: info.Model.Name, Manufacturer: token2,
		SeedSource: devices.SeedProgrammed, Algorithm: alg, Digits: tokenDigits,
		Step: int64(o.Step / time.Second), Secret: seed,
	}
}

// BurnPlan is a burn for a user, checked against the store before the
// token is fetched: an unknown user or a taken name is refused while the
// admin is still at the keyboard, not after the token was written.
type BurnPlan struct {
	User string
	opt  BurnOptions
	alg  otpcore.Algorithm
}

// PlanBurn checks a burn for user.
func (s *Service) PlanBurn(ctx context.Context, user string, opt BurnOptions) (*BurnPlan, error) {
	opt, alg, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	// A trial enrollment with a stand-in token runs every check the real
	// one will (user, look-alike names, a free device name), storing nothing.
	seed, err := devices.NewSecret(alg)
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	stand := nfc.Info{Serial: "pending", Model: nfc.Model{Name: "Token2"}}
	e, err := s.StartEnrollment(ctx, user, EnrollOptions{Name: opt.Name, Token: ptr(opt.tokenSpec(stand, alg, seed)), CreateUser: opt.CreateUser})
	if err != nil {
		return nil, err
	}
	return &BurnPlan{User: e.User, opt: opt, alg: alg}, nil
}

func ptr[T any](v T) *T { return &v }

// PendingBurn is a token that was programmed but is not recorded yet: it
// is recorded when a code read off the token confirms it (ConfirmBurn).
// Until then it exists only here; Discard wipes its seed.
type PendingBurn struct {
	User   string
	Serial string
	Model  nfc.Model
	Device string // the name it will have
	e      *Enrollment
	create bool
}

// Burn programs the token on card with a fresh seed for the plan's user:
// info and model check, a check that the serial is not recorded yet (its
// stored seed would stop matching), then configuration, clock and seed.
// Nothing is stored: confirm the result with a code from the token. A
// failure after the seed write started names the token's serial (an
// *nfc.StepError), so the admin knows which token to burn again.
func (s *Service) Burn(ctx context.Context, plan *BurnPlan, card nfc.Transport) (*PendingBurn, error) {
	p := nfc.NewProgrammer(card)
	info, err := p.Info(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.refuseKnownSerial(ctx, info.Serial); err != nil {
		return nil, err
	}
	seed, err := devices.NewSecret(plan.alg)
	if err != nil {
		return nil, err
	}
	e, err := s.StartEnrollment(ctx, plan.User, EnrollOptions{Name: plan.opt.Name, Token: ptr(plan.opt.tokenSpec(info, plan.alg, seed)), CreateUser: plan.opt.CreateUser})
	if err != nil {
		clear(seed)
		return nil, err
	}
	if err := s.write(ctx, p, info, plan.opt, plan.alg, seed); err != nil {
		clear(seed)
		return nil, err
	}
	return &PendingBurn{User: e.User, Serial: info.Serial, Model: info.Model, Device: e.Device.Name, e: e, create: plan.opt.CreateUser}, nil
}

// write burns seed into the token whose info was read, and checks it is
// still that token.
func (s *Service) write(ctx context.Context, p *nfc.Programmer, info nfc.Info, opt BurnOptions, alg otpcore.Algorithm, seed []byte) error {
	burned, err := p.Burn(ctx, nfc.BurnSpec{Seed: seed, Algorithm: alg, Step: opt.Step, DisplayTimeout: opt.DisplayTimeout, Now: s.now})
	if err != nil {
		return err
	}
	if burned.Serial != info.Serial {
		return &nfc.StepError{Step: nfc.StepSeed, Serial: burned.Serial,
			Err: fmt.Errorf("%w: token %s was swapped for this one during programming; nothing was recorded", nfc.ErrCardRemoved, info.Serial)}
	}
	return nil
}

// ConfirmBurn checks a code read off the burned token and, when it is
// right, records the token for the user (through Confirm, like any
// enrollment) and wipes the seed from memory. A wrong code records
// nothing; ask again or Discard.
func (s *Service) ConfirmBurn(ctx context.Context, pb *PendingBurn, code string) (VerifyResult, error) {
	r, err := s.Confirm(ctx, pb.e, code, pb.create)
	if err == nil && r.Accepted() {
		pb.Discard()
	}
	return r, err
}

// Discard wipes the pending burn's seed: the token keeps it, this machine
// forgets it. The token must be burned again to be used.
func (pb *PendingBurn) Discard() {
	if pb.e != nil && pb.e.Device != nil {
		clear(pb.e.Device.Secret)
	}
}

// refuseKnownSerial refuses to program a token that is already recorded:
// a new seed would break the stored one (and lock its owner out).
func (s *Service) refuseKnownSerial(ctx context.Context, serial string) error {
	toks, err := s.store.Tokens(ctx, db.TokenFilter{Retired: true})
	if err != nil {
		return err
	}
	for _, d := range toks {
		if d.Serial != serial {
			continue
		}
		where := "in the inventory (give it out with: two-factor assign " + serial + " USER)"
		switch {
		case !d.Retired.IsZero():
			where = "retired"
		case d.User != "":
			where = "assigned to " + d.User
		}
		return db.Conflictf("token %s is already recorded, %s; nothing was written", serial, where)
	}
	return nil
}

// BurnedToken is a token programmed for the inventory.
type BurnedToken struct {
	Serial string
	Model  nfc.Model
	// Offset is the token's clock against the service's after the burn,
	// read back as the proof of the write.
	Offset    time.Duration
	Exchanges int
}

// readBackTolerance is how far the token's clock may be from ours when
// read back after a burn: the clock is set to the second, and reading it
// takes a moment.
const readBackTolerance = 5 * time.Second

// BurnForInventory programs the token on card with a fresh seed and
// records it unassigned, named by its serial, for a box of tokens.
//
// No code is typed here: a help desk burning a box cannot wake each token
// and read it. The proof is the token's own: the seed write answered 9000
// (the token checked its MAC and padding), and the token, read back, has
// the same serial and the clock the configuration set. A token that gives
// codes that do not verify still cannot be used unnoticed: it is assigned
// later, and its first login tells.
func (s *Service) BurnForInventory(ctx context.Context, card nfc.Transport, opt BurnOptions) (*BurnedToken, error) {
	opt, alg, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	p := nfc.NewProgrammer(card)
	info, err := p.Info(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.refuseKnownSerial(ctx, info.Serial); err != nil {
		return nil, err
	}
	settings, err := s.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	seed, err := devices.NewSecret(alg)
	if err != nil {
		return nil, err
	}
	defer clear(seed) // the store has sealed it by then
	d, err := devices.NewHardwareToken(info.Serial, opt.tokenSpec(info, alg, seed), settings, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.write(ctx, p, info, opt, alg, seed); err != nil {
		return nil, err
	}
	back, err := p.Info(ctx)
	notRecorded := func(err error) error {
		return &nfc.StepError{Step: nfc.StepInfo, Serial: info.Serial, SeedCleared: true,
			Err: fmt.Errorf("programmed, but %w; nothing was recorded", err)}
	}
	if err != nil {
		return nil, notRecorded(fmt.Errorf("reading it back failed (%w)", err))
	}
	offset := back.Clock.Sub(s.now().Truncate(time.Second))
	if back.Serial != info.Serial || offset.Abs() > readBackTolerance {
		return nil, notRecorded(fmt.Errorf("%w: read back as %s with its clock %s off", nfc.ErrMalformed, back.Serial, offset))
	}
	origin := fmt.Sprintf("programmed over NFC, model %s", info.Model.Name)
	res, err := s.store.ImportTokens(ctx, s.Actor, []db.ImportItem{{Origin: origin, Device: d}}, db.ImportOptions{})
	if err != nil {
		return nil, err
	}
	if len(res) != 1 || res[0].Action != db.ImportAdded {
		return nil, errors.New("token " + info.Serial + " was recorded meanwhile by someone else; it was programmed with a seed that is not stored: burn it again")
	}
	return &BurnedToken{Serial: info.Serial, Model: info.Model, Offset: offset, Exchanges: p.Exchanges()}, nil
}
